-- The rule language, text and binary form, errors, rule_explain and
-- rule_attributes (README "Canonical text", "Errors", "Functions and operators").
BEGIN;
SET LOCAL search_path = salesops, public;
SELECT plan(79);

-- ---------------------------------------------------------------------------
-- Canonical text: upper-case keywords, lower-case function names, single
-- spaces, minimal parentheses, AND/OR chains flattened, names quoted only
-- when needed.  Printing and reading back gives the same text and an equal
-- value.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE canon (n serial, input text, want text);
INSERT INTO canon (input, want) VALUES
	('sector = ''medical'' AND employees >= 500', 'sector = ''medical'' AND employees >= 500'),
	('account.revenue*1000000>=500000 and not (status = ''churned'')',
		'account.revenue * 1000000 >= 500000 AND NOT status = ''churned'''),
	(E'  a   =1   and(b=2)and ( c = 3 )\n', 'a = 1 AND b = 2 AND c = 3'),
	('((x))', 'x'),
	('a AND (b AND c)', 'a AND b AND c'),
	('(a OR b) OR (c OR d)', 'a OR b OR c OR d'),
	('a AND (b AND (c AND d)) AND e', 'a AND b AND c AND d AND e'),
	('a AND (b OR c)', 'a AND (b OR c)'),
	('(a AND b) OR c', 'a AND b OR c'),
	('(a OR b) AND c OR (d AND e)', '(a OR b) AND c OR d AND e'),
	('a OR (b AND (c OR d))', 'a OR b AND (c OR d)'),
	('NOT (a AND b)', 'NOT (a AND b)'),
	('NOT (a OR b) AND c', 'NOT (a OR b) AND c'),
	('not (a = 1)', 'NOT a = 1'),
	('(NOT a) AND b', 'NOT a AND b'),
	('NOT NOT c', 'NOT NOT c'),
	('a = (NOT b)', 'a = (NOT b)'),
	('(a = 1) = (b = 2)', '(a = 1) = (b = 2)'),
	('(a IS NULL) IS NULL', '(a IS NULL) IS NULL'),
	('a - (b - c)', 'a - (b - c)'),
	('(a - b) - c', 'a - b - c'),
	('a + (b + c)', 'a + (b + c)'),
	('a + (b * c)', 'a + b * c'),
	('(a + b) * (c - d)', '(a + b) * (c - d)'),
	('a / (b * c)', 'a / (b * c)'),
	('(a * b) / c', 'a * b / c'),
	('a % (b % c)', 'a % (b % c)'),
	('-(a + b) < - 5', '-(a + b) < -5'),
	('x > -1.5 AND y < - 2', 'x > -1.5 AND y < -2'),
	('a - -5 > 0', 'a - -5 > 0'),
	('(-1) * x > 0', '-1 * x > 0'),
	('-(x * y) > 0', '-(x * y) > 0'),
	('+x > 0', '+x > 0'), ('+1 < +(x)', '1 < +x'), ('+(1.50)', '1.50'),
	('x not in (1, 2.50)', 'x NOT IN (1, 2.50)'),
	('y not between -1 and 1', 'y NOT BETWEEN -1 AND 1'),
	('(x BETWEEN 1 AND 2) AND y', 'x BETWEEN 1 AND 2 AND y'),
	('x BETWEEN a + 1 AND b * 2', 'x BETWEEN a + 1 AND b * 2'),
	('x IN (a OR b, c)', 'x IN (a OR b, c)'),
	('x is not null or y is null', 'x IS NOT NULL OR y IS NULL'),
	('name not like ''%''''s%'' or name ilike ''a\_b''', 'name NOT LIKE ''%''''s%'' OR name ILIKE ''a\_b'''),
	('x != 1 AND y <> 2', 'x <> 1 AND y <> 2'),
	('true and not false or null', 'TRUE AND NOT FALSE OR NULL'),
	('COALESCE(a, b, 0) + GREATEST(x, y) - Least(1, 2) > Round(z, 2)',
		'coalesce(a, b, 0) + greatest(x, y) - least(1, 2) > round(z, 2)'),
	('Days_Since(d, date ''2026-12-01'') <= 7', 'days_since(d, DATE ''2026-12-01'') <= 7'),
	('Mixed_Case = 1 AND "Mixed_Case" = 2 AND "plain" = 3', 'mixed_case = 1 AND "Mixed_Case" = 2 AND plain = 3'),
	('"and" = 1 AND "a.b" = 2 AND a.b = 3 AND "say ""hi""" = 4 AND "Lead Source" = 5',
		'"and" = 1 AND "a.b" = 2 AND a.b = 3 AND "say ""hi""" = 4 AND "Lead Source" = 5'),
	('"date" = DATE ''2024-02-29'' AND "1st" = 1 AND x."or" = 2', '"date" = DATE ''2024-02-29'' AND "1st" = 1 AND x."or" = 2');

