-- The rule language, evaluation semantics (README "The rule language",
-- "Semantics" and the function whitelist).  Expected values come from the
-- README; where the README says "as in SQL" or "like PostgreSQL's own",
-- PostgreSQL itself is the oracle.
BEGIN;
SET LOCAL search_path = salesops, public;
SELECT plan(176);

-- ---------------------------------------------------------------------------
-- Three-valued logic, as in SQL.  A NULL operand is written once as a missing
-- key and once as a JSON null: both must behave as SQL NULL.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE tv (v boolean);
INSERT INTO tv VALUES (true), (false), (NULL);
CREATE TEMP TABLE nv (v numeric);
INSERT INTO nv VALUES (1), (2), (3), (NULL);

SELECT is_empty($$
	SELECT a.v, b.v FROM tv a, tv b
	WHERE rule_test('a AND b', jsonb_strip_nulls(jsonb_build_object('a', a.v, 'b', b.v))) IS DISTINCT FROM (a.v AND b.v)
$$, 'AND: SQL truth table (NULL as a missing key)');
SELECT is_empty($$
	SELECT a.v, b.v FROM tv a, tv b
	WHERE rule_test('a AND b', jsonb_build_object('a', a.v, 'b', b.v)) IS DISTINCT FROM (a.v AND b.v)
$$, 'AND: SQL truth table (NULL as a JSON null)');
SELECT is_empty($$
	SELECT a.v, b.v FROM tv a, tv b
	WHERE rule_test('a OR b', jsonb_strip_nulls(jsonb_build_object('a', a.v, 'b', b.v))) IS DISTINCT FROM (a.v OR b.v)
$$, 'OR: SQL truth table (NULL as a missing key)');
SELECT is_empty($$
	SELECT a.v, b.v FROM tv a, tv b
	WHERE rule_test('a OR b', jsonb_build_object('a', a.v, 'b', b.v)) IS DISTINCT FROM (a.v OR b.v)
$$, 'OR: SQL truth table (NULL as a JSON null)');
SELECT is_empty($$
	SELECT a.v FROM tv a
	WHERE rule_test('NOT a', jsonb_strip_nulls(jsonb_build_object('a', a.v))) IS DISTINCT FROM (NOT a.v)
	   OR rule_test('NOT a', jsonb_build_object('a', a.v)) IS DISTINCT FROM (NOT a.v)
$$, 'NOT: SQL truth table');
SELECT is_empty($$
	SELECT a.v, b.v, c.v FROM tv a, tv b, tv c
	WHERE rule_test('a AND b AND c', jsonb_strip_nulls(jsonb_build_object('a', a.v, 'b', b.v, 'c', c.v)))
			IS DISTINCT FROM (a.v AND b.v AND c.v)
	   OR rule_test('a OR b OR c', jsonb_strip_nulls(jsonb_build_object('a', a.v, 'b', b.v, 'c', c.v)))
			IS DISTINCT FROM (a.v OR b.v OR c.v)
	   OR rule_test('a AND NOT b OR c', jsonb_strip_nulls(jsonb_build_object('a', a.v, 'b', b.v, 'c', c.v)))
			IS DISTINCT FROM (a.v AND NOT b.v OR c.v)
$$, 'chains of three operands and mixed AND/OR/NOT: as in SQL');
SELECT is_empty($$
	SELECT x.v, y.v, op FROM nv x, nv y, unnest(ARRAY['=', '<>', '!=', '<', '<=', '>', '>=']) AS op
	WHERE rule_test(('x ' || op || ' y')::rule, jsonb_strip_nulls(jsonb_build_object('x', x.v, 'y', y.v)))
		IS DISTINCT FROM CASE op WHEN '=' THEN x.v = y.v WHEN '<>' THEN x.v <> y.v WHEN '!=' THEN x.v <> y.v
			WHEN '<' THEN x.v < y.v WHEN '<=' THEN x.v <= y.v WHEN '>' THEN x.v > y.v ELSE x.v >= y.v END
$$, 'comparisons with NULL operands: as in SQL');
SELECT is_empty($$
	SELECT x.v, y.v FROM nv x, nv y
	WHERE rule_test('x IN (1, y)', jsonb_strip_nulls(jsonb_build_object('x', x.v, 'y', y.v))) IS DISTINCT FROM (x.v IN (1, y.v))
	   OR rule_test('x IN (y, 3)', jsonb_build_object('x', x.v, 'y', y.v)) IS DISTINCT FROM (x.v IN (y.v, 3))
$$, 'IN with NULLs: as in SQL');
SELECT is_empty($$
	SELECT x.v, y.v FROM nv x, nv y
	WHERE rule_test('x NOT IN (1, y)', jsonb_strip_nulls(jsonb_build_object('x', x.v, 'y', y.v))) IS DISTINCT FROM (x.v NOT IN (1, y.v))
	   OR rule_test('x NOT IN (y, 3)', jsonb_build_object('x', x.v, 'y', y.v)) IS DISTINCT FROM (x.v NOT IN (y.v, 3))
$$, 'NOT IN with NULLs: as in SQL');
SELECT is_empty($$
	SELECT x.v, lo.v, hi.v FROM nv x, nv lo, nv hi
	WHERE rule_test('x BETWEEN lo AND hi', jsonb_strip_nulls(jsonb_build_object('x', x.v, 'lo', lo.v, 'hi', hi.v)))
		IS DISTINCT FROM (x.v BETWEEN lo.v AND hi.v)
$$, 'BETWEEN with NULLs (and lo > hi): as in SQL');
SELECT is_empty($$
	SELECT x.v, lo.v, hi.v FROM nv x, nv lo, nv hi
	WHERE rule_test('x NOT BETWEEN lo AND hi', jsonb_build_object('x', x.v, 'lo', lo.v, 'hi', hi.v))
		IS DISTINCT FROM (x.v NOT BETWEEN lo.v AND hi.v)
$$, 'NOT BETWEEN with NULLs: as in SQL');

