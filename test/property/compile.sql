-- Compile every generated rule; a rule that does not compile is a failure.
DO $$
DECLARE
	rec record;
BEGIN
	FOR rec IN SELECT id, src FROM prop_rules ORDER BY id LOOP
		BEGIN
			UPDATE prop_rules SET r = rec.src::salesops.rule WHERE id = rec.id;
		EXCEPTION WHEN OTHERS THEN
			UPDATE prop_rules SET err = SQLSTATE || ': ' || SQLERRM WHERE id = rec.id;
		END;
	END LOOP;
END $$;
INSERT INTO prop_problem (rid, what)
SELECT id, 'does not compile: ' || err FROM prop_rules WHERE err IS NOT NULL;
