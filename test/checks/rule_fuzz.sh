#!/usr/bin/env bash
# Robustness fuzz of the rule language's input function.
#
# test/fuzz/gen_fuzz.py writes 100,000 inputs: valid rules, mutated rules
# (replaced, bit-flipped, deleted, inserted, duplicated, swapped and
# repeated characters and tokens, truncations, splices, huge numbers, long
# strings and names, deep nesting), token soup, random Unicode, and a fixed
# list of pathological texts.  test/fuzz/fuzz.sql feeds each one to the input
# function inside BEGIN ... EXCEPTION, batch by batch, and puts every rule it
# accepts through a text round trip, rule_send, rule_attributes and
# evaluation against a few documents.
#
# Fails on: a backend crash (a lost connection; the input is pinpointed), a
# rejection with a SQLSTATE README does not document (XX000 included), a
# valid rule rejected, and an error or a broken round trip after a rule was
# accepted -- except problems of bugs already reported (fuzz_known_bug() in
# fuzz.sql), which are listed but fail the check only with FUZZ_KNOWN_BUGS=1.
#
# Environment: PG* for the cluster; FUZZ_SEED, FUZZ_COUNT, FUZZ_BATCH;
# FUZZ_KEEP=1 keeps the database salesops_fuzz.
set -uo pipefail
cd "$(dirname "$0")/../.."
db=salesops_fuzz
seed=${FUZZ_SEED:-20261204}
count=${FUZZ_COUNT:-100000}
batch=${FUZZ_BATCH:-5000}
. test/lib/check_common.sh
check_begin "$db" "${FUZZ_KEEP:-0}"