-- the README's own examples
SELECT is(rule_test('NULL AND FALSE', '{}'), false, 'NULL AND FALSE is false');
SELECT is(rule_test('NULL OR TRUE', '{}'), true, 'NULL OR TRUE is true');
SELECT is(rule_test('NOT NULL', '{}'), NULL::boolean, 'NOT NULL is NULL');
SELECT is(rule_test('x IN (1, NULL)', '{"x": 2}'), NULL::boolean, 'x IN (1, NULL) is NULL when x is not 1');
SELECT is(rule_test('x IN (1, NULL)', '{"x": 1}'), true, 'x IN (1, NULL) is true when x is 1');
SELECT is(rule_test('x NOT IN (1, NULL)', '{"x": 1}'), false, 'x NOT IN (1, NULL) is false when x is 1');
SELECT is(rule_test('x NOT IN (1, NULL)', '{"x": 2}'), NULL::boolean, 'x NOT IN (1, NULL) is NULL when x is not 1');
SELECT is(rule_test('x BETWEEN NULL AND 5', '{"x": 6}'), false, 'x BETWEEN NULL AND 5 is false when x > 5');
SELECT is(rule_test('x BETWEEN NULL AND 5', '{"x": 3}'), NULL::boolean, 'x BETWEEN NULL AND 5 is NULL when x <= 5');
SELECT is(rule_test('x NOT BETWEEN 1 AND NULL', '{"x": 0}'), true, 'x NOT BETWEEN 1 AND NULL is true when x < 1');
SELECT is(rule_test('NULL = NULL', '{}'), NULL::boolean, 'NULL = NULL is NULL');
SELECT is(rule_test('NULL IS NULL', '{}'), true, 'NULL IS NULL is true');
SELECT is(rule_test('x = 1', '{}'), NULL::boolean, 'rule_test returns NULL when the answer is unknown');
SELECT is(rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "medical", "employees": 650}'), true,
	'README: medical with 650 employees');
SELECT is(rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "retail"}'), false,
	'README: retail is false whatever the size');
SELECT is(rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "medical"}'), NULL::boolean,
	'README: medical of unknown size is unknown');

-- ---------------------------------------------------------------------------
-- Missing keys and JSON null
-- ---------------------------------------------------------------------------
SELECT is(rule_test('x IS NULL', '{}'), true, 'a missing key IS NULL');
SELECT is(rule_test('x IS NULL', '{"x": null}'), true, 'a JSON null IS NULL');
SELECT is(rule_test('x IS NOT NULL', '{"x": null}'), false, 'a JSON null is not IS NOT NULL');
SELECT is_empty($$
	SELECT d FROM unnest(ARRAY['{"x": 0}', '{"x": false}', '{"x": ""}', '{"x": []}', '{"x": {}}', '{"x": "null"}']::jsonb[]) AS d
	WHERE rule_test('x IS NOT NULL AND NOT x IS NULL', d) IS NOT TRUE
$$, '0, false, "", [], {} and "null" are present values, not NULL');
SELECT is(rule_test('x = 1', '{"x": null}'), NULL::boolean, 'comparing a JSON null gives NULL');
SELECT is(rule_test('x <> 1', '{}'), NULL::boolean, 'comparing a missing key gives NULL, also with <>');
SELECT is(rule_value('coalesce(x, y, 5)', '{"x": null}'), 5::numeric, 'coalesce skips both a JSON null and a missing key');
SELECT is(rule_test('x IS NULL', '[1, 2]'), true, 'a document that is not an object has no keys');
SELECT is(rule_test('x = 1', '5'), NULL::boolean, 'a scalar document gives NULL');

-- ---------------------------------------------------------------------------
-- Values of different kinds compare as NULL
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE bcases (grp text, r text, d jsonb, want boolean);
INSERT INTO bcases VALUES
	('kinds', 'x = 1', '{"x": "1"}', NULL), ('kinds', 'x = ''1''', '{"x": 1}', NULL),
	('kinds', 'x <> ''1''', '{"x": 1}', NULL), ('kinds', 'x = TRUE', '{"x": 1}', NULL),
	('kinds', 'x = TRUE', '{"x": "true"}', NULL), ('kinds', 'x > 1', '{"x": {"a": 2}}', NULL),
	('kinds', 'x > 1', '{"x": [2]}', NULL), ('kinds', 'x IN (1, 2)', '{"x": "1"}', NULL),
	('kinds', 'x NOT IN (1, 2)', '{"x": "1"}', NULL), ('kinds', 'x BETWEEN 1 AND 3', '{"x": "2"}', NULL),
	('kinds', 'x LIKE ''a%''', '{"x": 5}', NULL), ('kinds', 'NOT x', '{"x": 1}', NULL),
	('kinds', 'x AND TRUE', '{"x": "yes"}', NULL), ('kinds', 'x', '{"x": 1}', NULL),
	('kinds', 'x + 1 > 0', '{"x": "1"}', NULL), ('kinds', 'x = y', '{"x": 1, "y": "1"}', NULL),
	('kinds', 'x OR TRUE', '{"x": "yes"}', true), ('kinds', 'x AND FALSE', '{"x": 1}', false),
	('kinds', 'x NOT IN (''a'', 1)', '{"x": 1}', false), ('kinds', 'x', '{"x": true}', true),
	('kinds', 'x = FALSE', '{"x": false}', true), ('kinds', 'x = y', '{"x": "a", "y": "a"}', true);
SELECT is_empty($$
	SELECT r, d, want, rule_test(r::rule, d) AS got FROM bcases
	WHERE grp = 'kinds' AND rule_test(r::rule, d) IS DISTINCT FROM want
$$, 'values of different kinds compare as NULL (and NULL is unknown in AND/OR)');
SELECT is(rule_explain('employees >= 500', '{"employees": "650"}') -> 'tree' ->> 'note',
	'type mismatch: string compared with number', 'rule_explain: the documented type mismatch note');
SELECT matches(rule_explain('x = TRUE', '{"x": 1}') -> 'tree' ->> 'note',
	'^type mismatch', 'rule_explain: a note for number compared with boolean');
