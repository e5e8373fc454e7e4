#!/usr/bin/env bash
# Property test of the rule language against an independent oracle.
#
# test/property/gen_property.py generates random heterogeneous documents and
# random rules, messily spelled, each with the SQL expression (jsonb access,
# jsonb_typeof checks, numeric arithmetic, COLLATE "C", LIKE, the helpers of
# test/property/oracle.sql) that computes what README says the rule means.
# For every (rule, document) pair rule_test/rule_value must agree with that
# expression (IS NOT DISTINCT FROM; for numbers also the same text, i.e. the
# same scale).  For every rule: the canonical text is the one README
# describes, a fixed point, and reads back as an equal rule with the same
# hash; rule_attributes lists the paths in order of first use; rule_send is
# the version byte and the canonical text; a binary COPY out and in gives
# equal rules.
#
# Environment: PG* for the cluster; PROPERTY_SEED, PROPERTY_CONDITIONS,
# PROPERTY_FORMULAS, PROPERTY_DOCS to vary the run; PROPERTY_KNOWN_BUGS=1 to
# add inputs that trigger bugs already reported; PROPERTY_KEEP=1 keeps the
# database salesops_property for inspection.
set -uo pipefail
cd "$(dirname "$0")/../.."
db=salesops_property
seed=${PROPERTY_SEED:-20261204}
conditions=${PROPERTY_CONDITIONS:-12000}
formulas=${PROPERTY_FORMULAS:-3000}
ndocs=${PROPERTY_DOCS:-40}
. test/lib/check_common.sh
check_begin "$db" "${PROPERTY_KEEP:-0}"

dropdb --if-exists "$db" >/dev/null 2>&1
# a UTF8 database whatever the cluster's default (case mapping follows its locale, on both sides)
createdb -E UTF8 -T template0 --locale=C.UTF-8 "$db" >/dev/null 2>&1 || createdb -E UTF8 -T template0 "$db" >/dev/null 2>&1 \
	|| createdb "$db" || fail "cannot create database $db"
psql_db -c "CREATE EXTENSION pg_salesops" >/dev/null || fail "cannot create the extension"

gen_args=(--seed "$seed" --conditions "$conditions" --formulas "$formulas" --docs "$ndocs")
[ "${PROPERTY_KNOWN_BUGS:-0}" = 1 ] && gen_args+=(--known-bugs)
python3 test/property/gen_property.py "${gen_args[@]}" "$work" || fail "generator failed"

psql_db -f test/property/schema.sql -f test/property/oracle.sql -f "$work/data.sql" \
	-f test/property/compile.sql >/dev/null || fail "loading the generated data failed"
t_load=$(date +%s)

# the oracle, in a time zone of its own (it must not depend on it either)
PGOPTIONS="-c TimeZone=Pacific/Chatham" psql_db -f "$work/oracle.sql" >/dev/null \
	|| fail "the oracle SQL failed (a generator bug)"
t_oracle=$(date +%s)

psql_db -f test/property/check.sql >/dev/null || fail "the checks failed to run"
t_check=$(date +%s)

# binary COPY out and back in
psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
	-c "COPY (SELECT id, r FROM prop_rules WHERE r IS NOT NULL ORDER BY id) TO STDOUT WITH (FORMAT binary)" \
	>"$work/rules.bin" || fail "binary COPY TO failed"
if ! psql_db -c "COPY prop_bin FROM STDIN WITH (FORMAT binary)" <"$work/rules.bin" 2>"$work/copy.err"; then
	psql_db -c "INSERT INTO prop_problem (what) VALUES ('binary COPY FROM failed: ' || \$\$$(head -c 400 "$work/copy.err")\$\$)" >/dev/null
fi
psql_db -f test/property/check_binary.sql >/dev/null || fail "the binary check failed to run"
end=$(date +%s)

read -r nrules ncond nform ndoc npairs <<<"$(psql_db -At -F ' ' -c "
	SELECT (SELECT count(*) FROM prop_rules), (SELECT count(*) FROM prop_rules WHERE kind = 't'),
		(SELECT count(*) FROM prop_rules WHERE kind = 'v'), (SELECT count(*) FROM prop_docs),
		(SELECT count(*) FROM prop_got)")"
nprob=$(psql_db -At -c "SELECT count(*) FROM prop_problem")
ndis=$(psql_db -At -c "SELECT count(*) FROM prop_problem WHERE did IS NOT NULL")

echo "seed $seed: $nrules rules ($ncond conditions, $nform formulas) x $ndoc documents = $npairs pairs"
psql_db -At -F ' ' -c "
	SELECT 'rule_test results:', count(*) FILTER (WHERE got_b), 'true,', count(*) FILTER (WHERE NOT got_b), 'false,',
		count(*) FILTER (WHERE got_b IS NULL), 'NULL'
	FROM prop_got WHERE kind = 't'"
psql_db -At -F ' ' -c "
	SELECT 'rule_value results:', count(*) FILTER (WHERE got_n IS NOT NULL), 'numbers,',
		count(*) FILTER (WHERE got_n IS NULL), 'NULL'
	FROM prop_got WHERE kind = 'v'"
echo "time: generate+load $((t_load - start))s, oracle $((t_oracle - t_load))s, checks $((t_check - t_oracle))s, binary copy $((end - t_check))s"

if [ "$nprob" != 0 ]; then
	echo "$nprob problem(s); the first ones:"
	PGOPTIONS="-c TimeZone=UTC" psql_db -At -c "
		SELECT format(E'rule %s%s: %s\\n  text:      %s\\n  canonical: %s%s', p.rid, coalesce(' doc ' || p.did, ''), p.what,
			replace(replace(r.src, E'\\n', '\\n'), E'\\t', '\\t'), r.canon,
			coalesce(E'\\n  doc:       ' || d.doc::text || E'\\n  at:        ' || d.at::text, ''))
		FROM (SELECT * FROM prop_problem ORDER BY rid NULLS FIRST, did LIMIT 15) p
		LEFT JOIN prop_rules r ON r.id = p.rid LEFT JOIN prop_docs d ON d.id = p.did
		ORDER BY p.rid NULLS FIRST, p.did"
	echo "(reproduce with PROPERTY_SEED=$seed PROPERTY_KEEP=1 and look at table prop_problem in database $db)"
	echo "$nrules rules x $ndoc docs: $ndis disagreements, $((nprob - ndis)) other problems"
	exit 1
fi
echo "canonical text, fixed point, equality, hash, rule_attributes, rule_send and binary COPY: all $nrules rules ok"
echo "$nrules rules x $ndoc docs: 0 disagreements"
