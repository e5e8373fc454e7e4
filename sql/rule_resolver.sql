-- Named references expanded at compile time by a registered resolver
-- (test/modules/rule_resolver registers "segment").
SET search_path = salesops, public;
-- without the resolver, segment() is an unknown function
SELECT 'segment(''large_medical'')'::rule;
LOAD 'rule_resolver_test';
-- the reference is replaced by the rule it names; the canonical text stands alone
SELECT 'segment(''large_medical'') AND city = ''Oslo'''::rule;
SELECT 'NOT segment(''hot'')'::rule;
SELECT rule_test('segment(''hot'')', '{"sector": "medical", "employees": 900, "visits": 1}') AS hot;
-- a rule read back from its text does not need the resolver any more
SELECT 'segment(''hot'')'::rule::text::rule = 'visits > 3 OR sector = ''medical'' AND employees >= 500'::rule AS same;
-- errors: the resolver's own, non-literal arguments, self-reference, a bad expansion
SELECT 'segment(''nosuch'')'::rule;
SELECT 'segment(city)'::rule;
\set SHOW_CONTEXT never
SELECT 'segment(''loop'')'::rule;
\set SHOW_CONTEXT errors
SELECT 'segment(''broken'') AND x = 1'::rule;
-- expansions count towards the limits: the canonical text (which carries
-- them) and, before it, the 65535 operands of one run of AND
SELECT ('segment(''wide'')' || repeat(' AND segment(''wide'')', 5))::rule;
SELECT ('segment(''wide'')' || repeat(' AND segment(''wide'')', 6))::rule;