SELECT throws_ok($$SELECT '''a'' = 1'::rule$$, '42883', 'operator does not exist: string = number',
	'literals of different kinds: compile-time error');
SELECT throws_ok($$SELECT 'lower(name) = 1'::rule$$, '42883', 'operator does not exist: string = number',
	'a function result of known kind against a literal: compile-time error');
SELECT throws_ok($$SELECT 'length(name) = ''3'''::rule$$, '42883', 'operator does not exist: number = string',
	'length() is a number: compile-time error against a string');
SELECT throws_ok($$SELECT '1 AND x'::rule$$, '42804', 'operator AND cannot take a number',
	'AND of a number literal: compile-time error');

-- ---------------------------------------------------------------------------
-- Numbers are exact (numeric)
-- ---------------------------------------------------------------------------
SELECT is(rule_test('0.1 + 0.2 = 0.3', '{}'), true, '0.1 + 0.2 = 0.3');
SELECT is(rule_value('0.1 + 0.2', '{}'), 0.3, '0.1 + 0.2 is 0.3');
SELECT is(rule_test('a + b = 0.3', '{"a": 0.1, "b": 0.2}'), true, 'document numbers are exact too');
SELECT is(rule_test('1.1 * 3 = 3.3', '{}'), true, '1.1 * 3 = 3.3');
SELECT is(rule_test('1.0 = 1 AND 1.50 = 1.5', '{}'), true, 'numbers compare by value, not by scale');
SELECT is(rule_value('12345678901234567890123456789 + 1', '{}'), 12345678901234567890123456790::numeric,
	'big integers are exact');
SELECT is(rule_value('a * b', '{"a": 1e30, "b": 1e30}'), 1e60::numeric, '1e30 * 1e30');
SELECT is(rule_value('n + 0', '{"n": 123456789012345678901234567890.123456789012}'),
	123456789012345678901234567890.123456789012::numeric, 'a long document number keeps every digit');
SELECT is(rule_test('n > 123456789012345678901234567890.1234567890119', '{"n": 123456789012345678901234567890.123456789012}'),
	true, 'comparison of long numbers is exact');
SELECT is(rule_value('a / b', '{"a": 1, "b": 3}'), 1::numeric / 3, 'division: PostgreSQL numeric precision');
SELECT is_empty($$
	SELECT r, want, rule_value(r::rule, '{"x": 5}') AS got FROM (VALUES
		('2 + 3 * 4', 14), ('(2 + 3) * 4', 20), ('10 - 4 - 3', 3), ('10 - (4 - 3)', 9), ('12 / 4 / 3', 1),
		('2 * 3 % 4', 2), ('-2 * 3', -6), ('-x + 1', -4), ('- -x', 5), ('-(x + 1) * 2', -12), ('x - -1', 6),
		('7 % 3', 1), ('-7 % 3', -7::numeric % 3), ('2.5e3', 2500), ('.5 + 1.', 1.5)) AS c(r, want)
	WHERE rule_value(r::rule, '{"x": 5}') IS DISTINCT FROM want
$$, 'arithmetic: unary minus, then * / %, then + -, left to right');
SELECT is(rule_test('x > 1 + 2 * 3', '{"x": 8}'), true, 'arithmetic binds tighter than comparison');
SELECT is_empty($$
	SELECT r, want FROM (VALUES
		('100 - 10 - 20 - 30', 40), ('(100 - 10) - 20 - 30', 40), ('100 - (10 - 20) - 30', 80),
		('1000 / 10 / 5 / 2', 10), ('2 * 3 * 4 * 5', 120), ('100 % 30 % 7', 3), ('1 + 2 - 3 + 4 - 5', -1),
		('x * 2 * x - x / 5 / 1', 49), ('(1 + 2) + (3 + 4)', 10)) AS c(r, want)
	WHERE rule_value(r::rule, '{"x": 5}') IS DISTINCT FROM want
$$, 'a run of one operator folds from the left, like the nested form');
SELECT is(rule_value('a + b + c', '{"a": 1, "c": 2}'), NULL::numeric, 'a NULL anywhere in a sum gives NULL');
SELECT is(rule_value('+s', '{"s": "12"}'), NULL::numeric, 'unary plus of a string is NULL, as unary minus');
SELECT is(rule_value('+n', '{"n": 1.50}'), 1.50::numeric, 'unary plus of a number is the number');
SELECT is('+(+n) > +1'::rule::text, '+n > 1', 'unary plus stays only where it checks a kind');
SELECT is(rule_value('a / b / c', '{"a": 1, "b": 0, "c": 2}'), NULL::numeric,
	'a division by zero early in a chain gives NULL');
SELECT is(rule_explain('a / b / c', '{"a": 1, "b": 0, "c": 2}') -> 'tree' ->> 'note', 'division by zero',
	'explain names the failure of a chain');
SELECT is(jsonb_array_length(rule_explain('a * b * c + d', '{}') -> 'tree' -> 'args' -> 0 -> 'args'), 3,
	'explain shows a run of one operator as one node with every operand');
-- documents of many keys (jsonb stores an absolute offset every 32 entries),
-- each missing different keys, read by one call site after another
CREATE TEMP TABLE wide AS
	SELECT d, jsonb_object_agg(format('k%s', lpad(i::text, 3, '0')), i * 10 + d) FILTER (WHERE (i + d) % 7 <> 0) AS doc
	FROM generate_series(1, 40) AS d, generate_series(0, 299) AS i GROUP BY d;
