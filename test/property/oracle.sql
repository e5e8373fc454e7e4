-- Helpers of the property test's oracle: plain SQL over jsonb that states
-- README's semantics of the rule language independently of rule_eval.c.
-- Every helper is NULL-in, NULL-out and never raises for any document value.
-- They live in schema oracle, which is first on the search path of the
-- generated statements.

CREATE SCHEMA oracle;
SET search_path = oracle, public;

-- A document value seen as one kind: NULL when it is of another kind.
CREATE FUNCTION o_num(v jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE
	AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN v::numeric END $$;
CREATE FUNCTION o_str(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' END $$;
CREATE FUNCTION o_bool(v jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE
	AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'boolean' THEN v::boolean END $$;

-- Comparison of two document values: numbers as numeric, strings byte-wise,
-- booleans false < true; NULL when either is NULL or the kinds differ (and
-- for objects and arrays, which do not compare).
CREATE FUNCTION o_cmp(a jsonb, b jsonb) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
	WHEN jsonb_typeof(a) = 'number' AND jsonb_typeof(b) = 'number' THEN
		CASE WHEN a::numeric < b::numeric THEN -1 WHEN a::numeric = b::numeric THEN 0 ELSE 1 END
	WHEN jsonb_typeof(a) = 'string' AND jsonb_typeof(b) = 'string' THEN
		CASE WHEN (a #>> '{}') COLLATE "C" < (b #>> '{}') COLLATE "C" THEN -1
			 WHEN (a #>> '{}') = (b #>> '{}') THEN 0 ELSE 1 END
	WHEN jsonb_typeof(a) = 'boolean' AND jsonb_typeof(b) = 'boolean' THEN
		a::boolean::integer - b::boolean::integer
END $$;

-- Strict ISO 8601 as README describes it: YYYY-MM-DD is a date (midnight
-- UTC here); YYYY-MM-DD[T ]HH:MM[:SS[.fraction]] with an optional Z or
-- +HH[[:]MM] offset is a timestamp, UTC without an offset.  Fractions
-- beyond microseconds are cut.  Anything else, or an impossible date or
-- time, is NULL.
CREATE FUNCTION o_iso(s text) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
	m text[];
	y int;
	mo int;
	dd int;
	t timestamp;
BEGIN
	m := regexp_match(s, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?([Zz]|([-+])([0-9]{2})(?::?([0-9]{2}))?)?)?$');
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	y := m[1]::int;
	mo := m[2]::int;
	dd := m[3]::int;
	IF y < 1 OR mo < 1 OR mo > 12 OR dd < 1
		OR dd > extract(day FROM make_date(y, mo, 1) + interval '1 month' - interval '1 day') THEN
		RETURN NULL;
	END IF;
	IF m[4] IS NULL THEN
		RETURN make_date(y, mo, dd)::timestamp AT TIME ZONE 'UTC';
	END IF;
	IF m[4]::int > 23 OR m[5]::int > 59 OR coalesce(m[6], '0')::int > 59
		OR coalesce(m[10], '0')::int > 15 OR coalesce(m[11], '0')::int > 59 THEN
		RETURN NULL;
	END IF;
	t := make_timestamp(y, mo, dd, m[4]::int, m[5]::int, coalesce(m[6], '0')::int)
		+ rpad(substr(coalesce(m[7], ''), 1, 6), 6, '0')::int * interval '1 microsecond';
	RETURN (t AT TIME ZONE 'UTC')
		- (CASE WHEN m[9] = '-' THEN -1 ELSE 1 END)
		  * (coalesce(m[10], '0')::int * 60 + coalesce(m[11], '0')::int) * interval '1 minute';
END $$;

CREATE FUNCTION o_isdate(s text) RETURNS boolean LANGUAGE sql IMMUTABLE
	AS $$ SELECT s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND o_iso(s) IS NOT NULL $$;

-- days_since(from, to): whole days (to's UTC date minus from) when from is a
-- date; else (to - from) in days, cut toward zero to a millionth, scale 6.
CREATE FUNCTION o_days(from_is_date boolean, f timestamptz, t timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
	WHEN f IS NULL OR t IS NULL THEN NULL
	WHEN from_is_date THEN ((t AT TIME ZONE 'UTC')::date - (f AT TIME ZONE 'UTC')::date)::numeric
	ELSE round(div((extract(epoch FROM t) - extract(epoch FROM f)) * 1000000, 86400) / 1000000, 6)
END $$;

-- number(s) of a string: optional spaces, sign, digits with an optional
-- point, an optional exponent of at most 1000 in size; else NULL.
CREATE FUNCTION o_parse_number(s text) RETURNS numeric LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
	t text := btrim(s, ' ');
	m text[];
BEGIN
	IF octet_length(t) > 1000 THEN
		RETURN NULL;
	END IF;
	m := regexp_match(t, '^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?([0-9]+))?$');
	IF m IS NULL OR (m[1] IS NOT NULL AND m[1]::numeric > 1000) THEN
		RETURN NULL;
	END IF;
	RETURN t::numeric;
END $$;

CREATE FUNCTION o_number(v jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
SELECT CASE jsonb_typeof(v)
	WHEN 'number' THEN v::numeric
	WHEN 'boolean' THEN CASE WHEN v::boolean THEN 1 ELSE 0 END::numeric
	WHEN 'string' THEN o_parse_number(v #>> '{}')
END $$;

-- string(x): strings as they are, everything else in its JSON form.
CREATE FUNCTION o_string(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE v::text END $$;

CREATE FUNCTION o_ts_text(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
	|| CASE WHEN to_char(t AT TIME ZONE 'UTC', 'US') = '000000' THEN ''
			ELSE '.' || rtrim(to_char(t AT TIME ZONE 'UTC', 'US'), '0') END
	|| '+00' $$;

-- least()/greatest() of values whose kinds are known only at run time: the
-- smallest/largest non-NULL argument (the first of equal ones); NULL when no
-- argument is non-NULL or two of them are of different kinds (objects and
-- arrays never compare, so two of them are NULL too).
CREATE FUNCTION o_minmax(want_least boolean, VARIADIC v jsonb[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	nn jsonb[];
	kinds text[];
	res jsonb;
BEGIN
	SELECT array_agg(x ORDER BY i), array_agg(DISTINCT jsonb_typeof(x))
		INTO nn, kinds
		FROM unnest(v) WITH ORDINALITY AS u(x, i) WHERE x IS NOT NULL;
	IF nn IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(nn) = 1 THEN
		RETURN nn[1];
	END IF;
	IF cardinality(kinds) > 1 OR kinds[1] NOT IN ('number', 'string', 'boolean') THEN
		RETURN NULL;
	END IF;
	SELECT x INTO res FROM unnest(nn) WITH ORDINALITY AS u(x, i)
	ORDER BY CASE WHEN want_least THEN o_num(x) END ASC,
			 CASE WHEN NOT want_least THEN o_num(x) END DESC,
			 CASE WHEN want_least THEN o_str(x) COLLATE "C" END ASC,
			 CASE WHEN NOT want_least THEN o_str(x) COLLATE "C" END DESC,
			 CASE WHEN want_least THEN o_bool(x) END ASC,
			 CASE WHEN NOT want_least THEN o_bool(x) END DESC,
			 i
	LIMIT 1;
	RETURN res;
END $$;

-- Arithmetic: numeric's own operators; "arithmetic errors give NULL": a
-- zero divisor and a result beyond numeric's range are NULL, not errors.
CREATE FUNCTION o_arith(op text, a numeric, b numeric) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
	CASE op
		WHEN '+' THEN RETURN a + b;
		WHEN '-' THEN RETURN a - b;
		WHEN '*' THEN RETURN a * b;
		WHEN '/' THEN RETURN a / NULLIF(b, 0);
		WHEN '%' THEN RETURN a % NULLIF(b, 0);
	END CASE;
EXCEPTION WHEN numeric_value_out_of_range THEN
	RETURN NULL;
END $$;
