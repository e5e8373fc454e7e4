-- The property test's checks, after compile.sql and the generated oracle.sql.
-- The evaluation runs in a time zone far from UTC: results must not depend on it.
SET TimeZone = 'America/St_Johns';
SET search_path = public, salesops;

-- 1. rule_test / rule_value against the oracle, for every (rule, document) pair,
-- reading the compiled rules from the table (evaluated in place) with rules
-- changing from row to row; doc @@ rule must agree with rule_test.
CREATE TABLE prop_got AS
SELECT w.rid, w.did, r.kind, w.want_b, w.want_n,
	CASE WHEN r.kind = 't' THEN rule_test(r.r, d.doc, d.at) END AS got_b,
	CASE WHEN r.kind = 'v' THEN rule_value(r.r, d.doc, d.at) END AS got_n,
	CASE WHEN r.kind = 't' THEN (d.doc @@ r.r) IS NOT DISTINCT FROM rule_test(r.r, d.doc) ELSE true END AS op_ok
FROM prop_want w
JOIN prop_rules r ON r.id = w.rid
JOIN prop_docs d ON d.id = w.did
WHERE r.r IS NOT NULL;

INSERT INTO prop_problem (rid, did, what)
SELECT rid, did,
	CASE WHEN kind = 't' THEN format('rule_test: expected %s, got %s', coalesce(want_b::text, 'NULL'), coalesce(got_b::text, 'NULL'))
		 ELSE format('rule_value: expected %s, got %s', coalesce(want_n::text, 'NULL'), coalesce(got_n::text, 'NULL')) END
FROM prop_got
WHERE (kind = 't' AND got_b IS DISTINCT FROM want_b)
   OR (kind = 'v' AND (got_n IS DISTINCT FROM want_n OR got_n::text IS DISTINCT FROM want_n::text));
INSERT INTO prop_problem (rid, did, what)
SELECT rid, did, 'doc @@ rule differs from rule_test(rule, doc)' FROM prop_got WHERE NOT op_ok;

-- rule_explain on every fifth pair: its result is what rule_test/rule_value
-- return (for a condition, the boolean; for a formula, the number), and its
-- "rule" is the canonical text.
INSERT INTO prop_problem (rid, did, what)
SELECT g.rid, g.did, 'rule_explain result ' || coalesce(e->>'result', 'null') || ', rule ' || coalesce(e->>'rule', '?')
FROM prop_got g
JOIN prop_rules r ON r.id = g.rid
JOIN prop_docs d ON d.id = g.did
CROSS JOIN LATERAL rule_explain(r.r, d.doc, d.at) AS e
WHERE (g.rid + g.did) % 5 = 0
  AND (e->>'rule' IS DISTINCT FROM r.r::text
	   OR (g.kind = 't' AND CASE WHEN jsonb_typeof(e->'result') = 'boolean' THEN (e->'result')::boolean END
			IS DISTINCT FROM g.got_b)
	   OR (g.kind = 'v' AND CASE WHEN jsonb_typeof(e->'result') = 'number' THEN (e->>'result') END
			IS DISTINCT FROM g.got_n::text));

-- 2. Canonical text, fixed point, equality and hash after a text round trip,
-- rule_attributes, and rule_send's documented layout (version byte 1, text).
DO $$
DECLARE
	rec record;
	t text;
	r2 salesops.rule;
BEGIN
	FOR rec IN SELECT id, r, canon, attrs FROM prop_rules WHERE r IS NOT NULL ORDER BY id LOOP
		t := rec.r::text;
		IF t IS DISTINCT FROM rec.canon THEN
			INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'canonical text is: ' || t);
		END IF;
		BEGIN
			r2 := t::salesops.rule;
			IF NOT (r2 = rec.r) THEN
				INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'r::text::rule <> r');
			END IF;
			IF r2::text IS DISTINCT FROM t THEN
				INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'canonical text is not a fixed point: ' || r2::text);
			END IF;
			IF rule_hash(r2) <> rule_hash(rec.r) OR rule_hash_extended(r2, 42) <> rule_hash_extended(rec.r, 42) THEN
				INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'hash differs after a text round trip');
			END IF;
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'canonical text does not compile: ' || SQLSTATE || ' ' || SQLERRM);
		END;
		IF rule_attributes(rec.r) IS DISTINCT FROM rec.attrs THEN
			INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'rule_attributes: ' || rule_attributes(rec.r)::text);
		END IF;
		IF rule_send(rec.r) IS DISTINCT FROM '\x01'::bytea || convert_to(t, 'UTF8') THEN
			INSERT INTO prop_problem (rid, what) VALUES (rec.id, 'rule_send is not version byte 1 and the canonical text');
		END IF;
	END LOOP;
END $$;

-- 3. Equal canonical text <=> equal rules, under both the B-tree and the hash
-- operator classes.
INSERT INTO prop_problem (rid, what)
SELECT min(id), 'rules with one canonical text are not all equal (btree)'
FROM prop_rules WHERE r IS NOT NULL GROUP BY canon HAVING count(DISTINCT r) > 1;
SET enable_sort = off;
INSERT INTO prop_problem (rid, what)
SELECT min(id), 'equal rules with different canonical texts (hash)'
FROM prop_rules WHERE r IS NOT NULL GROUP BY r HAVING count(DISTINCT canon) > 1;
RESET enable_sort;