SELECT is_empty($$
	SELECT d FROM wide
	WHERE rule_value('k000 + k005 + k031 + k032 + k033 + k064 + k150 + k298 + k299', doc) IS DISTINCT FROM
		(doc->>'k000')::numeric + (doc->>'k005')::numeric + (doc->>'k031')::numeric + (doc->>'k032')::numeric +
		(doc->>'k033')::numeric + (doc->>'k064')::numeric + (doc->>'k150')::numeric + (doc->>'k298')::numeric +
		(doc->>'k299')::numeric
$$, 'keys across a wide document, one rule over documents with different keys');
SELECT is_empty($$
	SELECT d, k FROM wide, (SELECT format('k%s', lpad(i::text, 3, '0')) FROM generate_series(0, 299, 7) AS i) AS ks(k)
	WHERE rule_value(format('%s * 1', k)::rule, doc) IS DISTINCT FROM (doc->>k)::numeric
		OR rule_test(format('%s IS NULL', k)::rule, doc) IS DISTINCT FROM (doc->k IS NULL)
$$, 'every key of a wide document, a different rule on every row');
SELECT is('(a + b) + c'::rule, 'a + b + c'::rule, 'regrouping a sum from the left gives the same rule');
SELECT isnt('a + (b + c)'::rule, 'a + b + c'::rule, 'regrouping to the right is a different rule');
SELECT is('a + (b + c)'::rule::text, 'a + (b + c)', 'and keeps its parentheses');

-- ---------------------------------------------------------------------------
-- Strings compare byte-wise (C collation)
-- ---------------------------------------------------------------------------
SELECT is(rule_test('''B'' < ''a''', '{}'), true, 'upper case sorts before lower case');
SELECT is(rule_test('''Zebra'' < ''apple''', '{}'), true, 'Zebra < apple');
SELECT is(rule_test('''é'' > ''z''', '{}'), true, 'non-ASCII sorts after ASCII');
SELECT is(rule_test('''apple'' < ''apples''', '{}'), true, 'a prefix sorts first');
SELECT is(rule_test('''10'' < ''9''', '{}'), true, 'digit strings compare as strings');
SELECT is(rule_test('''a'' = ''A''', '{}'), false, 'equality is case-sensitive');
SELECT is(rule_test('s = ''it''''s''', '{"s": "it''s"}'), true, 'a quote doubled in a string literal');
SELECT is_empty($$
	SELECT a, b FROM unnest(ARRAY['', 'a', 'A', 'B', 'b', 'ab', 'a b', 'é', 'e', 'z', 'Z', '10', '9', 'ü', 'ß', '中']) AS a,
		unnest(ARRAY['', 'a', 'A', 'B', 'b', 'ab', 'a b', 'é', 'e', 'z', 'Z', '10', '9', 'ü', 'ß', '中']) AS b
	WHERE rule_test('a < b', jsonb_build_object('a', a, 'b', b)) IS DISTINCT FROM (a COLLATE "C" < b COLLATE "C")
	   OR rule_test('a >= b', jsonb_build_object('a', a, 'b', b)) IS DISTINCT FROM (a COLLATE "C" >= b COLLATE "C")
	   OR rule_test('a = b', jsonb_build_object('a', a, 'b', b)) IS DISTINCT FROM (a = b)
$$, 'string order is the C collation''s');
SELECT is_empty($$
	SELECT s, p FROM (VALUES ('abc', 'a%'), ('abc', '_b_'), ('a_b', 'a\_b'), ('axb', 'a\_b'), ('ABC', 'a%'),
		('é', '_'), ('50%', '50\%'), ('500', '50\%'), ('', '%'), ('ab', 'a'), ('ÉCOLE', 'é%'), ('x', '')) AS v(s, p)
	WHERE rule_test('s LIKE p', jsonb_build_object('s', s, 'p', p)) IS DISTINCT FROM (s LIKE p)
	   OR rule_test('s NOT LIKE p', jsonb_build_object('s', s, 'p', p)) IS DISTINCT FROM (s NOT LIKE p)
	   OR rule_test('s ILIKE p', jsonb_build_object('s', s, 'p', p)) IS DISTINCT FROM (s ILIKE p)
	   OR rule_test('s NOT ILIKE p', jsonb_build_object('s', s, 'p', p)) IS DISTINCT FROM (s NOT ILIKE p)
$$, 'LIKE and ILIKE with % _ and \ escapes: as PostgreSQL''s');
SELECT is(rule_test('s LIKE ''a%''', '{}'), NULL::boolean, 'LIKE on a missing key: NULL');

-- ---------------------------------------------------------------------------
-- ISO 8601 dates and timestamps
-- ---------------------------------------------------------------------------
SELECT is(rule_test('last_visit >= DATE ''2026-11-01''', '{"last_visit": "2026-11-20"}'), true,
	'README: an ISO date string compares as a date');
SELECT is(rule_test('last_visit >= DATE ''2026-11-01''', '{"last_visit": "2026-10-31T23:59:59Z"}'), false,
	'an ISO timestamp string against a date');
SELECT is(rule_test('last_visit >= DATE ''2026-11-01''', '{"last_visit": "last week"}'), NULL::boolean,
	'a string that is not ISO 8601 gives NULL');
SELECT is(rule_test('d = TIMESTAMP ''2026-01-01 10:00:00+02''', '{"d": "2026-01-01T08:00:00Z"}'), true,
	'timestamp offsets: +02 literal equals the Z string');
SELECT is(rule_test('d = TIMESTAMP ''2026-01-01 10:00:00+02''', '{"d": "2026-01-01T09:00:00+01:00"}'), true,
	'timestamp offsets: +01:00 string');
SELECT is(rule_test('d = TIMESTAMP ''2026-01-01 10:00:00+02''', '{"d": "2026-01-01 08:00:00"}'), true,
	'a timestamp string without offset is UTC');
SELECT is(rule_test('TIMESTAMP ''2026-01-01 08:00:00'' = TIMESTAMP ''2026-01-01 09:00:00+01''', '{}'), true,
	'a timestamp literal without offset is UTC');
SELECT is(rule_test('d > TIMESTAMP ''2026-01-01 00:00:00Z''', '{"d": "2026-01-01T00:00:00.5Z"}'), true,
	'fractional seconds');
SELECT is(rule_test('d = TIMESTAMP ''2026-01-01 00:00:00Z''', '{"d": "2026-01-01"}'), true,
	'a date equals the timestamp of its midnight UTC');
