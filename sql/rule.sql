-- The rule language: canonical text, the issue's examples, evaluation.
SET search_path = salesops, public;

-- canonical text: upper-case keywords, single spaces, minimal parentheses
SELECT r::text AS canonical FROM (VALUES
	('sector = ''medical'' AND employees >= 500'::rule),
	('"Lead Source" IN (''Google'', ''Organic Search'') AND "TotalVisits" > 3'),
	('account.revenue * 1000000 >= 500000 AND NOT (status = ''churned'')'),
	('close_value > list_price * 1.15'),
	('last_visit >= date ''2026-11-01'''),
	('days_since(last_visit) <= 30'),
	('title IS NOT NULL'),
	('stage BETWEEN 2 AND 4'),
	('lower(city) LIKE ''shang%'''),
	('  a   =1   and(b=2)and ( c = 3 )  '),
	('(a OR b) AND c OR (d AND e)'),
	('a OR (b OR c) OR d'),
	('NOT (a AND b) AND NOT NOT c'),
	('(a + b) * (c - d) / e % f'),
	('a - (b - c) = (a - b) - c'),
	('a / (b * c) <> a / b * c'),
	('-(a + b) < - 5 AND -x > +3'),
	('x NOT IN (1, 2.50, 1e3) AND y NOT BETWEEN -1 AND 1'),
	('name NOT LIKE ''%''''s%'' OR name NOT ILIKE ''a\_b'''),
	('Mixed_Case = 1 AND "Mixed_Case" = 2'),
	('"date" = DATE ''2024-02-29'' AND date = timestamp ''2024-02-29T23:30:00-01:30'''),
	('"and" = 1 AND "a.b" = 2 AND a.b = 3 AND "say ""hi""" = 4'),
	('ts > TIMESTAMP ''2026-01-01 00:00:00.123400Z'''),
	('(a = 1) = (b = 2)'),
	('(a IS NULL) IS NULL'),
	('coalesce(a, b, 0) + GREATEST(x, y) - Least(1, 2)'),
	('round(v, 2) >= abs(w) AND ceil(f) + floor(g) > 0'),
	('length(trim(upper(s))) > number(t) AND string(n) = ''5'''),
	('days_since(d, date ''2026-12-01'') <= 7'),
	('TRUE AND NOT FALSE OR NULL'),
	('flag'),
	('0.1 + 0.2')
) AS t(r);

-- the canonical text is a fixed point and the value is equal after a round trip
SELECT r::text::rule::text = r::text AS fixed_point, r::text::rule = r AS equal
FROM (VALUES ('(a OR b) AND c OR (d AND e)'::rule), ('a - (b - c) = -5'), ('"x y".z IN (1, ''2'')')) AS t(r);

-- rules that differ only in spelling are equal, hash alike and de-duplicate
SELECT count(DISTINCT r) AS distinct_rules FROM (VALUES
	('a = 1 AND b = 2'::rule), ('A=1 and B=2'), ('(a = 1) AND (b = 2)'), ('a = 1 AND b = 3')) AS t(r);
SELECT 'a=1'::rule = 'A = 1'::rule AS eq, rule_hash('a=1') = rule_hash('A = 1') AS same_hash,
	'a=1'::rule <> 'a = 1.0'::rule AS scale_matters;

-- the issue's examples, evaluated
SELECT rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "medical", "employees": 650}') AS medical_650,
	rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "medical", "employees": 40}') AS medical_40,
	rule_test('sector = ''medical'' AND employees >= 500', '{"sector": "retail"}') AS retail_unknown_size;
SELECT '{"Lead Source": "Google", "TotalVisits": 5}'::jsonb
	@@ '"Lead Source" IN (''Google'', ''Organic Search'') AND "TotalVisits" > 3'::rule AS google_5_visits;
SELECT rule_test('account.revenue * 1000000 >= 500000 AND NOT (status = ''churned'')',
	'{"account": {"revenue": 0.75}, "status": "active"}') AS active_account;
SELECT rule_test('close_value > list_price * 1.15', '{"close_value": 5800, "list_price": 5000}') AS premium,
	rule_test('close_value > list_price * 1.15', '{"close_value": 5750, "list_price": 5000}') AS exactly_15pct;
SELECT rule_test('last_visit >= date ''2026-11-01''', '{"last_visit": "2026-11-20"}') AS recent,
	rule_test('last_visit >= date ''2026-11-01''', '{"last_visit": "2026-10-31T23:59:59Z"}') AS before,
	rule_test('last_visit >= date ''2026-11-01''', '{"last_visit": "last week"}') AS not_a_date;
