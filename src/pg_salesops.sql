-- Shared set-up: roles and schema privileges.  Runs first in the install
-- script; every room adds its own GRANTs after its objects.

-- Roles are cluster-wide and outlive the extension; create them only when
-- missing so that a second database, or a re-install, reuses them.
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['salesops_reader', 'salesops_writer', 'salesops_admin'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
	-- Writers read what they write; admins may do everything writers may.
	IF NOT pg_catalog.pg_has_role('salesops_writer', 'salesops_reader', 'MEMBER') THEN
		GRANT salesops_reader TO salesops_writer;
	END IF;
	IF NOT pg_catalog.pg_has_role('salesops_admin', 'salesops_writer', 'MEMBER') THEN
		GRANT salesops_writer TO salesops_admin;
	END IF;
END
$roles$;

GRANT USAGE ON SCHEMA @extschema@ TO salesops_reader;