SELECT is(rule_test('DATE ''2026-01-01'' < TIMESTAMP ''2026-01-01 00:00:00-01''', '{}'), true,
	'dates compare with timestamps as midnight UTC (west of UTC)');
SELECT is(rule_test('DATE ''2026-01-01'' > TIMESTAMP ''2026-01-01 00:00:00+01''', '{}'), true,
	'dates compare with timestamps as midnight UTC (east of UTC)');
SELECT is(rule_test('d < DATE ''2026-01-01''', '{"d": "2026-01-01T00:00:00+01"}'), true,
	'a timestamp string with an offset against a date literal');
SELECT is(rule_test('DATE ''2026-01-01'' = ''2026-01-01''', '{}'), true, 'a string literal compares as a date with a date');
SELECT is(rule_test('d BETWEEN DATE ''2026-01-01'' AND DATE ''2026-12-31''', '{"d": "2026-06-15T12:00:00Z"}'), true,
	'BETWEEN dates over a timestamp string');
SELECT is(rule_test('d IN (DATE ''2026-01-01'', DATE ''2026-01-02'')', '{"d": "2026-01-02"}'), true, 'IN over dates');
SELECT is(rule_test('a < b', '{"a": "2026-01-10", "b": "2026-01-9"}'), true,
	'two strings compare as strings, even when they look like dates');
