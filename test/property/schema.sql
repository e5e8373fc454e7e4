-- Tables of the property test (test/checks/rule_property.sh).
CREATE TABLE prop_docs (
	id integer PRIMARY KEY,
	doc jsonb NOT NULL,
	at timestamptz NOT NULL			-- the evaluation time passed to rule_test/rule_value
);
CREATE TABLE prop_rules (
	id integer PRIMARY KEY,
	kind "char" NOT NULL CHECK (kind IN ('t', 'v')),	-- t: rule_test, v: rule_value
	src text NOT NULL,				-- the messy spelling that is compiled
	canon text NOT NULL,			-- the canonical text README promises
	attrs text[] NOT NULL,			-- expected rule_attributes()
	r salesops.rule,				-- compiled from src
	err text						-- why src did not compile (a failure)
);
CREATE TABLE prop_want (rid integer NOT NULL, did integer NOT NULL, want_b boolean, want_n numeric);
CREATE TABLE prop_problem (rid integer, did integer, what text NOT NULL);
CREATE TABLE prop_bin (id integer, r salesops.rule);