# after a crash the postmaster restarts every backend: wait until it accepts again
wait_for_server() {
	for _ in $(seq 1 120); do
		psql -X -q -d "$db" -c "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

dropdb --if-exists "$db" >/dev/null 2>&1
# a UTF8 database whatever the cluster's default (case mapping follows its locale, on both sides)
createdb -E UTF8 -T template0 --locale=C.UTF-8 "$db" >/dev/null 2>&1 || createdb -E UTF8 -T template0 "$db" >/dev/null 2>&1 \
	|| createdb "$db" || fail "cannot create database $db"
psql_db -c "CREATE EXTENSION pg_salesops" >/dev/null || fail "cannot create the extension"
python3 test/fuzz/gen_fuzz.py --seed "$seed" --count "$count" --docs "$work/docs.sql" --binary "$work/bin" \
	"$work/inputs.copy" >/dev/null \
	|| fail "generator failed"
psql_db -f test/fuzz/fuzz.sql -f "$work/docs.sql" >/dev/null || fail "loading the fuzz harness failed"
psql_db -c "COPY fuzz_input (id, cat, src) FROM STDIN" <"$work/inputs.copy" || fail "loading the inputs failed"
total=$(psql_db -At -c "SELECT count(*) FROM fuzz_input")

crashes=()
errors=()
run_range() {	# run_range LO HI: 0 ok, 1 error, 2 crash
	local out
	if out=$(PGOPTIONS="-c statement_timeout=300s" psql_db -c "CALL fuzz_run($1, $2)" 2>&1); then
		return 0
	fi
	if grep -qiE 'server closed the connection|connection to server .* lost|terminating connection|no connection to the server' <<<"$out" \
		|| ! psql -X -q -d "$db" -c "SELECT 1" >/dev/null 2>&1; then
		wait_for_server || fail "the server did not come back after a crash"
		return 2
	fi
	errors+=("ids $1-$2: $(head -c 300 <<<"$out")")
	return 1
}

# a crashed batch committed nothing: bisect it to find the input(s) that crash
bisect() {	# bisect LO HI, for a range known to crash
	local lo=$1 hi=$2 mid
	if [ "$lo" -ge "$hi" ]; then
		crashes+=("$lo")
		return
	fi
	mid=$(((lo + hi) / 2))
	run_range "$lo" "$mid"
	[ $? = 2 ] && bisect "$lo" "$mid"
	run_range $((mid + 1)) "$hi"
	[ $? = 2 ] && bisect $((mid + 1)) "$hi"
}

lo=1
while [ "$lo" -le "$total" ]; do
	hi=$((lo + batch - 1))
	run_range "$lo" "$hi"
	[ $? = 2 ] && bisect "$lo" "$hi"
	lo=$((hi + 1))
done

# rule_recv: each payload in its own \copy ... (FORMAT binary), in one session;
# after a crash, go on with the payloads after the one that crashed
bin_crashes=()
nbin=$(wc -l <"$work/bin/load.sql")
from=1
: >"$work/bin.err"
while [ "$from" -le "$nbin" ]; do
	tail -n +"$from" "$work/bin/load.sql" >"$work/bin/rest.sql"
	psql -X -q -v VERBOSITY=verbose -d "$db" -f "$work/bin/rest.sql" >/dev/null 2>>"$work/bin.err"
	[ $? = 2 ] || break
	# the connection was lost at the last line psql reported on
	line=$(grep -oE 'rest\.sql:[0-9]+:' "$work/bin.err" | tail -1 | grep -oE '[0-9]+')
	[ -n "$line" ] || line=1
	bin_crashes+=("$((from + line - 1))")
	sed -i "s/rest\.sql:/done.sql:/" "$work/bin.err"
	wait_for_server || fail "the server did not come back after a crash"
	from=$((from + line))
done
end=$(date +%s)
echo "seed $seed: $total inputs, $((end - start))s"
psql_db -At -F ' ' -c "
	SELECT rpad(cat, 8), count(*), 'inputs:', count(*) FILTER (WHERE accepted), 'accepted,',
		count(*) FILTER (WHERE NOT accepted), 'rejected'
	FROM fuzz_input JOIN fuzz_result USING (id) GROUP BY cat ORDER BY cat"
echo "rejections by SQLSTATE (most frequent messages):"
psql_db -At -c "
	WITH m AS (
		SELECT sqlstate, regexp_replace(regexp_replace(message, '\".*\"', '\"…\"'), '[0-9]+', 'N', 'g') AS msg
		FROM fuzz_result WHERE NOT accepted),
	c AS (SELECT sqlstate, msg, count(*) AS n, sum(count(*)) OVER (PARTITION BY sqlstate) AS total,
			row_number() OVER (PARTITION BY sqlstate ORDER BY count(*) DESC, msg) AS rn
		FROM m GROUP BY sqlstate, msg)
	SELECT format('  %s %s: %s', sqlstate, total, string_agg(format('%s (%s)', msg, n), '; ' ORDER BY rn))
	FROM c WHERE rn <= 3 GROUP BY sqlstate, total ORDER BY total DESC" | cut -c1-200
nres=$(psql_db -At -c "SELECT count(*) FROM fuzz_result")
nacc=$(psql_db -At -c "SELECT count(*) FROM fuzz_result WHERE accepted")
nknown=$(psql_db -At -c "SELECT count(*) FROM fuzz_result r JOIN fuzz_input i USING (id)
	WHERE problem IS NOT NULL AND fuzz_known_bug(problem, src) IS NOT NULL")
if [ "${FUZZ_KNOWN_BUGS:-0}" = 1 ]; then
	known_filter="true"
else
	known_filter="fuzz_known_bug(problem, src) IS NULL"
fi
nprob=$(psql_db -At -c "SELECT count(*) FROM fuzz_result r JOIN fuzz_input i USING (id)
	WHERE problem IS NOT NULL AND $known_filter")

if [ "$nknown" != 0 ]; then
	echo "known bugs (already reported; FUZZ_KNOWN_BUGS=1 makes them fail):"
	psql_db -At -F ' ' -c "
		SELECT '  ' || fuzz_known_bug(problem, src) || ':', count(*), 'inputs, e.g.',
			left(replace(min(src), E'\\n', ' '), 80)
		FROM fuzz_result r JOIN fuzz_input i USING (id)
		WHERE problem IS NOT NULL AND fuzz_known_bug(problem, src) IS NOT NULL GROUP BY 1"
fi
if [ "$nprob" != 0 ]; then
	echo "$nprob problem(s); the first ones:"
	psql_db -At -c "
		SELECT format('input %s (%s): %s%s  text: %s', id, cat, problem, E'\\n',
			left(replace(replace(src, E'\\n', '\\n'), E'\\t', '\\t'), 300))
		FROM fuzz_result r JOIN fuzz_input i USING (id)
		WHERE problem IS NOT NULL AND $known_filter ORDER BY id LIMIT 15"
fi
for e in "${errors[@]}"; do echo "batch error: $e"; done
for id in "${crashes[@]}"; do
	echo "CRASH on input $id: $(psql_db -At -c "SELECT left(replace(src, E'\\n', '\\n'), 300) FROM fuzz_input WHERE id = $id")"
done

# binary payloads: accepted ones must round-trip; errors must be documented ones
# or those of binary input (22P03 bad version byte, 22021 invalid UTF-8 or NUL,
# 08P01 no data)
nbin_ok=$(psql_db -At -c "SELECT count(*) FROM fuzz_bin")
echo "rule_recv: $nbin payloads, $nbin_ok accepted; rejected by SQLSTATE: $(grep -oE 'ERROR:  [0-9A-Z]{5}' "$work/bin.err" \
	| cut -c9- | sort | uniq -c | sort -rn | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"
bin_bad=$(grep -oE 'ERROR:  [0-9A-Z]{5}: .*' "$work/bin.err" | grep -vE 'ERROR:  (42601|42883|42804|22007|22008|54000|54001|22003|0A000|22P03|22021|08P01):' | head -5)
nbin_rt=$(psql_db -At -c "SELECT count(*) FROM fuzz_bin b WHERE NOT (SELECT b.r::text::salesops.rule OPERATOR(salesops.=) b.r)" 2>&1)
[ -n "$bin_bad" ] && echo "rule_recv: unexpected errors: $bin_bad"
[ "$nbin_rt" != 0 ] && echo "rule_recv: accepted rules that do not round-trip: $nbin_rt"
for id in "${bin_crashes[@]}"; do echo "CRASH in rule_recv on payload $id: $(xxd -p "$work/bin/$id.bin" | tr -d '\n' | head -c 200)"; done

missing=$((total - nres - ${#crashes[@]}))
bad=$((nprob + ${#crashes[@]} + ${#errors[@]} + (missing > 0 ? missing : 0) + ${#bin_crashes[@]}))
[ -n "$bin_bad" ] && bad=$((bad + 1))
[ "$nbin_rt" != 0 ] && bad=$((bad + 1))
crashes+=("${bin_crashes[@]}")
verdict="$total inputs ($nacc accepted, $((nres - nacc)) rejected): ${#crashes[@]} crashes, $nprob problems"
[ "$nknown" != 0 ] && [ "${FUZZ_KNOWN_BUGS:-0}" != 1 ] && verdict="$verdict ($nknown known-bug cases listed)"
if [ "$bad" != 0 ]; then
	[ "$missing" -gt 0 ] && echo "$missing inputs have no result"
	echo "FAILED: $verdict"
	exit 1
fi
echo "$verdict"