SELECT is(rule_test('d > DATE ''2020-01-01''', '{"d": "2024-02-29"}'), true, 'a leap day is a date');
SELECT is_empty($$
	SELECT s FROM unnest(ARRAY['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-1',
		'26-01-01', '20260101', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01x', '', 'yesterday']) AS s
	WHERE rule_test('d > DATE ''2020-01-01''', jsonb_build_object('d', s)) IS NOT NULL
$$, 'invalid or non-ISO date strings give NULL');
SELECT ok(rule_explain('d > DATE ''2020-01-01''', '{"d": "2026-02-30"}') -> 'tree' ? 'note',
	'rule_explain gives a reason for an invalid date');
SELECT throws_ok($$SELECT 'd > DATE ''2026-02-30'''::rule$$, '22007', 'invalid date literal in rule: "2026-02-30"',
	'an impossible date literal');
SELECT throws_ok($$SELECT 'd > DATE ''tomorrow'''::rule$$, '22007', 'invalid date literal in rule: "tomorrow"',
	'a date literal that is not ISO 8601');
SELECT throws_ok($$SELECT 'd > TIMESTAMP ''2026-01-01 25:00:00'''::rule$$, '22007', NULL,
	'an invalid timestamp literal');
SELECT throws_ok($$SELECT 'DATE ''2026-01-01'' = 1'::rule$$, '42883', 'operator does not exist: date = number',
	'a date literal against a number literal: compile-time error');
SELECT is(rule_test('d > DATE ''2026-01-01''', '{"d": 20260102}'), NULL::boolean, 'a number against a date: NULL');

-- ---------------------------------------------------------------------------
-- Paths and names
-- ---------------------------------------------------------------------------
INSERT INTO bcases VALUES
	('paths', 'account.revenue * 1000000 >= 500000 AND NOT (status = ''churned'')',
		'{"account": {"revenue": 0.75}, "status": "active"}', true),
	('paths', 'a.b.c = 1', '{"a": {"b": {"c": 1}}}', true),
	('paths', 'a.b.c = 1', '{"a": {"b": [1]}}', NULL),
	('paths', 'a.b = 1', '{"a": [{"b": 1}]}', NULL),
	('paths', 'a.b = 1', '{"a": 5}', NULL),
	('paths', 'a.b = 1', '{"a": "str"}', NULL),
	('paths', 'a.b = 1', '{"a": true}', NULL),
	('paths', 'a.b IS NULL', '{"a": null}', true),
	('paths', 'a.b IS NULL', '{"a": {}}', true),
	('paths', 'a.b IS NULL', '{"a": {"b": null}}', true),
	('paths', 'a.b.c IS NULL', '{}', true),
	('paths', 'a IS NOT NULL', '{"a": {"b": 1}}', true),
	('names', '"a.b" = 1', '{"a.b": 1}', true),
	('names', 'a.b = 1', '{"a.b": 1}', NULL),
	('names', '"a.b" = 1', '{"a": {"b": 1}}', NULL),
	('names', '"Lead Source" = ''Google''', '{"Lead Source": "Google"}', true),
	('names', '"say ""hi""" = 1', '{"say \"hi\"": 1}', true),
	('names', '"a b"."c.d".e = 1', '{"a b": {"c.d": {"e": 1}}}', true),
	('names', '"café" = 1 AND "中文" = 2', '{"café": 1, "中文": 2}', true),
	('names', 'Sector = ''x''', '{"Sector": "x"}', NULL),
	('names', 'SECTOR = ''x''', '{"sector": "x"}', true),
	('names', '"Sector" = ''x''', '{"Sector": "x"}', true),
	('names', '"Sector" = ''x''', '{"sector": "x"}', NULL),
	('names', 'Account.Revenue > 1', '{"account": {"revenue": 2}}', true),
	('names', '"date" = DATE ''2024-02-29''', '{"date": "2024-02-29"}', true),
	('names', '"and" = 1 AND "or" = 2 AND "null" = 3 AND "in" = 4', '{"and": 1, "or": 2, "null": 3, "in": 4}', true),
	('names', 'a."not" = 4', '{"a": {"not": 4}}', true);
SELECT is_empty($$
	SELECT r, d, want, rule_test(r::rule, d) AS got FROM bcases
	WHERE grp = 'paths' AND rule_test(r::rule, d) IS DISTINCT FROM want
$$, 'dotted paths; a path through a non-object or a missing key is NULL');
SELECT is_empty($$
	SELECT r, d, want, rule_test(r::rule, d) AS got FROM bcases
	WHERE grp = 'names' AND rule_test(r::rule, d) IS DISTINCT FROM want
$$, 'names: quoting keeps any key, unquoted names fold to lower case, keyword-named keys');
SELECT ok(rule_explain('a.b = 1', '{"a": 5}') -> 'tree' -> 'args' -> 0 ? 'note',
	'rule_explain gives a reason for a path through a non-object');
SELECT ok(rule_explain('a = 1', '{}') -> 'tree' -> 'args' -> 0 ? 'note',
	'rule_explain gives a reason for a missing key');

-- ---------------------------------------------------------------------------
-- The function whitelist, with NULL handling: one table of cases per function
-- (evaluated at a fixed time, so that days_since is reproducible)
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE fcases (fn text, r text, d jsonb, want numeric);
INSERT INTO fcases VALUES
	('abs', 'abs(x)', '{"x": -3.5}', 3.5), ('abs', 'abs(x)', '{"x": 2}', 2), ('abs', 'abs(x)', '{}', NULL),
	('abs', 'abs(x)', '{"x": null}', NULL), ('abs', 'abs(x)', '{"x": "-1"}', NULL),
	('ceil', 'ceil(1.2)', '{}', 2), ('ceil', 'ceil(-1.2)', '{}', -1), ('ceil', 'ceil(x)', '{"x": 3}', 3),
	('ceil', 'ceil(x)', '{"x": null}', NULL),
	('floor', 'floor(1.8)', '{}', 1), ('floor', 'floor(-1.2)', '{}', -2), ('floor', 'floor(x)', '{}', NULL),
	('round', 'round(2.5)', '{}', round(2.5)), ('round', 'round(-2.5)', '{}', round(-2.5)),
	('round', 'round(1.2345, 2)', '{}', 1.23), ('round', 'round(1235, -1)', '{}', 1240),
	('round', 'round(x)', '{}', NULL), ('round', 'round(x, p)', '{"x": 1.55}', NULL),
	('round', 'round(x, p)', '{"x": 1.55, "p": 1}', 1.6),
	('least', 'least(3, 1, 2)', '{}', 1), ('least', 'least(x, 5, y)', '{"y": 7}', 5), ('least', 'least(x)', '{"x": -1}', -1),
	('least', 'least(x, y)', '{}', NULL), ('least', 'least(x, y)', '{"x": null, "y": null}', NULL),
	('greatest', 'greatest(3, 1, 2)', '{}', 3), ('greatest', 'greatest(x, 5, y)', '{"y": 7}', 7),
	('greatest', 'greatest(x, y)', '{"x": null}', NULL), ('greatest', 'greatest(-x, 0)', '{"x": 2}', 0),
	('coalesce', 'coalesce(x, y, 0)', '{"y": 4}', 4), ('coalesce', 'coalesce(x, y, 0)', '{"x": null, "y": null}', 0),
	('coalesce', 'coalesce(x, 1)', '{"x": 0}', 0), ('coalesce', 'coalesce(x, y)', '{}', NULL),
	('length', 'length(s)', '{"s": "héllo"}', 5), ('length', 'length(s)', '{"s": ""}', 0),
	('length', 'length(s)', '{}', NULL), ('length', 'length(s)', '{"s": 12345}', NULL),
	('trim', 'length(trim(s))', '{"s": "  a b  "}', 3), ('trim', 'length(trim(s))', '{"s": "\t a \t"}', 5),
	('trim', 'length(trim(s))', '{"s": "   "}', 0), ('trim', 'length(trim(s))', '{}', NULL),
	('number', 'number(s)', '{"s": " 12.5 "}', 12.5), ('number', 'number(s)', '{"s": "-3"}', -3),
	('number', 'number(s)', '{"s": "1e3"}', 1000), ('number', 'number(TRUE)', '{}', 1), ('number', 'number(FALSE)', '{}', 0),
	('number', 'number(b)', '{"b": true}', 1), ('number', 'number(x)', '{"x": 42}', 42),
	('number', 'number(s)', '{"s": "abc"}', NULL), ('number', 'number(s)', '{"s": ""}', NULL),
	('number', 'number(s)', '{"s": "12 apples"}', NULL), ('number', 'number(s)', '{}', NULL),
	('days_since', 'days_since(DATE ''2026-01-01'', DATE ''2026-03-01'')', '{}', 59),
	('days_since', 'days_since(d)', '{"d": "2026-12-01T12:00:00Z"}', 2.5),
	('days_since', 'days_since(d, e)', '{"d": "2026-01-01T00:00:00Z", "e": "2026-01-02T12:00:00+00:00"}', 1.5),
	('days_since', 'days_since(d, e)', '{"d": "2026-01-01"}', NULL),
	('days_since', 'days_since(d, e)', '{"e": "2026-01-01"}', NULL);
CREATE TEMP TABLE scases (fn text, r text, d jsonb, want boolean);
INSERT INTO scases VALUES
	('least', 'least(''b'', ''a'', ''c'') = ''a''', '{}', true),
	('greatest', 'greatest(s, t) = ''b''', '{"s": "a", "t": "b"}', true),
	('coalesce', 'coalesce(x, ''none'') = ''none''', '{}', true),
	('lower', 'lower(s) = ''abc''', '{"s": "aBC"}', true), ('lower', 'lower(s) IS NULL', '{}', true),
	('upper', 'upper(s) = ''ABC''', '{"s": "aBc"}', true), ('upper', 'upper(s) IS NULL', '{"s": null}', true),
	('upper', 'upper(s) IS NULL', '{"s": 1}', true),
	('trim', 'trim(s) = ''a b''', '{"s": "  a b  "}', true), ('trim', 'trim(s) IS NULL', '{}', true),
	('string', 'string(x) = ''5''', '{"x": 5}', true), ('string', 'string(x) = ''1.50''', '{"x": 1.50}', true),
	('string', 'string(1.50) = ''1.50''', '{}', true), ('string', 'string(-x) = ''-2''', '{"x": 2}', true),
	('string', 'string(DATE ''2026-01-02'') = ''2026-01-02''', '{}', true),
	('string', 'string(TIMESTAMP ''2026-01-02 03:04:05+01'') = TIMESTAMP ''2026-01-02 02:04:05Z''', '{}', true),
	('string', 'string(s) = ''x''', '{"s": "x"}', true), ('string', 'string(s) IS NULL', '{}', true),
	('days_since', 'days_since(d) IS NULL', '{}', true);

SELECT is_empty(format($$
	SELECT r, d, want, rule_value(r::rule, d, '2026-12-04 00:00+00') AS got FROM fcases
	WHERE fn = %1$L AND rule_value(r::rule, d, '2026-12-04 00:00+00') IS DISTINCT FROM want
	UNION ALL
	SELECT r, d, want::int, rule_test(r::rule, d, '2026-12-04 00:00+00')::int FROM scases
	WHERE fn = %1$L AND rule_test(r::rule, d, '2026-12-04 00:00+00') IS DISTINCT FROM want
$$, fn), fn || '(): values and NULL handling')
FROM unnest(ARRAY['abs', 'ceil', 'floor', 'round', 'least', 'greatest', 'coalesce', 'lower', 'upper',
	'length', 'trim', 'days_since', 'number', 'string']) AS fn;
SELECT is((SELECT count(DISTINCT fn) FROM (SELECT fn FROM fcases UNION SELECT fn FROM scases) AS f), 14::bigint,
	'every whitelisted function has cases');
SELECT is_empty($$
	SELECT s FROM unnest(ARRAY['aBc', 'ÉCOLE Straße', 'İstanbul', 'ǅemal', '']) AS s
	WHERE rule_test('lower(s) = l AND upper(s) = u', jsonb_build_object('s', s, 'l', lower(s), 'u', upper(s))) IS NOT TRUE
$$, 'lower and upper map case like PostgreSQL''s lower and upper');
SELECT ok(rule_explain('number(s)', '{"s": "abc"}') -> 'tree' ? 'note', 'rule_explain says why number() is NULL');
SELECT throws_ok($$SELECT 'lower(5) = ''5'''::rule$$, '42804', 'function lower() cannot take a number',
	'lower() of a number literal: compile-time error');
SELECT throws_ok($$SELECT 'abs(''x'') > 1'::rule$$, '42804', 'function abs() cannot take a string',
	'abs() of a string literal: compile-time error');

-- days_since, with an explicit evaluation time (reproducible)
SELECT is(rule_test('days_since(last_visit) <= 30', '{"last_visit": "2026-11-20"}', '2026-12-04 10:00+00'), true,
	'days_since within 30 days');
SELECT is(rule_test('days_since(last_visit) <= 30', '{"last_visit": "2026-10-01"}', '2026-12-04 10:00+00'), false,
	'days_since more than 30 days ago');
SELECT is(rule_value('days_since(d)', '{"d": "2026-12-01T12:00:00Z"}', '2026-12-04 00:00+00'), 2.5,
	'days_since of a timestamp: fractional days');
SELECT is(rule_value('days_since(d)', '{"d": "2026-12-04T08:00:00Z"}', '2026-12-04 16:00+00'), 0.333333,
	'days_since: fractional to a millionth');
SELECT is(rule_value('days_since(d)', '{"d": "2026-12-05T00:00:00Z"}', '2026-12-04 00:00+00'), -1::numeric,
	'days_since of a future time is negative');
SELECT is(rule_value('days_since(d)', '{"d": "2026-12-01"}', '2026-12-04 08:00+00'), 3::numeric,
	'days_since of a date: whole days to the date of the evaluation time');
SELECT is(rule_value('days_since(d)', '{"d": "2026-12-01"}', '2026-12-04 00:00+00'), 3::numeric,
	'days_since of a date at midnight UTC');
SELECT is(rule_value('days_since(d)', '{}', '2026-12-04'), NULL::numeric, 'days_since(NULL) is NULL');
SELECT is(rule_value('days_since(d)', '{"d": "soon"}', '2026-12-04'), NULL::numeric, 'days_since of a non-ISO string is NULL');
SELECT is(rule_value('days_since(d)', '{"d": 5}', '2026-12-04'), NULL::numeric, 'days_since of a number is NULL');
-- the two-argument form
SELECT is(rule_value('days_since(DATE ''2026-01-01'', DATE ''2026-03-01'')', '{}'), 59::numeric,
	'days_since(date, date): whole days');
SELECT is(scale(rule_value('days_since(DATE ''2026-01-01'', DATE ''2026-03-01'')', '{}')), 0,
	'days_since(date, date) has no fraction');
SELECT is(rule_value('days_since(DATE ''2026-03-01'', DATE ''2026-01-01'')', '{}'), -59::numeric,
	'days_since(date, earlier date) is negative');
SELECT is(rule_value('days_since(d, e)', '{"d": "2024-02-28", "e": "2024-03-01"}'), 2::numeric,
	'days_since over a leap day, from ISO strings');
SELECT is(rule_value('days_since(d, e)', '{"d": "2026-01-01T00:00:00Z", "e": "2026-01-02T12:00:00+00:00"}'), 1.5,
	'days_since(timestamp, timestamp)');
SELECT is(rule_value('days_since(d, e)', '{"d": "2026-12-01T00:00:00+12:00", "e": "2026-12-01T00:00:00Z"}'), 0.5,
	'days_since respects offsets');
SELECT is(rule_value('days_since(DATE ''2026-12-01'', TIMESTAMP ''2026-12-04 12:00:00Z'')', '{}'), 3::numeric,
	'days_since(date, timestamp): whole days when the first is a date');
SELECT is(rule_value('days_since(TIMESTAMP ''2026-12-01 00:00:00Z'', DATE ''2026-12-04'')', '{}'), 3::numeric,
	'days_since(timestamp, date)');
SELECT is(rule_value('days_since(d, e)', '{"d": "2026-01-01"}'), NULL::numeric, 'days_since(d, NULL) is NULL');
SELECT is(rule_value('days_since(d, e)', '{"d": "2026-01-01", "e": "later"}'), NULL::numeric,
	'days_since to a non-ISO string is NULL');
SELECT is(rule_value('days_since(d, DATE ''2026-03-01'')', '{"d": "2026-01-01"}', '1999-01-01'), 59::numeric,
	'with an explicit second argument the evaluation time does not matter');
SELECT throws_ok($$SELECT 'days_since(5) > 1'::rule$$, '42804', 'function days_since() cannot take a number',
	'days_since of a number literal: compile-time error');
-- without an evaluation time: the start of the transaction
SELECT is(rule_value('days_since(d)', '{"d": "2020-01-01T00:00:00Z"}'),
	rule_value('days_since(d)', '{"d": "2020-01-01T00:00:00Z"}', transaction_timestamp()),
	'rule_value(rule, doc) measures to the start of the transaction');
SELECT is(rule_test('days_since(d) > 2000', '{"d": "2020-01-01T00:00:00Z"}'),
	rule_test('days_since(d) > 2000', '{"d": "2020-01-01T00:00:00Z"}', transaction_timestamp()),
	'rule_test(rule, doc) measures to the start of the transaction');
SELECT is(rule_explain('days_since(d)', '{"d": "2020-01-01T00:00:00Z"}') -> 'result',
	rule_explain('days_since(d)', '{"d": "2020-01-01T00:00:00Z"}', transaction_timestamp()) -> 'result',
	'rule_explain(rule, doc) measures to the start of the transaction');

-- ---------------------------------------------------------------------------
-- Arithmetic errors give NULL, never an error
-- ---------------------------------------------------------------------------
SELECT is(rule_value('a / b', '{"a": 1, "b": 0}'), NULL::numeric, 'division by zero is NULL');
SELECT is(rule_value('a % b', '{"a": 1, "b": 0}'), NULL::numeric, 'modulo by zero is NULL');
SELECT is(rule_value('1 / 0', '{}'), NULL::numeric, 'division of literals by zero is NULL, not a compile error');
SELECT is(rule_value('a / b', '{"a": 1, "b": 0.0}'), NULL::numeric, 'division by 0.0 is NULL');
SELECT is(rule_value('a * a', '{"a": 1e100000}'), NULL::numeric, 'numeric overflow is NULL');
SELECT is(rule_test('a / b > 1 OR x = 1', '{"a": 1, "b": 0, "x": 1}'), true, 'an arithmetic error is unknown in three-valued logic');
SELECT is(rule_test('a / b > 1', '{"a": 1, "b": 0}'), NULL::boolean, 'rule_test over a division by zero is NULL');
SELECT matches(rule_explain('a / b', '{"a": 1, "b": 0}') -> 'tree' ->> 'note', 'division by zero',
	'rule_explain reports a division by zero');
SELECT matches(rule_explain('a % b > 0', '{"a": 1, "b": 0}') -> 'tree' -> 'args' -> 0 ->> 'note', 'division by zero',
	'rule_explain reports a modulo by zero');
SELECT matches(rule_explain('a * a', '{"a": 1e100000}') -> 'tree' ->> 'note', 'overflow',
	'rule_explain reports a numeric overflow');

-- ---------------------------------------------------------------------------
-- rule_value and rule_test: kinds of rules
-- ---------------------------------------------------------------------------
SELECT is(rule_value('close_value / list_price - 1', '{"close_value": 5750, "list_price": 5000}')::text,
	'0.1500000000000000', 'README: rule_value example, printed');
SELECT is(rule_value('(a + b) * 2', '{"a": 1.5, "b": 2}'), 7.0, 'a formula');
SELECT is(rule_value('greatest(a, b) - least(a, b)', '{"a": 3, "b": 10}'), 7::numeric, 'a formula with functions');
SELECT is(rule_value('x', '{"x": 5}'), 5::numeric, 'a bare key is a formula when it holds a number');
SELECT is(rule_value('x', '{"x": "5"}'), NULL::numeric, 'rule_value is NULL when the value is not a number');
SELECT is(rule_value('a + b', '{"a": 1}'), NULL::numeric, 'rule_value is NULL when an input is missing');
SELECT throws_ok($$SELECT rule_test('1 + 1', '{}')$$, '42804', 'rule does not yield a boolean',
	'rule_test rejects a formula');
SELECT throws_ok($$SELECT rule_test('lower(x)', '{}')$$, '42804', 'rule does not yield a boolean',
	'rule_test rejects a string formula');
SELECT throws_ok($$SELECT rule_value('x = 1', '{}')$$, '42804', NULL, 'rule_value rejects a condition');
SELECT is(rule_test('x', '{"x": 5}'), NULL::boolean, 'a bare key holding a number is not a condition: NULL');

-- ---------------------------------------------------------------------------
-- The operator @@
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT '{"Lead Source": "Google", "TotalVisits": 5}'::jsonb
	@@ '"Lead Source" IN (''Google'', ''Organic Search'') AND "TotalVisits" > 3'::rule$$,
	'README: doc @@ ''rule text''::rule resolves with search_path = salesops, public');
SELECT is('{"Lead Source": "Google", "TotalVisits": 5}'::jsonb
	@@ '"Lead Source" IN (''Google'', ''Organic Search'') AND "TotalVisits" > 3'::rule, true, 'README: @@ example');
SELECT is('{"x": 1}'::jsonb OPERATOR(salesops.@@) 'x = 2'::salesops.rule, false, '@@ false');
SELECT is('{}'::jsonb @@ 'x = 2'::rule, NULL::boolean, '@@ is NULL when unknown');
SELECT is_empty($$
	SELECT d FROM unnest(ARRAY['{}', '{"x": 1}', '{"x": 2}', '{"x": "1"}', '{"x": null}', '[]', '{"x": 1, "y": true}']::jsonb[]) AS d
	WHERE (d @@ 'x = 1 OR y'::rule) IS DISTINCT FROM rule_test('x = 1 OR y', d)
$$, 'doc @@ rule is rule_test(rule, doc)');
SELECT is((SELECT count(*) FROM (VALUES ('{"x": 1}'::jsonb), ('{"x": 2}'), ('{}')) AS t(d) WHERE d @@ 'x >= 1'::rule),
	2::bigint, '@@ in a WHERE clause');

SELECT * FROM finish();
ROLLBACK;
