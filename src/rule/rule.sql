-- The rule language: type salesops.rule and its functions.

CREATE TYPE @extschema@.rule;

CREATE FUNCTION @extschema@.rule_in(cstring) RETURNS @extschema@.rule
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_out(@extschema@.rule) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_recv(internal) RETURNS @extschema@.rule
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_send(@extschema@.rule) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Aligned to double so that a compiled value is evaluated in place.
CREATE TYPE @extschema@.rule (
	INPUT = @extschema@.rule_in,
	OUTPUT = @extschema@.rule_out,
	RECEIVE = @extschema@.rule_recv,
	SEND = @extschema@.rule_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.rule IS
	'A condition or formula in the pg_salesops rule language, compiled once; evaluated against a jsonb document';
COMMENT ON FUNCTION @extschema@.rule_in(cstring) IS
	'Compiles rule text into a salesops.rule; reports syntax and type errors with their position';
COMMENT ON FUNCTION @extschema@.rule_out(@extschema@.rule) IS
	'Prints a salesops.rule as canonical text (upper-case keywords, single spaces, minimal parentheses)';
COMMENT ON FUNCTION @extschema@.rule_recv(internal) IS
	'Binary input of salesops.rule: a version byte and the rule text, compiled and checked like text input';
COMMENT ON FUNCTION @extschema@.rule_send(@extschema@.rule) IS
	'Binary output of salesops.rule: a version byte and the canonical text';

-- Comparison support: equal rules have equal canonical text.
CREATE FUNCTION @extschema@.rule_eq(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.rule_ne(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.rule_lt(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_le(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_gt(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_ge(@extschema@.rule, @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_cmp(@extschema@.rule, @extschema@.rule) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_hash(@extschema@.rule) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_hash_extended(@extschema@.rule, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rule_eq(@extschema@.rule, @extschema@.rule) IS 'True when two rules have the same canonical form';
COMMENT ON FUNCTION @extschema@.rule_ne(@extschema@.rule, @extschema@.rule) IS 'True when two rules differ in canonical form';
COMMENT ON FUNCTION @extschema@.rule_lt(@extschema@.rule, @extschema@.rule) IS 'Total order of rules (by compiled size, then bytes), for B-tree indexes and UNIQUE';
COMMENT ON FUNCTION @extschema@.rule_le(@extschema@.rule, @extschema@.rule) IS 'Total order of rules (by compiled size, then bytes), for B-tree indexes and UNIQUE';
COMMENT ON FUNCTION @extschema@.rule_gt(@extschema@.rule, @extschema@.rule) IS 'Total order of rules (by compiled size, then bytes), for B-tree indexes and UNIQUE';
COMMENT ON FUNCTION @extschema@.rule_ge(@extschema@.rule, @extschema@.rule) IS 'Total order of rules (by compiled size, then bytes), for B-tree indexes and UNIQUE';
COMMENT ON FUNCTION @extschema@.rule_cmp(@extschema@.rule, @extschema@.rule) IS 'B-tree support: -1, 0 or 1';
COMMENT ON FUNCTION @extschema@.rule_hash(@extschema@.rule) IS 'Hash support, for hash joins, hash aggregation and de-duplication';
COMMENT ON FUNCTION @extschema@.rule_hash_extended(@extschema@.rule, bigint) IS 'Seeded hash support, for hash partitioning';

CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_eq,
	COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_lt,
	COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_le,
	COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_gt,
	COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.rule, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR @extschema@.= (@extschema@.rule, @extschema@.rule) IS 'rules are equal when their canonical forms are';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.rule, @extschema@.rule) IS 'rules differ in canonical form';
COMMENT ON OPERATOR @extschema@.< (@extschema@.rule, @extschema@.rule) IS 'total order of rules, for indexes';
COMMENT ON OPERATOR @extschema@.<= (@extschema@.rule, @extschema@.rule) IS 'total order of rules, for indexes';
COMMENT ON OPERATOR @extschema@.> (@extschema@.rule, @extschema@.rule) IS 'total order of rules, for indexes';
COMMENT ON OPERATOR @extschema@.>= (@extschema@.rule, @extschema@.rule) IS 'total order of rules, for indexes';

CREATE OPERATOR CLASS @extschema@.rule_ops
	DEFAULT FOR TYPE @extschema@.rule USING btree AS
	OPERATOR 1 @extschema@.<,
	OPERATOR 2 @extschema@.<=,
	OPERATOR 3 @extschema@.=,
	OPERATOR 4 @extschema@.>=,
	OPERATOR 5 @extschema@.>,
	FUNCTION 1 @extschema@.rule_cmp(@extschema@.rule, @extschema@.rule);

CREATE OPERATOR CLASS @extschema@.rule_hash_ops
	DEFAULT FOR TYPE @extschema@.rule USING hash AS
	OPERATOR 1 @extschema@.=,
	FUNCTION 1 @extschema@.rule_hash(@extschema@.rule),
	FUNCTION 2 @extschema@.rule_hash_extended(@extschema@.rule, bigint);

-- Evaluation.  Without an explicit time, time-relative functions such as
-- days_since() read the transaction start time, hence STABLE; the variants
-- with an evaluation time are IMMUTABLE and reproducible.
CREATE FUNCTION @extschema@.rule_test(rule @extschema@.rule, doc jsonb) RETURNS boolean
	AS 'MODULE_PATHNAME', 'rule_test' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_test(rule @extschema@.rule, doc jsonb, at timestamptz) RETURNS boolean
	AS 'MODULE_PATHNAME', 'rule_test_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_matches(doc jsonb, rule @extschema@.rule) RETURNS boolean
	AS 'MODULE_PATHNAME', 'rule_matches' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_value(rule @extschema@.rule, doc jsonb) RETURNS numeric
	AS 'MODULE_PATHNAME', 'rule_value' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_value(rule @extschema@.rule, doc jsonb, at timestamptz) RETURNS numeric
	AS 'MODULE_PATHNAME', 'rule_value_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_explain(rule @extschema@.rule, doc jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'rule_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_explain(rule @extschema@.rule, doc jsonb, at timestamptz) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'rule_explain_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rule_attributes(rule @extschema@.rule) RETURNS text[]
	AS 'MODULE_PATHNAME', 'rule_attributes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR @extschema@.@@ (
	LEFTARG = jsonb, RIGHTARG = @extschema@.rule, PROCEDURE = @extschema@.rule_matches
);

COMMENT ON FUNCTION @extschema@.rule_test(@extschema@.rule, jsonb) IS
	'Evaluates a condition against a document: true, false, or NULL when unknown (SQL three-valued logic)';
COMMENT ON FUNCTION @extschema@.rule_test(@extschema@.rule, jsonb, timestamptz) IS
	'Evaluates a condition against a document, with days_since() measured from the given time';
COMMENT ON FUNCTION @extschema@.rule_matches(jsonb, @extschema@.rule) IS
	'Implements doc @@ rule: the same as rule_test(rule, doc)';
COMMENT ON FUNCTION @extschema@.rule_value(@extschema@.rule, jsonb) IS
	'Evaluates a formula against a document; NULL when an input is missing or arithmetic fails';
COMMENT ON FUNCTION @extschema@.rule_value(@extschema@.rule, jsonb, timestamptz) IS
	'Evaluates a formula against a document, with days_since() measured from the given time';
COMMENT ON FUNCTION @extschema@.rule_explain(@extschema@.rule, jsonb) IS
	'Evaluates a rule and returns every step as jsonb: each expression, the value it saw and why a value is NULL';
COMMENT ON FUNCTION @extschema@.rule_explain(@extschema@.rule, jsonb, timestamptz) IS
	'Like rule_explain(rule, doc), with days_since() measured from the given time';
COMMENT ON FUNCTION @extschema@.rule_attributes(@extschema@.rule) IS
	'The document paths a rule reads, in canonical rule syntax, in order of first use';
COMMENT ON OPERATOR @extschema@.@@ (jsonb, @extschema@.rule) IS
	'doc @@ rule: does the document satisfy the rule?';

GRANT EXECUTE ON FUNCTION
	@extschema@.rule_test(@extschema@.rule, jsonb),
	@extschema@.rule_test(@extschema@.rule, jsonb, timestamptz),
	@extschema@.rule_matches(jsonb, @extschema@.rule),
	@extschema@.rule_value(@extschema@.rule, jsonb),
	@extschema@.rule_value(@extschema@.rule, jsonb, timestamptz),
	@extschema@.rule_explain(@extschema@.rule, jsonb),
	@extschema@.rule_explain(@extschema@.rule, jsonb, timestamptz),
	@extschema@.rule_attributes(@extschema@.rule)
	TO salesops_reader;
