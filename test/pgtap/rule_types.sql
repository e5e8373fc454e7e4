-- The type salesops.rule in SQL: equality of canonical form, hashing, the
-- B-tree total order, indexes and de-duplication; volatility of the
-- evaluation functions; comments (README "Canonical text", "Evaluation time").
BEGIN;
SET LOCAL search_path = salesops, public;
SELECT plan(43);

-- ---------------------------------------------------------------------------
-- Equality is equality of canonical form
-- ---------------------------------------------------------------------------
SELECT ok('a=1'::rule = 'A = 1'::rule, 'spelling and case of unquoted names do not matter');
SELECT ok('a = 1 AND b = 2'::rule = '(a = 1) and (B=2)'::rule, 'redundant parentheses do not matter');
SELECT ok('a AND (b AND c)'::rule = '(a AND b) AND c'::rule, 'flattened chains are equal');
SELECT ok('x != 1'::rule = 'x <> 1'::rule, '!= is <>');
SELECT ok('x > -(5)'::rule = 'x > -5'::rule, 'a negated literal is the literal');
SELECT ok('x = 2500'::rule = 'x = 2.5e3'::rule, 'number spellings of the same canonical text are equal');
SELECT ok('a = 1'::rule <> 'a = 2'::rule, 'different constants differ');
SELECT ok('a = 1'::rule <> '"A" = 1'::rule, 'a quoted name keeps its case, so the rules differ');
SELECT ok('a - (b - c)'::rule <> 'a - b - c'::rule, 'different trees differ');
SELECT ok(NOT ('a = 1'::rule <> 'A=1'::rule), '<> is the negation of =');
SELECT is_empty($$
	SELECT a, b FROM unnest(ARRAY['a = 1', 'A=1', 'b > 2 AND c < 3', 'x IN (1, 2)', 'NOT (a OR b)', 'a - (b - c)']) AS a,
		unnest(ARRAY['a = 1', 'A=1', 'b > 2 AND c < 3', 'x IN (1, 2)', 'NOT (a OR b)', 'a - (b - c)']) AS b
	WHERE (a::rule = b::rule) IS DISTINCT FROM (a::rule::text = b::rule::text)
$$, '= agrees with equality of canonical text');

-- hashing
SELECT is(rule_hash('a = 1 AND b = 2'), rule_hash('(A=1) and b=2'), 'equal rules hash alike');
SELECT is(rule_hash_extended('a = 1 AND b = 2', 42), rule_hash_extended('(A=1) and b=2', 42), 'equal rules hash alike with a seed');
SELECT isnt(rule_hash_extended('a = 1', 0), rule_hash_extended('a = 1', 1), 'the seed changes the extended hash');

-- the total order
SELECT is_empty($$
	WITH r(x) AS (SELECT x::rule FROM unnest(ARRAY['a = 1', 'A=1', 'a = 2', 'b > 2 AND c < 3', 'x IN (1, 2)',
		'NOT (a OR b)', 'zzz', 'a - (b - c)', '"Lead Source" = ''x''']) AS x)
	SELECT a.x, b.x FROM r a, r b
	WHERE rule_cmp(a.x, b.x) <> -rule_cmp(b.x, a.x)
	   OR (rule_cmp(a.x, b.x) = 0) <> (a.x = b.x)
	   OR (a.x < b.x) <> (rule_cmp(a.x, b.x) < 0) OR (a.x <= b.x) <> (rule_cmp(a.x, b.x) <= 0)
	   OR (a.x > b.x) <> (rule_cmp(a.x, b.x) > 0) OR (a.x >= b.x) <> (rule_cmp(a.x, b.x) >= 0)
	   OR (rule_cmp(a.x, b.x) = 0 AND rule_hash(a.x) <> rule_hash(b.x))
$$, 'rule_cmp is antisymmetric, consistent with = < <= > >= and with hashing');
SELECT is_empty($$
	WITH r(x) AS (SELECT x::rule FROM unnest(ARRAY['a = 1', 'a = 2', 'b > 2 AND c < 3', 'x IN (1, 2)',
		'NOT (a OR b)', 'zzz', 'a - (b - c)']) AS x)
	SELECT a.x, b.x, c.x FROM r a, r b, r c WHERE a.x < b.x AND b.x < c.x AND NOT a.x < c.x
$$, 'the order is transitive');

-- ---------------------------------------------------------------------------
-- De-duplication, grouping, indexes
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE spellings (id int, r rule);
INSERT INTO spellings VALUES
	(1, 'a = 1 AND b = 2'), (2, 'A=1 and B=2'), (3, '(a = 1) AND (b = 2)'), (4, 'a = 1 AND b = 3'),
	(5, 'x IN (1, 2)'), (6, 'X in (1,2)'), (7, 'NOT (p OR q)'), (8, 'not (P or (q))');

SET LOCAL enable_hashagg = on;
SELECT results_eq($$SELECT r::text, count(*) FROM spellings GROUP BY r ORDER BY 1$$,
	$$VALUES ('NOT (p OR q)', 2::bigint), ('a = 1 AND b = 2', 3), ('a = 1 AND b = 3', 1), ('x IN (1, 2)', 2)$$,
	'GROUP BY (hash aggregation) groups equal rules');
SET LOCAL enable_hashagg = off;
SELECT results_eq($$SELECT r::text, count(*) FROM spellings GROUP BY r ORDER BY 1$$,
	$$VALUES ('NOT (p OR q)', 2::bigint), ('a = 1 AND b = 2', 3), ('a = 1 AND b = 3', 1), ('x IN (1, 2)', 2)$$,
	'GROUP BY (sort) groups equal rules');
