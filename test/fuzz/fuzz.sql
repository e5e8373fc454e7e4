-- Robustness fuzz of the rule language (test/checks/rule_fuzz.sh).
--
-- Every input goes through the input function inside its own
-- BEGIN ... EXCEPTION block: it is accepted, or rejected with a SQLSTATE.
-- A backend crash shows up in the driver as a lost connection.  An accepted
-- rule must then survive, without any error: a text round trip (the
-- canonical text compiles to an equal rule and is a fixed point),
-- rule_attributes, rule_hash, rule_send, and evaluation against a few
-- documents with rule_test or rule_value (whichever its kind allows),
-- doc @@ rule and rule_explain.
SET search_path = public, salesops;

CREATE TABLE fuzz_input (id integer PRIMARY KEY, cat text NOT NULL, src text NOT NULL);
CREATE TABLE fuzz_doc (id integer PRIMARY KEY, doc jsonb NOT NULL, at timestamptz NOT NULL);
CREATE TABLE fuzz_bin (id integer, r salesops.rule);	-- what rule_recv accepted
CREATE TABLE fuzz_result (
	id integer PRIMARY KEY,
	accepted boolean NOT NULL,
	sqlstate text,				-- why it was rejected
	message text,
	problem text				-- what went wrong after it was accepted, or an unexpected rejection
);

-- The SQLSTATEs README documents for the rule language, plus 22003 for a
-- numeric literal out of range and 0A000 for references to named objects.
CREATE FUNCTION fuzz_expected_sqlstate(s text) RETURNS boolean LANGUAGE sql IMMUTABLE
	AS $$ SELECT s IN ('42601', '42883', '42804', '22007', '22008', '54000', '54001', '22003', '0A000') $$;

CREATE PROCEDURE fuzz_run(lo integer, hi integer) LANGUAGE plpgsql
SET search_path = public, salesops AS $$
DECLARE
	inp record;
	d record;
	r salesops.rule;
	r2 salesops.rule;
	t text;
	kind text;
	st text;
	msg text;
	problem text;
BEGIN
	FOR inp IN SELECT * FROM fuzz_input WHERE id BETWEEN lo AND hi ORDER BY id LOOP
		problem := NULL;
		BEGIN
			r := inp.src::salesops.rule;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			IF NOT fuzz_expected_sqlstate(st) THEN
				problem := 'rejected with unexpected SQLSTATE ' || st || ': ' || msg;
			ELSIF inp.cat = 'valid' THEN
				problem := 'a valid rule was rejected: ' || st || ': ' || msg;
			END IF;
			INSERT INTO fuzz_result VALUES (inp.id, false, st, left(msg, 300), problem);
			CONTINUE;
		END;

		-- accepted: nothing below may raise
		BEGIN
			t := r::text;
			BEGIN
				r2 := t::salesops.rule;
				IF NOT (r2 = r) THEN
					problem := 'canonical text compiles to a different rule';
				ELSIF r2::text <> t THEN
					problem := 'canonical text is not a fixed point';
				ELSIF rule_hash(r2) <> rule_hash(r) THEN
					problem := 'hash differs after a text round trip';
				END IF;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
				problem := 'canonical text does not compile: ' || st || ': ' || msg;
			END;
			IF rule_send(r) <> '\x01'::bytea || convert_to(t, 'UTF8') THEN
				problem := coalesce(problem || '; ', '') || 'rule_send is not version byte 1 and the canonical text';
			END IF;
			PERFORM rule_attributes(r), rule_hash_extended(r, 7);
			-- which evaluation function the rule's kind allows
			BEGIN
				PERFORM rule_test(r, '{}');
				kind := 'test';
			EXCEPTION WHEN SQLSTATE '42804' THEN
				BEGIN
					PERFORM rule_value(r, '{}');
					kind := 'value';
				EXCEPTION WHEN SQLSTATE '42804' THEN
					kind := 'neither';
				END;
			END;
			FOR d IN SELECT * FROM fuzz_doc ORDER BY id LOOP
				IF kind = 'test' THEN
					PERFORM rule_test(r, d.doc, d.at), rule_test(r, d.doc), d.doc @@ r;
				ELSIF kind = 'value' THEN
					PERFORM rule_value(r, d.doc, d.at), rule_value(r, d.doc);
				END IF;
			END LOOP;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			problem := coalesce(problem || '; ', '') || 'error after the rule was accepted: ' || st || ': ' || msg;
		END;
		BEGIN
			FOR d IN SELECT * FROM fuzz_doc ORDER BY id LOOP
				PERFORM rule_explain(r, d.doc, d.at);
			END LOOP;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			problem := coalesce(problem || '; ', '') || 'rule_explain raised ' || st || ': ' || msg;
		END;
		INSERT INTO fuzz_result VALUES (inp.id, true, NULL, NULL, left(problem, 500));
	END LOOP;
END $$;

-- Problems that are bugs already reported: the check lists them but fails
-- on them only with FUZZ_KNOWN_BUGS=1.  None are open, so this says NULL
-- (not known) for every problem; when a bug is reported but not yet fixed,
-- make it a CASE that names the bug for the problems it causes, e.g.
--   CASE WHEN problem LIKE 'rule_explain raised 54001%' THEN 'explain depth' END
CREATE FUNCTION fuzz_known_bug(problem text, src text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT NULL::text
$$;
