#!/usr/bin/env bash
# Runs inside pg_virtualenv (PG* variables set): creates the demo database and
# plays each chapter of the tour in order.  A chapter is a psql script under
# demo/; its comments are printed as narration.
set -euo pipefail
ROOT=$1
cd "$ROOT"
export PGDATABASE=salesops_demo
dropdb --if-exists salesops_demo >/dev/null 2>&1 || true
createdb salesops_demo
psql -X -q -c "CREATE EXTENSION pg_salesops" >/dev/null

for chapter in demo/rule.sql demo/pipeline.sql; do
	[ -f "$chapter" ] || continue
	psql -X -q -v ON_ERROR_STOP=1 --echo-queries -P pager=off -f "$chapter"
done