SELECT is((SELECT count(DISTINCT r) FROM spellings), 4::bigint, 'count(DISTINCT)');
SELECT is((SELECT count(*) FROM (SELECT DISTINCT r FROM spellings) AS d), 4::bigint, 'SELECT DISTINCT (sort)');
RESET enable_hashagg;
SELECT is((SELECT count(*) FROM (SELECT r FROM spellings UNION SELECT r FROM spellings) AS u), 4::bigint, 'UNION');

SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT is((SELECT count(*) FROM spellings a JOIN spellings b ON a.r = b.r), 18::bigint, 'hash join on rules');
RESET enable_mergejoin;
SET LOCAL enable_hashjoin = off;
SELECT is((SELECT count(*) FROM spellings a JOIN spellings b ON a.r = b.r), 18::bigint, 'merge join on rules');
RESET enable_hashjoin;
RESET enable_nestloop;

CREATE TEMP TABLE rulebook (id serial PRIMARY KEY, r rule UNIQUE);
INSERT INTO rulebook (r) VALUES ('a = 1 AND b = 2'), ('x IN (1, 2)');
SELECT throws_ok($$INSERT INTO rulebook (r) VALUES ('A=1 and (B = 2)')$$, '23505',
	'duplicate key value violates unique constraint "rulebook_r_key"',
	'a UNIQUE index rejects a duplicate written differently');
SELECT lives_ok($$INSERT INTO rulebook (r) VALUES ('a = 1 AND b = 3')$$, 'a UNIQUE index accepts a different rule');
SELECT is((SELECT count(*) FROM rulebook), 3::bigint, 'the rejected duplicate is not stored');
SELECT lives_ok($$INSERT INTO rulebook (r) VALUES ('A = 1 AND B = 2') ON CONFLICT (r) DO NOTHING$$,
	'ON CONFLICT on a rule');
SELECT is((SELECT count(*) FROM rulebook), 3::bigint, 'ON CONFLICT DO NOTHING skipped the duplicate');

CREATE TEMP TABLE hashbook AS SELECT * FROM spellings;
CREATE INDEX hashbook_r_hash ON hashbook USING hash (r);
CREATE TEMP TABLE sorted_seq AS SELECT array_agg(id ORDER BY r, id) AS ids FROM rulebook;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_sort = off;
SELECT results_eq($$SELECT id FROM hashbook WHERE r = 'A=1 and (B=2)' ORDER BY id$$, ARRAY[1, 2, 3],
	'a hash index finds every spelling of a rule');
SELECT is((SELECT id FROM rulebook WHERE r = 'X IN (1,2)'), 2, 'the B-tree index finds a rule by another spelling');
SELECT results_eq($$SELECT id FROM rulebook ORDER BY r$$, $$SELECT unnest(ids) FROM sorted_seq$$,
	'ORDER BY through the B-tree index gives the order of a sort');
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;
SELECT ok(EXISTS (SELECT FROM pg_opclass WHERE opcname = 'rule_ops' AND opcdefault
		AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree') AND opcintype = 'salesops.rule'::regtype)
	AND EXISTS (SELECT FROM pg_opclass WHERE opcname = 'rule_hash_ops' AND opcdefault
		AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hash') AND opcintype = 'salesops.rule'::regtype),
	'default B-tree and hash operator classes');

-- ---------------------------------------------------------------------------
-- Volatility: without an evaluation time STABLE, with one IMMUTABLE
-- ---------------------------------------------------------------------------
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_test(salesops.rule, jsonb)'::regprocedure),
	's'::"char", 'rule_test(rule, doc) is STABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_test(salesops.rule, jsonb, timestamptz)'::regprocedure),
	'i'::"char", 'rule_test(rule, doc, at) is IMMUTABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_value(salesops.rule, jsonb)'::regprocedure),
	's'::"char", 'rule_value(rule, doc) is STABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_value(salesops.rule, jsonb, timestamptz)'::regprocedure),
	'i'::"char", 'rule_value(rule, doc, at) is IMMUTABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_explain(salesops.rule, jsonb)'::regprocedure),
	's'::"char", 'rule_explain(rule, doc) is STABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_explain(salesops.rule, jsonb, timestamptz)'::regprocedure),
	'i'::"char", 'rule_explain(rule, doc, at) is IMMUTABLE');
SELECT is((SELECT p.provolatile FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
		WHERE o.oprname = '@@' AND o.oprleft = 'jsonb'::regtype AND o.oprright = 'salesops.rule'::regtype),
	's'::"char", 'doc @@ rule has no evaluation time, so it is STABLE');
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = 'salesops.rule_attributes(salesops.rule)'::regprocedure),
	'i'::"char", 'rule_attributes is IMMUTABLE');

-- ---------------------------------------------------------------------------
-- Every rule function, the type and the operators are documented
-- ---------------------------------------------------------------------------
SELECT is_empty($$
	SELECT oid::regprocedure FROM pg_proc
	WHERE pronamespace = 'salesops'::regnamespace AND proname LIKE 'rule%' AND obj_description(oid, 'pg_proc') IS NULL
$$, 'every function of the rule language has a COMMENT');
SELECT ok(obj_description('salesops.rule'::regtype, 'pg_type') IS NOT NULL, 'the type has a COMMENT');
SELECT is_empty($$
	SELECT oid::regoperator FROM pg_operator
	WHERE (oprleft = 'salesops.rule'::regtype OR oprright = 'salesops.rule'::regtype)
	  AND obj_description(oid, 'pg_operator') IS NULL
$$, 'every operator on rules has a COMMENT');

SELECT * FROM finish();
ROLLBACK;
