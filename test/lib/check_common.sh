# Sourced by the generated checks under test/checks/: a scratch directory
# and database per check, removed on exit unless KEEP=1, and the helpers
# every check uses.  Call: check_begin DBNAME KEEP
check_begin() {
	db=$1
	keep=$2
	work=$(mktemp -d "/tmp/$db.XXXXXX")
	trap 'rm -rf "$work"; [ "$keep" = 1 ] || dropdb --if-exists "$db" >/dev/null 2>&1' EXIT
	start=$(date +%s)
}

fail() {
	echo "$1"
	echo "FAILED: $1"
	exit 1
}

psql_db() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}