SELECT is_empty($$
	SELECT n, input, want, input::rule::text AS got FROM canon WHERE input::rule::text IS DISTINCT FROM want
$$, 'canonical text of tricky rules');
SELECT is_empty($$
	SELECT n, input FROM canon WHERE input::rule::text::rule::text <> input::rule::text
$$, 'the canonical text is a fixed point');
SELECT is_empty($$
	SELECT n, input FROM canon WHERE NOT (input::rule::text::rule = input::rule)
$$, 'reading the canonical text back gives an equal value');
SELECT is_empty($$
	SELECT r FROM unnest(ARRAY['2.5e3 + .5 + 1e-3 + 5.', 'TIMESTAMP ''2024-02-29T23:30:00.25-01:30'' < ts',
		'-(-x) > 0', '- x * - y - - z', '"café" = 1', 'x$y = 1', 'string(s) = ''é''''s''',
		'days_since(d) > 3 AND NOT (a OR b) AND c NOT ILIKE ''%x%''']) AS r
	WHERE r::rule::text::rule::text <> r::rule::text OR NOT (r::rule::text::rule = r::rule)
$$, 'more rules whose canonical text is a fixed point');
SELECT is('a = 1'::rule::text, 'a = 1', 'text output');
SELECT is(('x = ''' || repeat('é', 10) || '''')::rule::text, 'x = ''' || repeat('é', 10) || '''', 'multibyte strings survive');

-- ---------------------------------------------------------------------------
-- Binary send/receive carries a version byte and the canonical text; the
-- receiving side compiles and checks it like text input.  rule_recv is
-- reached through COPY ... (FORMAT binary) from a program that prints the
-- bytes (superuser only).
-- ---------------------------------------------------------------------------
SELECT is(rule_send('A=1 and (b IN (1,2))'), '\x01'::bytea || convert_to('a = 1 AND b IN (1, 2)', 'UTF8'),
	'rule_send: version byte 1 and the canonical text');
SELECT is(rule_send('"Lead Source" = ''é'''), '\x01'::bytea || convert_to('"Lead Source" = ''é''', 'UTF8'),
	'rule_send: UTF-8 text');
SELECT ok((SELECT typreceive = 'salesops.rule_recv'::regproc AND typsend = 'salesops.rule_send'::regproc
	FROM pg_type WHERE oid = 'salesops.rule'::regtype), 'the type has binary I/O');