SELECT rule_test('days_since(last_visit) <= 30', '{"last_visit": "2026-11-20"}', '2026-12-04 10:00+00') AS within_30,
	rule_test('days_since(last_visit) <= 30', '{"last_visit": "2026-10-01"}', '2026-12-04 10:00+00') AS long_ago;
SELECT rule_test('title IS NOT NULL', '{"title": "CTO"}') AS has_title,
	rule_test('title IS NOT NULL', '{"title": null}') AS null_title,
	rule_test('title IS NOT NULL', '{}') AS no_title;
SELECT rule_test('stage BETWEEN 2 AND 4', '{"stage": 4}') AS stage_4,
	rule_test('stage BETWEEN 2 AND 4', '{"stage": 5}') AS stage_5;
SELECT rule_test('lower(city) LIKE ''shang%''', '{"city": "Shanghai"}') AS shanghai,
	rule_test('lower(city) LIKE ''shang%''', '{"city": "Beijing"}') AS beijing;

-- exact numbers, NULL instead of errors
SELECT rule_test('0.1 + 0.2 = 0.3', '{}') AS exact,
	rule_value('a / b', '{"a": 1, "b": 0}') AS div_by_zero,
	rule_value('a % b', '{"a": 1, "b": 0}') AS mod_by_zero,
	rule_value('a * a', '{"a": 1e100000}') AS overflow,
	rule_value('(a + b) * 2', '{"a": 1.5, "b": 2}') AS formula;

-- formulas and attributes
SELECT rule_value('greatest(a, b) - least(a, b)', '{"a": 3, "b": 10}') AS spread,
	rule_value('days_since(d)', '{"d": "2026-12-01T12:00:00Z"}', '2026-12-04 00:00+00') AS days;
SELECT rule_attributes('account.revenue * 1000000 >= 500000 AND "Lead Source" = ''x'' AND account.revenue > 1 AND "and" IS NULL');

-- explain: values seen, notes, skipped branches
SELECT jsonb_pretty(rule_explain('sector = ''medical'' AND employees >= 500',
	'{"sector": "medical", "employees": "650"}'));
SELECT jsonb_pretty(rule_explain('a / b > 1 OR missing = 1 OR x = 1',
	'{"a": 1, "b": 0, "x": 1}'));
SELECT rule_explain('x = 1 OR a = 2', '{"x": 1}') -> 'tree' -> 'args' -> 1 AS short_circuited;
SELECT rule_explain('d > DATE ''2026-01-01'' AND n > 1', '{"d": "soon", "n": {"deep": 1}}') -> 'tree' AS notes;
SELECT jsonb_pretty(rule_explain('days_since(d) > 3', '{"d": "2026-12-01"}', '2026-12-04 08:00+00'));

-- a run of one operator is one node with many operands, folded from the left
SELECT rule_explain('a - b - c * 2 * d > 0', '{"a": 10, "b": 1, "c": 2, "d": 1.5}') -> 'tree' -> 'args' -> 0 AS left_fold;
SELECT rule_explain('a + b / c + "s" + d > 0', '{"a": 1, "b": 1, "c": 0, "s": "x", "d": 1}') -> 'tree' -> 'args' -> 0 AS first_failure;
-- a long formula stays shallow: 2000 weighted terms, explained
SELECT r::text = r::text::rule::text AS fixed_point,
	rule_value(r, doc) AS score,
	jsonb_array_length(rule_explain(r, doc) -> 'tree' -> 'args') AS explained_terms
FROM (SELECT string_agg(format('%s * x%s', i % 7 - 3, i % 10), ' + ')::rule AS r,
		'{"x0": 0, "x1": 1, "x2": 2, "x3": 3, "x4": 4, "x5": 5, "x6": 6, "x7": 7, "x8": 8, "x9": 9}'::jsonb AS doc
	FROM generate_series(1, 2000) AS i) AS t;

-- literals of extreme size print with an exponent and read back unchanged
SELECT r::text AS canonical, r::text::rule = r AS round_trip FROM (VALUES
	('a = 1e100000'::rule), ('a = -1e-16383'), ('a = 0.00000000000000000000000000000000000000000001230'),
	('a = 123456789012345678901234567890123456789'), ('a = 1000000000000000000000000000000000000000.5'),
	('a = 0.0000000000000000000000000000000000000000')) AS t(r);

-- rules in tables: unique, indexed, de-duplicated
CREATE TEMP TABLE rulebook (id serial, r rule UNIQUE);
INSERT INTO rulebook (r) VALUES ('a = 1'), ('b > 2 AND c < 3');
INSERT INTO rulebook (r) VALUES ('A=1');
SELECT id, r FROM rulebook ORDER BY id;
