#!/usr/bin/env bash
# Runs every suite against the cluster pg_virtualenv started (PGHOST etc. are
# set).  Called by scripts/test; prints "N passed, N failed" last.
set -uo pipefail
ROOT=$1
cd "$ROOT"
export PGDATABASE=postgres
export SALESOPS_DATA=${SALESOPS_DATA:-$ROOT/../shared/data}
passed=0
failed=0
failures=()

record() {						# record NAME ok|fail
	if [ "$2" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$1")
	fi
}

# pg_regress: one unit per sql/ file
echo "== pg_regress"
rm -rf results regression.diffs regression.out
PGXS_DIR=$(dirname "$(pg_config --pgxs)")/..
tests=$(ls sql/*.sql | sed -E 's|sql/(.*)\.sql|\1|')
"$PGXS_DIR/test/regress/pg_regress" --inputdir=. --bindir="$(pg_config --bindir)" \
	--load-extension=pg_salesops --dbname=salesops_regress $tests >/tmp/salesops-regress.log 2>&1 || true
while read -r line; do
	name=$(sed -E 's/^(ok|not ok) +[0-9]+ +[-+] +//; s/^test +//; s/^ +//; s/ +\.\.\..*//' <<<"$line")
	if grep -qE '\.\.\. ok|^ok ' <<<"$line"; then record "regress/$name" ok; echo "ok   regress/$name"; else record "regress/$name" fail; echo "FAIL regress/$name"; fi
done < <(grep -E '\.\.\. (ok|FAILED|failed)|^(ok|not ok) ' /tmp/salesops-regress.log)
if ! grep -qE '\.\.\. (ok|FAILED|failed)|^(ok|not ok) ' /tmp/salesops-regress.log; then
	cat /tmp/salesops-regress.log
	record "regress (did not run)" fail
fi
[ -f regression.diffs ] && cat regression.diffs

# isolation specs
if ls test/isolation/specs/*.spec >/dev/null 2>&1; then
	echo "== isolation"
	rm -rf output_iso
	specs=$(ls test/isolation/specs/*.spec | sed -E 's|.*/(.*)\.spec|\1|')
	"$PGXS_DIR/test/isolation/pg_isolation_regress" --inputdir=test/isolation --outputdir=output_iso \
		--bindir="$(pg_config --bindir)" --load-extension=pg_salesops --dbname=salesops_iso $specs >/tmp/salesops-iso.log 2>&1 || true
	while read -r line; do
		name=$(sed -E 's/^(ok|not ok) +[0-9]+ +[-+] +//; s/^test +//; s/^ +//; s/ +\.\.\..*//' <<<"$line")
		if grep -qE '\.\.\. ok|^ok ' <<<"$line"; then record "isolation/$name" ok; echo "ok   isolation/$name"; else record "isolation/$name" fail; echo "FAIL isolation/$name"; fi
	done < <(grep -E '\.\.\. (ok|FAILED|failed)|^(ok|not ok) ' /tmp/salesops-iso.log)
	grep -qE '\.\.\. (ok|FAILED|failed)|^(ok|not ok) ' /tmp/salesops-iso.log || { cat /tmp/salesops-iso.log; record "isolation (did not run)" fail; }
	[ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
fi

# pgTAP: one unit per file, in a database with both extensions
echo "== pgTAP"
dropdb --if-exists salesops_tap >/dev/null 2>&1
createdb salesops_tap
psql -q -X -d salesops_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION pg_salesops;" >/dev/null
for f in test/pgtap/*.sql; do
	[ -e "$f" ] || continue
	if pg_prove -d salesops_tap "$f" >/tmp/salesops-tap.log 2>&1; then
		record "pgtap/$(basename "$f")" ok
		echo "ok   $f"
	else
		record "pgtap/$(basename "$f")" fail
		cat /tmp/salesops-tap.log
	fi
done

# generated and real-data checks: each script prints its verdict, exits 0/1
echo "== checks"
for f in test/checks/*.sh; do
	[ -e "$f" ] || continue
	if bash "$f" >/tmp/salesops-check.log 2>&1; then
		record "check/$(basename "$f")" ok
		echo "ok   $f: $(tail -1 /tmp/salesops-check.log)"
	else
		record "check/$(basename "$f")" fail
		echo "FAIL $f"
		tail -40 /tmp/salesops-check.log
	fi
done

# TAP tests (PostgreSQL::Test::Cluster): they run initdb, which refuses
# root, so as root they run as the postgres user
if ls test/t/*.pl >/dev/null 2>&1; then
	echo "== TAP"
	perl_lib="$(dirname "$(pg_config --pgxs)")/../test/perl"
	tapdir=$(mktemp -d /tmp/salesops-tap.XXXXXX)
	cp -r test/t "$tapdir/t"
	chmod -R a+rwX "$tapdir"
	for f in test/t/*.pl; do
		cmd="cd '$tapdir' && PATH='$(pg_config --bindir):$PATH' PERL5LIB='$perl_lib' PG_REGRESS='$(dirname "$(pg_config --pgxs)")/../test/regress/pg_regress' TESTDIR='$tapdir' prove t/$(basename "$f")"
		if [ "$(id -u)" = 0 ]; then
			su postgres -s /bin/bash -c "env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE bash -c \"$cmd\"" >/tmp/salesops-prove.log 2>&1
		else
			env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE bash -c "$cmd" >/tmp/salesops-prove.log 2>&1
		fi
		if [ $? -eq 0 ]; then
			record "tap/$(basename "$f")" ok
			echo "ok   tap/$(basename "$f")"
		else
			record "tap/$(basename "$f")" fail
			cat /tmp/salesops-prove.log
			cat "$tapdir"/tmp_check/log/*.log 2>/dev/null | tail -40
		fi
	done
	rm -rf "$tapdir"
fi

if ((failed)); then
	echo "== failed:"
	printf '   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