CREATE TEMP TABLE recv_t (r salesops.rule);
CREATE FUNCTION pg_temp.recv_rule(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	-- a binary COPY stream of one row with one column
	stream bytea := '\x5047434f50590aff0d0a00'::bytea || int4send(0) || int4send(0)
		|| int2send(1::int2) || int4send(length(payload)) || payload || int2send(-1::int2);
	esc text;
	result text;
BEGIN
	SELECT string_agg(format('\%s%s%s', (b >> 6) & 7, (b >> 3) & 7, b & 7), '' ORDER BY i)
	  INTO esc
	  FROM generate_series(0, length(stream) - 1) AS i, get_byte(stream, i) AS b;
	DELETE FROM recv_t;
	EXECUTE format('COPY recv_t FROM PROGRAM %L WITH (FORMAT binary)', 'printf ''' || esc || '''');
	SELECT r::text INTO result FROM recv_t;
	RETURN result;
END
$f$;

SELECT CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
	collect_tap(ARRAY[
		is_empty($$
			SELECT r FROM unnest(ARRAY['a = 1', '(a OR b) AND c OR (d AND e)', 'a - (b - c) = -5',
				'"x y".z IN (1, ''2'')', '"Lead Source" = ''é''''s'' AND days_since(d, DATE ''2026-01-01'') > 0']) AS r
			WHERE pg_temp.recv_rule(rule_send(r::rule)) IS DISTINCT FROM r::rule::text
		$$, 'binary round trip: rule_recv(rule_send(r)) = r'),
		is(pg_temp.recv_rule('\x01'::bytea || convert_to('A=1 and b in (1,2)', 'UTF8')), 'a = 1 AND b IN (1, 2)',
			'rule_recv compiles non-canonical text'),
		throws_ok($$SELECT pg_temp.recv_rule('\x01'::bytea || convert_to('a = = 1', 'UTF8'))$$, '42601',
			'syntax error at or near "=" in rule', 'rule_recv checks the text like text input'),
		throws_ok($$SELECT pg_temp.recv_rule('\x01'::bytea || convert_to('''a'' = 1', 'UTF8'))$$, '42883',
			'operator does not exist: string = number', 'rule_recv type-checks like text input'),
		throws_ok($$SELECT pg_temp.recv_rule('\x01'::bytea)$$, '42601', 'rule is empty',
			'rule_recv rejects an empty rule'),
		throws_ok($$SELECT pg_temp.recv_rule('\x02'::bytea || convert_to('a = 1', 'UTF8'))$$, '22P03', NULL,
			'rule_recv rejects an unknown version byte')])
	ELSE skip('binary COPY from a program needs a superuser', 6) END;

-- ---------------------------------------------------------------------------
-- Errors (README table): SQLSTATE and message
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.err(q text) RETURNS text[] LANGUAGE plpgsql AS $f$
DECLARE
	st text; m text; d text; h text;
BEGIN
	EXECUTE q;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
	RETURN ARRAY[st, m, d, h];
END
$f$;

SELECT throws_ok($$SELECT 'a = = b'::rule$$, '42601', 'syntax error at or near "=" in rule', 'bad syntax');
SELECT throws_ok($$SELECT 'a = 1 b'::rule$$, '42601', 'syntax error at or near "b" in rule', 'trailing garbage');
SELECT throws_ok($$SELECT 'a = b = c'::rule$$, '42601', 'syntax error at or near "=" in rule',
	'comparisons do not chain');
SELECT throws_ok($$SELECT 'a IS NULL IS NULL'::rule$$, '42601', 'syntax error at or near "IS" in rule',
	'IS NULL does not chain');
SELECT throws_ok($$SELECT 'x ~ 1'::rule$$, '42601', 'syntax error at or near "~" in rule', 'an unknown operator');
SELECT throws_ok($$SELECT 'x IN ()'::rule$$, '42601', 'syntax error at or near ")" in rule', 'an empty IN list');
SELECT matches((pg_temp.err($$SELECT 'a = = b'::rule$$))[3], '\m5\M', 'a syntax error gives the position in DETAIL');
SELECT is((SELECT substr(l[cardinality(l) - 1], strpos(l[cardinality(l)], '^'))
		FROM string_to_array((pg_temp.err($$SELECT 'a = = b'::rule$$))[3], E'\n') AS l),
	'= b', 'the caret in DETAIL points at the offending token');
SELECT is((SELECT substr(l[cardinality(l) - 1], strpos(l[cardinality(l)], '^'))
		FROM string_to_array((pg_temp.err($$SELECT 'x = ''é'' AND (y = 1))'::rule$$))[3], E'\n') AS l),
	')', 'the caret counts characters, not bytes');
SELECT throws_ok($$SELECT 'a = ''x'::rule$$, '42601', 'unterminated quoted string in rule', 'unterminated string');
SELECT throws_ok($$SELECT '"Lead Source = 1'::rule$$, '42601', 'unterminated quoted identifier in rule',
	'unterminated name');
SELECT throws_ok($$SELECT ''::rule$$, '42601', 'rule is empty', 'empty text');
SELECT throws_ok($$SELECT E' \t\n '::rule$$, '42601', 'rule is empty', 'blank text');
SELECT throws_ok($$SELECT 'foo(x) > 1'::rule$$, '42883', 'function foo() does not exist in rule language',
	'unknown function');
SELECT is((SELECT count(*) FROM unnest(ARRAY['abs', 'ceil', 'floor', 'round', 'least', 'greatest', 'coalesce', 'lower',
		'upper', 'length', 'trim', 'days_since', 'number', 'string']) AS f
		WHERE (pg_temp.err($$SELECT 'foo(x) > 1'::rule$$))[4] ~ ('\m' || f || '\M')), 14::bigint,
	'the HINT of an unknown function lists every function');
SELECT throws_ok($$SELECT 'sqrt(x) > 1'::rule$$, '42883', 'function sqrt() does not exist in rule language',
	'a SQL function that is not whitelisted');
SELECT throws_ok($$SELECT 'round() > 1'::rule$$, '42883', 'wrong number of arguments for function round() in rule',
	'too few arguments');
SELECT throws_ok($$SELECT 'round(x, 1, 2) > 1'::rule$$, '42883', 'wrong number of arguments for function round() in rule',
	'too many arguments');
SELECT throws_ok($$SELECT 'abs(x, 1) > 1'::rule$$, '42883', 'wrong number of arguments for function abs() in rule',
	'abs takes one argument');
SELECT throws_ok($$SELECT 'days_since() > 1'::rule$$, '42883', 'wrong number of arguments for function days_since() in rule',
	'days_since takes one or two arguments');
SELECT throws_ok($$SELECT 'a = 1 AND 5'::rule$$, '42804', 'operator AND cannot take a number', 'kinds that cannot meet: AND');
SELECT throws_ok($$SELECT 'NOT ''x'''::rule$$, '42804', 'operator NOT cannot take a string', 'kinds that cannot meet: NOT');
SELECT throws_ok($$SELECT '''a'' = 1'::rule$$, '42883', 'operator does not exist: string = number',
	'kinds that cannot meet: comparison');
SELECT throws_ok($$SELECT 'd > DATE ''2026-13-01'''::rule$$, '22007', 'invalid date literal in rule: "2026-13-01"',
	'bad date literal');
SELECT lives_ok($$SELECT (repeat('(', 99) || 'x = 1' || repeat(')', 99))::rule$$,
	'99 levels of parentheses (100 with the whole rule) are allowed');
SELECT throws_ok($$SELECT (repeat('(', 100) || 'x = 1' || repeat(')', 100))::rule$$, '54001', 'rule nesting is too deep',
	'nesting deeper than 100 levels');
SELECT throws_ok($$SELECT (repeat('NOT ', 500) || 'x')::rule$$, '54001', 'rule nesting is too deep',
	'deep NOT nesting');
SELECT throws_ok($$SELECT (repeat('abs(', 200) || 'x' || repeat(')', 200))::rule$$, '54001', 'rule nesting is too deep',
	'deep function nesting');
SELECT lives_ok($$SELECT (SELECT string_agg('x' || i || ' = ' || i, ' AND ') FROM generate_series(1, 2000) AS i)::rule$$,
	'a long flat chain of AND is not deep');
SELECT lives_ok($$SELECT ('x = ''' || repeat('a', 65536 - 6) || '''')::rule$$, 'a rule of 65536 bytes is allowed');
SELECT throws_ok($$SELECT ('x = ''' || repeat('a', 65536 - 5) || '''')::rule$$, '54000', 'rule text is too long',
	'text over 65536 bytes');
SELECT throws_ok($$SELECT ('1' || repeat('-1', 30000) || ' = x')::rule$$, '54000', 'rule text is too long',
	'a rule whose canonical text would be over 65536 bytes is refused');
SELECT lives_ok($$SELECT ('1' || repeat('-1', 13000) || ' = x')::rule::text::rule$$,
	'a canonical text just under the limit reads back');
SELECT throws_ok($$SELECT 'x > TIMESTAMP ''0001-01-01 00:30:00+01:00'''::rule$$, '22008',
	'timestamp literal out of range in rule: "0001-01-01 00:30:00+01:00"', 'a timestamp literal before year 1 in UTC');
SELECT is('x > TIMESTAMP ''0001-01-01 00:30:00-01:00'''::rule::text, 'x > TIMESTAMP ''0001-01-01 01:30:00+00''',
	'a timestamp literal just inside year 1 in UTC');
SELECT is_empty($$
	SELECT r FROM (VALUES ('1e100000'), ('-1e-16383'), ('0.000000000000000000000000000000000000001000'),
		('12345678901234567890123456789012345678901234567890'), ('1' || repeat('0', 5000)), ('0.' || repeat('0', 40)))
		AS c(r)
	WHERE ('x = ' || r)::rule::text::rule <> ('x = ' || r)::rule
		OR rule_value(('0 + ' || r)::rule, '{}') <> r::numeric
		OR scale(rule_value(('0 + ' || r)::rule, '{}')) <> scale(r::numeric)
$$, 'numbers of any size and scale survive the canonical text');
SELECT throws_ok($$SELECT rule_test('1 + 1', '{}')$$, '42804', 'rule does not yield a boolean',
	'wrong kind of rule for rule_test');
SELECT throws_ok($$SELECT '{}'::jsonb @@ 'x * 2'::rule$$, '42804', 'rule does not yield a boolean',
	'wrong kind of rule for @@');

-- ---------------------------------------------------------------------------
-- rule_explain: result, tree of expr/value/args, notes, skipped nodes
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE ex AS
	SELECT rule_explain('sector = ''medical'' AND employees >= 500', '{"sector": "medical", "employees": "650"}') AS e;
SELECT is((SELECT e ->> 'rule' FROM ex), 'sector = ''medical'' AND employees >= 500', 'explain: the rule, as canonical text');
SELECT is((SELECT e -> 'result' FROM ex), 'null'::jsonb, 'explain: the result');
SELECT is((SELECT e #> '{tree,expr}' FROM ex), '"sector = ''medical'' AND employees >= 500"'::jsonb, 'explain: the root expression');
SELECT is((SELECT e #> '{tree,value}' FROM ex), 'null'::jsonb, 'explain: the root value');
SELECT is((SELECT jsonb_array_length(e #> '{tree,args}') FROM ex), 2, 'explain: one entry per operand of AND');
SELECT is((SELECT jsonb_build_array(e #> '{tree,args,0,expr}', e #> '{tree,args,0,value}') FROM ex),
	'["sector = ''medical''", true]'::jsonb, 'explain: the first operand and its value');
SELECT is((SELECT e #> '{tree,args,1,note}' FROM ex), '"type mismatch: string compared with number"'::jsonb,
	'explain: the note of a type mismatch');
SELECT is((SELECT e #> '{tree,args,1,args}' FROM ex),
	'[{"expr": "employees", "value": "650"}, {"expr": "500", "value": 500}]'::jsonb,
	'explain: the leaves, with the values seen');
SELECT is(rule_explain('x = 1 OR a.b = 2', '{"x": 1}') #> '{tree,args,1,skipped}', 'true'::jsonb,
	'explain: an OR operand after a true one is skipped');
SELECT ok(NOT (rule_explain('x = 1 OR a.b = 2', '{"x": 1}') #> '{tree,args,1}' ? 'value'),
	'explain: a skipped node has no value');
SELECT is(rule_explain('x = 1 OR a.b = 2', '{"x": 1}') #> '{tree,args,1,args,0,skipped}', 'true'::jsonb,
	'explain: the operands of a skipped node are skipped too');
SELECT is(rule_explain('x = 2 AND y = 1 AND z = 1', '{"x": 1}') #> '{tree,args}',
	'[{"expr": "x = 2", "value": false, "args": [{"expr": "x", "value": 1}, {"expr": "2", "value": 2}]},
	  {"expr": "y = 1", "skipped": true, "args": [{"expr": "y", "skipped": true}, {"expr": "1", "skipped": true}]},
	  {"expr": "z = 1", "skipped": true, "args": [{"expr": "z", "skipped": true}, {"expr": "1", "skipped": true}]}]'::jsonb,
	'explain: AND stops at the first false operand');
SELECT is(rule_explain('x IN (1, 2, y)', '{"x": 1}') #> '{tree,args,3,skipped}', 'true'::jsonb,
	'explain: IN stops at the first match');
SELECT ok(NOT jsonb_path_exists(rule_explain('x = 1 OR y IS NULL OR z > 2', '{"x": 2, "y": 1}'), 'strict $.**.skipped'),
	'explain: nothing is marked skipped when everything was evaluated');
SELECT is(jsonb_path_query_array(rule_explain('a / b + c', '{"a": 1, "b": 0, "c": 1}'), 'strict $.**.expr'),
	'["a / b + c", "a / b", "a", "b", "c"]'::jsonb, 'explain: every step, in canonical text');
SELECT is(rule_explain('a / b + c', '{"a": 1, "b": 0, "c": 1}') #> '{tree,args,0,note}', '"division by zero"'::jsonb,
	'explain: the note of a division by zero');
SELECT is(rule_explain('a / b + c', '{"a": 1, "b": 0, "c": 1}') #> '{tree,value}', 'null'::jsonb,
	'explain: NULL propagates from an arithmetic error');
SELECT is(rule_explain('a * 2', '{"a": 1.5}') -> 'result', '3.0'::jsonb, 'explain: the result of a formula');
SELECT is(rule_explain('x = 1', '{"x": 1}') -> 'result', 'true'::jsonb, 'explain: a true result');
SELECT is(rule_explain('days_since(d) > 3', '{"d": "2026-12-01T00:00:00Z"}', '2026-12-04 12:00+00') -> 'result',
	'true'::jsonb, 'explain with an evaluation time');

-- ---------------------------------------------------------------------------
-- rule_attributes: the document paths read, in order of first use, once
-- each, in canonical syntax
-- ---------------------------------------------------------------------------
SELECT is(rule_attributes('account.revenue * 1000000 >= 500000 AND "Lead Source" = ''x'' AND account.revenue > 1 AND "and" IS NULL'),
	ARRAY['account.revenue', '"Lead Source"', '"and"'], 'attributes: order of first use, de-duplicated, quoted');
SELECT is(rule_attributes('coalesce(zz, "a.b", a.b) > Sector AND "Sector" = 1 AND sector = 2'),
	ARRAY['zz', '"a.b"', 'a.b', 'sector', '"Sector"'], 'attributes: a key with a dot is not a path; names fold');
SELECT is(rule_attributes('x IN (y, z, x) AND w BETWEEN v AND u'), ARRAY['x', 'y', 'z', 'w', 'v', 'u'],
	'attributes: IN lists and BETWEEN bounds');
SELECT is(rule_attributes('"say ""hi""" = 1 AND "date" = 2 AND days_since(d) > 1'), ARRAY['"say ""hi"""', '"date"', 'd'],
	'attributes: quotes doubled, keywords quoted');
SELECT is(rule_attributes('1 + 1 = 2'), '{}'::text[], 'attributes: none');
SELECT is_empty($$
	SELECT r, a FROM unnest(ARRAY['"x y".z > 1 AND "a.b" = 2', 'A.B IS NULL OR "and".c = 1']) AS r,
		unnest(rule_attributes(r::rule)) AS a
	WHERE rule_attributes(a::rule) <> ARRAY[a]
$$, 'attributes read back as rules that read the same path');

SELECT * FROM finish();
ROLLBACK;
