-- Every error the rule language raises, verbatim.
SET search_path = salesops, public;
\set VERBOSITY default

-- syntax
SELECT 'employees >= AND x'::rule;
SELECT 'a = 1 b = 2'::rule;
SELECT 'a = '::rule;
SELECT 'a = = 1'::rule;
SELECT 'a # 1'::rule;
SELECT '12abc = 1'::rule;
SELECT 'a IS 5'::rule;
SELECT 'a IN ()'::rule;
SELECT 'a BETWEEN 1 OR 2'::rule;
SELECT 'a = 1 = 2'::rule;
SELECT 'and = 1'::rule;
SELECT 'a. = 1'::rule;
SELECT 'f(a'::rule;
SELECT 'very_long_attribute_name_one = 1 AND very_long_attribute_name_two = 2 AND very_long_attribute_name_three = 3 AND oops oops AND very_long_attribute_name_four = 4 AND very_long_attribute_name_five = 5 AND more = 6'::rule;
SELECT 'a = ''unterminated'::rule;
SELECT '"unterminated = 1'::rule;
SELECT '"" = 1'::rule;
SELECT ''::rule;
SELECT '   '::rule;

-- functions
SELECT 'nosuch(a) > 1'::rule;
SELECT 'round(a, 1, 2) > 1'::rule;
SELECT 'abs() > 1'::rule;
SELECT 'abs(a, b) > 1'::rule;
SELECT 'days_since() > 1'::rule;
SELECT 'least() > 1'::rule;

-- kinds that cannot meet
SELECT 'a AND 5'::rule;
SELECT 'NOT ''x'''::rule;
SELECT '''x'' + 1 > a'::rule;
SELECT 'lower(a) = 5'::rule;
SELECT 'a = 1 = TRUE'::rule;
SELECT 'lower(5) = a'::rule;
SELECT 'a LIKE 5'::rule;
SELECT 'lower(a) IN (1, 2)'::rule;
SELECT 'a IN (1, ''x'', TRUE)'::rule AS heterogeneous_list_is_fine;
SELECT '-''x'' = a'::rule;
SELECT 'days_since(5) > 1'::rule;
SELECT 'least(1, ''a'') = a'::rule;
SELECT 'coalesce(a, 1, NULL, ''x'') = 1'::rule;
SELECT 'a = (b = 1) + 1'::rule;

-- literals
SELECT 'd > DATE ''2026-02-30'''::rule;
SELECT 'd > DATE ''2026-02-03 10:00'''::rule;
SELECT 'd > TIMESTAMP ''yesterday'''::rule;
SELECT 'a = 1e999999999'::rule;
SELECT 'd > TIMESTAMP ''0001-01-01 03:00+05:00'''::rule;
SELECT 'd < TIMESTAMP ''9999-12-31 23:00-01:00'''::rule;

-- limits
SELECT (repeat('(', 100) || 'a' || repeat(')', 100))::rule;
SELECT (repeat('NOT ', 101) || 'a')::rule;
SELECT (repeat('-', 101) || 'a > 0')::rule;
SELECT ('a IN (' || repeat('1, ', 30000) || '1)')::rule;
-- short to type, but too long in canonical form (the form pg_dump writes)
SELECT ('1' || repeat('-1', 30000) || ' = x')::rule;
SELECT (repeat('(', 99) || 'a' || repeat(')', 99))::rule AS deepest_allowed;
-- + and - in turn deepen the tree without parentheses: a + b - c is (a + b) - c
SELECT ('a' || repeat(' + a - a', 60) || ' > 0')::rule;
SELECT length(('a' || repeat(' + a - a', 40) || ' > 0')::rule::text) AS deepest_chain_allowed;

-- the wrong kind of rule for the function
SELECT rule_test('a + 1', '{}');
SELECT rule_value('a > 1', '{}');
SELECT rule_test('lower(a)', '{}');

-- the SQLSTATE of each error
CREATE FUNCTION pg_temp.sqlstate_of(rule_text text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM rule_text::salesops.rule;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT pg_temp.sqlstate_of(t) AS sqlstate, count(*) AS cases, min(left(t, 30)) AS example
FROM (VALUES ('employees >= AND x'), ('a = 1 b = 2'), ('a = '), ('a # 1'), ('12abc = 1'),
	('a = ''unterminated'), ('"" = 1'), (''), ('nosuch(a) > 1'), ('round(a, 1, 2) > 1'),
	('a AND 5'), ('lower(a) = 5'), ('least(1, ''a'') = a'), ('d > DATE ''2026-02-30'''),
	('a = 1e999999999'), ('d > TIMESTAMP ''0001-01-01 03:00+05:00'''), (repeat('(', 100) || 'a' || repeat(')', 100)),
	('a' || repeat(' + a - a', 60) || ' > 0'),
	('a IN (' || repeat('1, ', 30000) || '1)')) AS c(t)
GROUP BY 1 ORDER BY 1;
