-- Stage-deviation statistics: pipelines of milestone stages, stage history,
-- the dwell_stats type and aggregate, baselines per stage and segment,
-- stalled deals, alerts that escalate, and process-health views.
--
-- plpgsql functions pin search_path; SQL functions and views use standard
-- SQL bodies, bound when the extension is created, so that no operator or
-- function of the caller's search path can capture a call.

-- ---------------------------------------------------------------------------
-- The type salesops.dwell_stats
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.dwell_stats;

CREATE FUNCTION @extschema@.dwell_stats_in(cstring) RETURNS @extschema@.dwell_stats
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.dwell_stats_out(@extschema@.dwell_stats) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.dwell_stats_recv(internal) RETURNS @extschema@.dwell_stats
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.dwell_stats_send(@extschema@.dwell_stats) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A fixed-size varlena aligned to double, so that the aggregate updates it
-- in place and accessors read it without copying.
CREATE TYPE @extschema@.dwell_stats (
	INPUT = @extschema@.dwell_stats_in,
	OUTPUT = @extschema@.dwell_stats_out,
	RECEIVE = @extschema@.dwell_stats_recv,
	SEND = @extschema@.dwell_stats_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.dwell_stats IS
	'Summary of dwell times in seconds: count, mean and M2, min, max, the same moments of ln(1 + seconds), and a quantile sketch with 2% relative error; mergeable';
COMMENT ON FUNCTION @extschema@.dwell_stats_in(cstring) IS
	'Text input of dwell_stats, as printed by its output; every field is validated';
COMMENT ON FUNCTION @extschema@.dwell_stats_out(@extschema@.dwell_stats) IS
	'Text output of dwell_stats: every number in its shortest exact decimal form, so that output and input round-trip exactly';
COMMENT ON FUNCTION @extschema@.dwell_stats_recv(internal) IS
	'Binary input of dwell_stats; rejects inconsistent or truncated values';
COMMENT ON FUNCTION @extschema@.dwell_stats_send(@extschema@.dwell_stats) IS
	'Binary output of dwell_stats: a format byte, the count, the moments and the non-empty run of the sketch';

-- Aggregate support.  The transition functions are not strict: the first
-- dwell time creates the state, NULL dwell times are skipped.
CREATE FUNCTION @extschema@.dwell_stats_accum(@extschema@.dwell_stats, float8) RETURNS @extschema@.dwell_stats
	AS 'MODULE_PATHNAME', 'dwell_stats_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.dwell_stats_accum(@extschema@.dwell_stats, interval) RETURNS @extschema@.dwell_stats
	AS 'MODULE_PATHNAME', 'dwell_stats_accum_interval' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.dwell_stats_combine(@extschema@.dwell_stats, @extschema@.dwell_stats) RETURNS @extschema@.dwell_stats
	AS 'MODULE_PATHNAME', 'dwell_stats_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.dwell_stats_accum(@extschema@.dwell_stats, float8) IS
	'Transition function of dwell_stats(float8): adds one dwell time in seconds';
COMMENT ON FUNCTION @extschema@.dwell_stats_accum(@extschema@.dwell_stats, interval) IS
	'Transition function of dwell_stats(interval): adds one dwell time';
COMMENT ON FUNCTION @extschema@.dwell_stats_combine(@extschema@.dwell_stats, @extschema@.dwell_stats) IS
	'Merges two summaries (Chan et al. for the moments, bucket-wise for the sketch); combine function and the + operator';

-- The state type is concrete, not internal, so PostgreSQL needs (and
-- allows) no serial/deserial functions: partial states travel between
-- parallel workers as datums, and between nodes of a distributed engine
-- through the exact text or binary form above.
CREATE AGGREGATE @extschema@.dwell_stats(float8) (
	SFUNC = @extschema@.dwell_stats_accum,
	STYPE = @extschema@.dwell_stats,
	COMBINEFUNC = @extschema@.dwell_stats_combine,
	PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.dwell_stats(interval) (
	SFUNC = @extschema@.dwell_stats_accum,
	STYPE = @extschema@.dwell_stats,
	COMBINEFUNC = @extschema@.dwell_stats_combine,
	PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.merge_stats(@extschema@.dwell_stats) (
	SFUNC = @extschema@.dwell_stats_combine,
	STYPE = @extschema@.dwell_stats,
	COMBINEFUNC = @extschema@.dwell_stats_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.dwell_stats(float8) IS
	'Summarises dwell times given in seconds; NULL for no rows; parallel safe';
COMMENT ON AGGREGATE @extschema@.dwell_stats(interval) IS
	'Summarises dwell times given as intervals (seconds as in date_part(''epoch'', ...)); NULL for no rows; parallel safe';
COMMENT ON AGGREGATE @extschema@.merge_stats(@extschema@.dwell_stats) IS
	'Rolls summaries up, e.g. segment baselines into the stage baseline; the result equals one pass over all dwell times';

CREATE OPERATOR @extschema@.+ (
	LEFTARG = @extschema@.dwell_stats, RIGHTARG = @extschema@.dwell_stats,
	FUNCTION = @extschema@.dwell_stats_combine,
	COMMUTATOR = OPERATOR(@extschema@.+)
);
COMMENT ON OPERATOR @extschema@.+ (@extschema@.dwell_stats, @extschema@.dwell_stats) IS
	'merges two dwell time summaries';

-- Accessors.  Times are in seconds; NULL where the summary is too small.
CREATE FUNCTION @extschema@.sample_count(stats @extschema@.dwell_stats) RETURNS bigint
	AS 'MODULE_PATHNAME', 'dwell_stats_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mean(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.stddev(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_stddev' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.variance(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_variance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.minimum(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_min' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.maximum(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_max' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.log_mean(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_log_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.log_stddev(stats @extschema@.dwell_stats) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_log_stddev' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile(stats @extschema@.dwell_stats, q float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.median(stats @extschema@.dwell_stats) RETURNS float8
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN @extschema@.quantile(stats, 0.5);
CREATE FUNCTION @extschema@.zscore(stats @extschema@.dwell_stats, dwell float8, method text DEFAULT 'sigma') RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_zscore' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.zscore(stats @extschema@.dwell_stats, dwell interval, method text DEFAULT 'sigma') RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_zscore_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.threshold(stats @extschema@.dwell_stats, k float8, method text DEFAULT 'sigma') RETURNS float8
	AS 'MODULE_PATHNAME', 'dwell_stats_threshold' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.sample_count(@extschema@.dwell_stats) IS
	'Number of dwell times in the summary';
COMMENT ON FUNCTION @extschema@.mean(@extschema@.dwell_stats) IS
	'Mean dwell time in seconds';
COMMENT ON FUNCTION @extschema@.stddev(@extschema@.dwell_stats) IS
	'Sample standard deviation of the dwell times in seconds, as stddev_samp; NULL below two values';
COMMENT ON FUNCTION @extschema@.variance(@extschema@.dwell_stats) IS
	'Sample variance of the dwell times in seconds squared, as var_samp; NULL below two values';
COMMENT ON FUNCTION @extschema@.minimum(@extschema@.dwell_stats) IS
	'Shortest dwell time in seconds (exact)';
COMMENT ON FUNCTION @extschema@.maximum(@extschema@.dwell_stats) IS
	'Longest dwell time in seconds (exact)';
COMMENT ON FUNCTION @extschema@.log_mean(@extschema@.dwell_stats) IS
	'Mean of ln(1 + seconds): the centre of skewed dwell times';
COMMENT ON FUNCTION @extschema@.log_stddev(@extschema@.dwell_stats) IS
	'Sample standard deviation of ln(1 + seconds); NULL below two values';
COMMENT ON FUNCTION @extschema@.quantile(@extschema@.dwell_stats, float8) IS
	'Estimated q-quantile of the dwell times in seconds, within 2% of 1 + seconds; q = 0 and 1 give the exact minimum and maximum';
COMMENT ON FUNCTION @extschema@.median(@extschema@.dwell_stats) IS
	'Estimated median dwell time in seconds: quantile(stats, 0.5)';
COMMENT ON FUNCTION @extschema@.zscore(@extschema@.dwell_stats, float8, text) IS
	'Deviations of a dwell time in seconds from the summary: sigma (mean, stddev), log (in ln(1 + seconds)) or quantile (median, (p90 - median) / 1.2816)';
COMMENT ON FUNCTION @extschema@.zscore(@extschema@.dwell_stats, interval, text) IS
	'Deviations of a dwell time from the summary, by method sigma, log or quantile';
COMMENT ON FUNCTION @extschema@.threshold(@extschema@.dwell_stats, float8, text) IS
	'The dwell time in seconds that is k deviations above the summary''s centre, by method sigma, log or quantile';

CREATE FUNCTION @extschema@.segment_key(segment jsonb, keys text[]) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_key' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.segment_key(jsonb, text[]) IS
	'The keys of a deal''s segment that define its baseline segment, as an object; {} for a NULL segment or key list';

-- ---------------------------------------------------------------------------
-- Configuration: pipelines, stages, escalation policy
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.pipeline (
	pipeline text PRIMARY KEY CHECK (pipeline <> ''),
	k float8 NOT NULL DEFAULT 1.5 CHECK (k > 0 AND k < 'Infinity'),
	method text NOT NULL DEFAULT 'sigma' CHECK (method IN ('sigma', 'log', 'quantile')),
	segment_keys text[] NOT NULL DEFAULT '{}',
	owner_key text NOT NULL DEFAULT 'owner',
	manager_key text NOT NULL DEFAULT 'manager',
	region_key text NOT NULL DEFAULT 'region',
	defined_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.pipeline IS
	'Sales pipelines: how far above its baseline a dwell time must be to stall (k and method), which segment keys define baselines, and which keys name the rep, manager and region';
COMMENT ON COLUMN @extschema@.pipeline.k IS 'Deviations above the baseline at which a deal stalls (default 1.5)';
COMMENT ON COLUMN @extschema@.pipeline.method IS 'sigma: mean + k stddev; log: the same in ln(1 + seconds); quantile: median + k (p90 - median) / 1.2816';
COMMENT ON COLUMN @extschema@.pipeline.segment_keys IS 'Keys of a deal''s segment that select its baseline, e.g. {product,industry}; empty: one baseline per stage';

CREATE TABLE @extschema@.stage (
	pipeline text NOT NULL REFERENCES @extschema@.pipeline ON UPDATE CASCADE ON DELETE CASCADE,
	stage text NOT NULL CHECK (stage <> ''),
	position integer NOT NULL CHECK (position > 0),
	milestone text NOT NULL CHECK (pg_catalog.btrim(milestone) <> ''),
	exit_rule @extschema@.rule,
	terminal boolean NOT NULL DEFAULT false,
	PRIMARY KEY (pipeline, stage),
	UNIQUE (pipeline, position)
);
COMMENT ON TABLE @extschema@.stage IS
	'Stages of each pipeline, in order: each a concrete, checkable milestone, optionally with an exit rule that must hold before a deal advances';
COMMENT ON COLUMN @extschema@.stage.terminal IS 'Won, lost and similar end states: deals there are closed, have no dwell and never stall';

CREATE TABLE @extschema@.escalation_policy (
	pipeline text NOT NULL REFERENCES @extschema@.pipeline ON UPDATE CASCADE ON DELETE CASCADE,
	level integer NOT NULL CHECK (level BETWEEN 1 AND 3),
	min_zscore float8 CHECK (min_zscore > 0),
	min_hours_unacknowledged float8 CHECK (min_hours_unacknowledged >= 0),
	notify_role text NOT NULL CHECK (notify_role IN ('owner', 'manager', 'expert', 'regional_vp')),
	notify_who text,
	PRIMARY KEY (pipeline, level),
	CHECK (level > 1 OR (min_zscore IS NULL AND min_hours_unacknowledged IS NULL)),
	CHECK (notify_role <> 'expert' OR notify_who IS NOT NULL)
);
COMMENT ON TABLE @extschema@.escalation_policy IS
	'Alert levels per pipeline: level 1 for every stalled deal, levels 2 and 3 when the z-score or the hours unacknowledged reach their thresholds; who is told at each level';
COMMENT ON COLUMN @extschema@.escalation_policy.notify_who IS 'A fixed recipient (an expert team, a VP); NULL: the owner, manager or region named in the deal''s segment';

-- ---------------------------------------------------------------------------
-- Stage history, baselines, alerts, activity log
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.stage_history (
	pipeline text NOT NULL,
	deal_id text NOT NULL,
	stage text NOT NULL,
	entered_at timestamptz NOT NULL,
	left_at timestamptz,
	segment jsonb NOT NULL DEFAULT '{}',
	transition_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	FOREIGN KEY (pipeline, stage) REFERENCES @extschema@.stage ON UPDATE CASCADE,
	CHECK (left_at >= entered_at)
);
CREATE UNIQUE INDEX stage_history_open ON @extschema@.stage_history (pipeline, deal_id) WHERE left_at IS NULL;
CREATE INDEX stage_history_deal ON @extschema@.stage_history (deal_id, entered_at);
COMMENT ON TABLE @extschema@.stage_history IS
	'Every stage a deal entered, when, and when it left (NULL: its current stage); segment holds the deal''s attributes (segment keys, owner, manager, region)';

CREATE TABLE @extschema@.stage_baseline (
	pipeline text NOT NULL,
	stage text NOT NULL,
	segment jsonb NOT NULL,
	stats @extschema@.dwell_stats NOT NULL,
	samples bigint NOT NULL,
	refreshed_at timestamptz NOT NULL,
	PRIMARY KEY (pipeline, stage, segment),
	FOREIGN KEY (pipeline, stage) REFERENCES @extschema@.stage ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE @extschema@.stage_baseline IS
	'Dwell time summaries of completed stage visits, per stage and baseline segment; segment {} is the whole stage, the fallback for small segments';

CREATE TABLE @extschema@.alert (
	alert_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	pipeline text NOT NULL,
	deal_id text NOT NULL,
	stage text NOT NULL,
	entered_at timestamptz NOT NULL,
	level integer NOT NULL CHECK (level BETWEEN 1 AND 3),
	zscore float8,
	dwell interval NOT NULL,
	threshold interval,
	baseline_used text NOT NULL CHECK (baseline_used IN ('segment', 'stage')),
	baseline_segment jsonb NOT NULL,
	owner text,
	manager text,
	region text,
	raised_at timestamptz NOT NULL,
	escalated_at timestamptz NOT NULL,
	unacknowledged_since timestamptz,
	acknowledged_at timestamptz,
	acknowledged_by text,
	note text,
	resolved_at timestamptz,
	resolution text
);
CREATE UNIQUE INDEX alert_open ON @extschema@.alert (pipeline, deal_id, stage) WHERE resolved_at IS NULL;
COMMENT ON TABLE @extschema@.alert IS
	'Stalled-deal alerts: one open alert per deal and stage, its level only rises, it resolves when the deal moves; zscore and dwell as of the last raise or escalation';

CREATE TABLE @extschema@.alert_notification (
	notification_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	alert_id bigint NOT NULL REFERENCES @extschema@.alert ON DELETE CASCADE,
	event text NOT NULL CHECK (event IN ('raised', 'escalated')),
	level integer NOT NULL,
	notified_role text NOT NULL,
	recipient text,
	sent_at timestamptz NOT NULL
);
CREATE INDEX alert_notification_alert ON @extschema@.alert_notification (alert_id);
COMMENT ON TABLE @extschema@.alert_notification IS
	'Who was told about each alert, at which level and when (one row per recipient of each raise or escalation)';

CREATE TABLE @extschema@.deal_activity (
	activity_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	deal_id text NOT NULL,
	occurred_at timestamptz NOT NULL,
	kind text NOT NULL,
	initiated_by text NOT NULL,
	department text,
	-- no foreign key: pg_dump restores the data of an extension's tables
	-- without deferring constraints, and a row may answer a later row id
	responds_to bigint
);
CREATE INDEX deal_activity_deal ON @extschema@.deal_activity (deal_id, occurred_at);
CREATE INDEX deal_activity_responds_to ON @extschema@.deal_activity (responds_to) WHERE responds_to IS NOT NULL;
COMMENT ON TABLE @extschema@.deal_activity IS
	'Deal activity log: initiated_by = ''customer'' marks customer-initiated contact; responds_to is the activity_id of the request a row answers, across departments when the departments differ';

-- pg_dump keeps configuration and the history users cannot recreate.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.pipeline', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stage', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.escalation_policy', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stage_history', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stage_baseline', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_notification', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.deal_activity', '');
-- one call per statement: each call updates the catalogue row of the extension
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.stage_history', 'transition_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alert', 'alert_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alert_notification', 'notification_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.deal_activity', 'activity_id')::pg_catalog.regclass, '');

-- ---------------------------------------------------------------------------
-- Defining pipelines and stages
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.pipeline_settings(pipeline text) RETURNS @extschema@.pipeline
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	result @extschema@.pipeline;
BEGIN
	IF pipeline_settings.pipeline IS NULL THEN
		RAISE EXCEPTION 'pipeline must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO result FROM @extschema@.pipeline p WHERE p.pipeline = pipeline_settings.pipeline;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'pipeline "%" does not exist', pipeline_settings.pipeline
			USING ERRCODE = 'undefined_object',
				  HINT = 'Define it with salesops.define_pipeline().';
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.pipeline_settings(text) IS
	'The settings of a pipeline; raises an error naming the pipeline when it does not exist';

CREATE FUNCTION @extschema@.define_pipeline(pipeline text, k float8 DEFAULT 1.5, method text DEFAULT 'sigma',
											segment_keys text[] DEFAULT '{}', owner_key text DEFAULT 'owner',
											manager_key text DEFAULT 'manager', region_key text DEFAULT 'region')
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	old_keys text[];
BEGIN
	IF define_pipeline.pipeline IS NULL OR btrim(define_pipeline.pipeline) = '' THEN
		RAISE EXCEPTION 'pipeline name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF define_pipeline.k IS NULL OR NOT define_pipeline.k > 0 THEN
		RAISE EXCEPTION 'stall threshold k must be greater than zero'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('k was %s.', coalesce(define_pipeline.k::text, 'NULL')),
				  HINT = 'k counts standard deviations above the baseline; the default is 1.5.';
	END IF;
	IF define_pipeline.k = 'Infinity' THEN
		RAISE EXCEPTION 'stall threshold k must be finite' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF define_pipeline.method IS NULL OR define_pipeline.method NOT IN ('sigma', 'log', 'quantile') THEN
		RAISE EXCEPTION 'unknown stall detection method "%"', coalesce(define_pipeline.method, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use sigma (mean and standard deviation), log (the same of log dwell times) or quantile (median and 90th percentile).';
	END IF;
	IF define_pipeline.segment_keys IS NULL OR array_position(define_pipeline.segment_keys, NULL) IS NOT NULL
	   OR define_pipeline.owner_key IS NULL OR define_pipeline.manager_key IS NULL OR define_pipeline.region_key IS NULL THEN
		RAISE EXCEPTION 'segment, owner, manager and region keys must not be null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass ''{}'' for a pipeline without segments.';
	END IF;

	SELECT p.segment_keys INTO old_keys FROM @extschema@.pipeline p WHERE p.pipeline = define_pipeline.pipeline;
	INSERT INTO @extschema@.pipeline AS p (pipeline, k, method, segment_keys, owner_key, manager_key, region_key)
	VALUES (define_pipeline.pipeline, define_pipeline.k, define_pipeline.method, define_pipeline.segment_keys,
			define_pipeline.owner_key, define_pipeline.manager_key, define_pipeline.region_key)
	ON CONFLICT (pipeline) DO UPDATE
		SET k = EXCLUDED.k, method = EXCLUDED.method, segment_keys = EXCLUDED.segment_keys,
			owner_key = EXCLUDED.owner_key, manager_key = EXCLUDED.manager_key, region_key = EXCLUDED.region_key;
	-- segment baselines of other keys no longer match any deal
	IF old_keys IS DISTINCT FROM define_pipeline.segment_keys THEN
		DELETE FROM @extschema@.stage_baseline b
		 WHERE b.pipeline = define_pipeline.pipeline AND b.segment <> '{}'::jsonb;
	END IF;
	-- a new pipeline starts with the default escalation: the rep, after two
	-- days or at z 2.5 the manager, after five days or at z 3.5 the regional VP
	INSERT INTO @extschema@.escalation_policy (pipeline, level, min_zscore, min_hours_unacknowledged, notify_role)
	VALUES (define_pipeline.pipeline, 1, NULL, NULL, 'owner'),
		   (define_pipeline.pipeline, 2, 2.5, 48, 'manager'),
		   (define_pipeline.pipeline, 3, 3.5, 120, 'regional_vp')
	ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION @extschema@.define_pipeline(text, float8, text, text[], text, text, text) IS
	'Creates or redefines a pipeline: stall threshold k (default 1.5) and method (sigma, log, quantile), baseline segment keys, and the segment keys naming rep, manager and region';

CREATE FUNCTION @extschema@.define_stage(pipeline text, stage text, "position" integer, milestone text,
										 exit_rule @extschema@.rule DEFAULT NULL, terminal boolean DEFAULT false)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	taken text;
BEGIN
	PERFORM @extschema@.pipeline_settings(define_stage.pipeline);
	IF define_stage.stage IS NULL OR btrim(define_stage.stage) = '' THEN
		RAISE EXCEPTION 'stage name must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF define_stage."position" IS NULL OR define_stage."position" < 1 THEN
		RAISE EXCEPTION 'stage position must be a positive integer'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('Stage "%s" was given position %s.', define_stage.stage,
								  coalesce(define_stage."position"::text, 'NULL'));
	END IF;
	IF define_stage.milestone IS NULL OR btrim(define_stage.milestone) = '' THEN
		RAISE EXCEPTION 'stage "%" needs a milestone', define_stage.stage
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A stage is a concrete, checkable milestone that a deal has reached.',
				  HINT = 'Describe what is true when the deal leaves the stage, such as "POC environment deployed".';
	END IF;
	IF define_stage.terminal IS NULL THEN
		RAISE EXCEPTION 'terminal must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- an exit rule is a condition: a formula is refused here, by the rule room
	IF define_stage.exit_rule IS NOT NULL THEN
		PERFORM @extschema@.rule_test(define_stage.exit_rule, '{}'::jsonb, now());
	END IF;
	SELECT s.stage INTO taken FROM @extschema@.stage s
	 WHERE s.pipeline = define_stage.pipeline AND s.position = define_stage."position"
	   AND s.stage <> define_stage.stage;
	IF FOUND THEN
		RAISE EXCEPTION 'position % is already taken by stage "%" in pipeline "%"',
			define_stage."position", taken, define_stage.pipeline
			USING ERRCODE = 'unique_violation',
				  HINT = 'Give each stage of a pipeline its own position.';
	END IF;
	INSERT INTO @extschema@.stage AS s (pipeline, stage, position, milestone, exit_rule, terminal)
	VALUES (define_stage.pipeline, define_stage.stage, define_stage."position", define_stage.milestone,
			define_stage.exit_rule, define_stage.terminal)
	ON CONFLICT (pipeline, stage) DO UPDATE
		SET position = EXCLUDED.position, milestone = EXCLUDED.milestone,
			exit_rule = EXCLUDED.exit_rule, terminal = EXCLUDED.terminal;
END
$$;
COMMENT ON FUNCTION @extschema@.define_stage(text, text, integer, text, @extschema@.rule, boolean) IS
	'Creates or redefines a stage: its position, the milestone it stands for (required), an optional exit rule a deal must meet to advance, and whether it is terminal';

CREATE FUNCTION @extschema@.set_escalation(pipeline text, level integer, min_zscore float8,
										   min_hours_unacknowledged float8, notify_role text,
										   notify_who text DEFAULT NULL)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM @extschema@.pipeline_settings(set_escalation.pipeline);
	IF set_escalation.level IS NULL OR set_escalation.level NOT IN (1, 2, 3) THEN
		RAISE EXCEPTION 'escalation level must be 1, 2 or 3'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('level was %s.', coalesce(set_escalation.level::text, 'NULL'));
	END IF;
	IF set_escalation.level = 1 AND (set_escalation.min_zscore IS NOT NULL
									 OR set_escalation.min_hours_unacknowledged IS NOT NULL) THEN
		RAISE EXCEPTION 'escalation level 1 takes no thresholds'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Every stalled deal raises an alert at level 1 at least.',
				  HINT = 'Pass NULL for min_zscore and min_hours_unacknowledged.';
	END IF;
	IF NOT coalesce(set_escalation.min_zscore > 0, true) THEN
		RAISE EXCEPTION 'min_zscore must be greater than zero'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('min_zscore was %s.', set_escalation.min_zscore);
	END IF;
	IF NOT coalesce(set_escalation.min_hours_unacknowledged >= 0, true) THEN
		RAISE EXCEPTION 'min_hours_unacknowledged must not be negative'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('min_hours_unacknowledged was %s.', set_escalation.min_hours_unacknowledged);
	END IF;
	IF set_escalation.notify_role IS NULL
	   OR set_escalation.notify_role NOT IN ('owner', 'manager', 'expert', 'regional_vp') THEN
		RAISE EXCEPTION 'unknown notify role "%"', coalesce(set_escalation.notify_role, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use owner, manager, expert or regional_vp.';
	END IF;
	IF set_escalation.notify_role = 'expert' AND set_escalation.notify_who IS NULL THEN
		RAISE EXCEPTION 'notify role "expert" needs a recipient'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name the expert or team in notify_who.';
	END IF;
	INSERT INTO @extschema@.escalation_policy AS e
		(pipeline, level, min_zscore, min_hours_unacknowledged, notify_role, notify_who)
	VALUES (set_escalation.pipeline, set_escalation.level, set_escalation.min_zscore,
			set_escalation.min_hours_unacknowledged, set_escalation.notify_role, set_escalation.notify_who)
	ON CONFLICT (pipeline, level) DO UPDATE
		SET min_zscore = EXCLUDED.min_zscore, min_hours_unacknowledged = EXCLUDED.min_hours_unacknowledged,
			notify_role = EXCLUDED.notify_role, notify_who = EXCLUDED.notify_who;
END
$$;
COMMENT ON FUNCTION @extschema@.set_escalation(text, integer, float8, float8, text, text) IS
	'Sets one level of a pipeline''s escalation policy: the z-score or hours unacknowledged that reach it and who is told';

-- ---------------------------------------------------------------------------
-- Transitions
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.move_deal(pipeline text, deal_id text, stage text,
									  at timestamptz DEFAULT now(), segment jsonb DEFAULT NULL)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	target @extschema@.stage;
	leaving @extschema@.stage;
	cur @extschema@.stage_history;
	attributes jsonb;
	passed boolean;
BEGIN
	PERFORM @extschema@.pipeline_settings(move_deal.pipeline);
	IF move_deal.deal_id IS NULL OR move_deal.stage IS NULL OR move_deal.at IS NULL THEN
		RAISE EXCEPTION 'deal id, stage and time of a transition must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO target FROM @extschema@.stage s
	 WHERE s.pipeline = move_deal.pipeline AND s.stage = move_deal.stage;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'stage "%" does not exist in pipeline "%"', move_deal.stage, move_deal.pipeline
			USING ERRCODE = 'undefined_object',
				  DETAIL = coalesce((SELECT format('The stages of pipeline "%s" are %s.', move_deal.pipeline,
												   string_agg(format('"%s"', s.stage), ', ' ORDER BY s.position))
									   FROM @extschema@.stage s WHERE s.pipeline = move_deal.pipeline
									 HAVING count(*) > 0),
									format('Pipeline "%s" has no stages yet.', move_deal.pipeline)),
				  HINT = 'Define the stage with salesops.define_stage() first.';
	END IF;

	-- One mover per deal at a time: a concurrent move of the same deal waits
	-- here, then reads the history this one committed.
	PERFORM pg_advisory_xact_lock(hashtext('salesops.move_deal'),
								  hashtext(move_deal.pipeline || E'\x1f' || move_deal.deal_id));
	SELECT * INTO cur FROM @extschema@.stage_history h
	 WHERE h.pipeline = move_deal.pipeline AND h.deal_id = move_deal.deal_id AND h.left_at IS NULL
	   FOR UPDATE;
	-- attributes given are merged over those the deal had
	attributes := coalesce(cur.segment, '{}'::jsonb) || coalesce(move_deal.segment, '{}'::jsonb);
	IF cur.transition_id IS NOT NULL THEN
		IF move_deal.at < cur.entered_at THEN
			RAISE EXCEPTION 'cannot move deal "%" back in time', move_deal.deal_id
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = format('The deal entered stage "%s" at %s, after the requested %s.',
									  cur.stage, cur.entered_at, move_deal.at),
					  HINT = 'Record transitions in the order they happened.';
		END IF;
		IF cur.stage = move_deal.stage THEN
			RETURN false;		-- already there: a repeated call changes nothing
		END IF;
		SELECT * INTO leaving FROM @extschema@.stage s
		 WHERE s.pipeline = cur.pipeline AND s.stage = cur.stage;
		-- advancing requires the milestone; closing or going back does not
		IF leaving.exit_rule IS NOT NULL AND NOT target.terminal AND target.position > leaving.position THEN
			passed := @extschema@.rule_test(leaving.exit_rule, attributes, move_deal.at);
			IF passed IS NOT TRUE THEN
				RAISE EXCEPTION 'deal "%" has not reached the milestone of stage "%"', move_deal.deal_id, cur.stage
					USING ERRCODE = 'check_violation',
						  DETAIL = format('Milestone: %s. The exit rule %s is %s for the deal''s attributes.',
										  leaving.milestone, leaving.exit_rule, coalesce(passed::text, 'unknown')),
						  HINT = 'Record the milestone in the deal''s segment attributes, or close the deal in a terminal stage.';
			END IF;
		END IF;
		UPDATE @extschema@.stage_history h SET left_at = move_deal.at
		 WHERE h.transition_id = cur.transition_id;
		UPDATE @extschema@.alert a
		   SET resolved_at = greatest(move_deal.at, a.raised_at),
			   resolution = format('deal moved to %s', move_deal.stage)
		 WHERE a.pipeline = cur.pipeline AND a.deal_id = cur.deal_id AND a.stage = cur.stage
		   AND a.resolved_at IS NULL;
	END IF;
	INSERT INTO @extschema@.stage_history (pipeline, deal_id, stage, entered_at, segment)
	VALUES (move_deal.pipeline, move_deal.deal_id, move_deal.stage, move_deal.at, attributes);
	RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.move_deal(text, text, text, timestamptz, jsonb) IS
	'Records that a deal entered a stage: closes its open stage, opens the new one, resolves its open alert; false when the deal is already there; refuses unknown stages, moves back in time and advances without the milestone';

CREATE FUNCTION @extschema@.stage_history_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'stage_history_trigger' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.stage_history_trigger() IS
	'Trigger attached by track_stages(): calls move_deal() when a row''s stage is new or changed; arguments are pipeline, deal column, stage column and segment columns';

CREATE FUNCTION @extschema@.track_stages(tbl regclass, deal_column name, stage_column name, pipeline text,
										 segment_columns name[] DEFAULT '{}')
	RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	col name;
	unknown text;
	trigger_name text;
	args text := '';
	segment_expr text := '''{}''::jsonb';
	seeded integer;
BEGIN
	PERFORM @extschema@.pipeline_settings(track_stages.pipeline);
	IF tbl IS NULL OR (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
		RAISE EXCEPTION 'relation "%" is not a table', tbl USING ERRCODE = 'wrong_object_type';
	END IF;
	FOREACH col IN ARRAY ARRAY[deal_column, stage_column] || coalesce(segment_columns, '{}'::name[]) LOOP
		IF col IS NULL OR NOT EXISTS (SELECT 1 FROM pg_attribute a
									   WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', coalesce(col, 'NULL'), tbl
				USING ERRCODE = 'undefined_column';
		END IF;
	END LOOP;

	-- every stage in the table must be known before anything is written
	EXECUTE format('SELECT string_agg(DISTINCT format(''"%%s"'', t.%1$I::text), '', '')
					  FROM %2$s t
					 WHERE t.%1$I IS NOT NULL
					   AND NOT EXISTS (SELECT 1 FROM @extschema@.stage s
										WHERE s.pipeline = $1 AND s.stage = t.%1$I::text)',
				   stage_column, tbl)
		INTO unknown USING track_stages.pipeline;
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'table "%" holds stages unknown to pipeline "%"', tbl, track_stages.pipeline
			USING ERRCODE = 'undefined_object',
				  DETAIL = format('Unknown stages: %s.', unknown),
				  HINT = 'Define them with salesops.define_stage() first.';
	END IF;

	trigger_name := left('salesops_track_' || track_stages.pipeline, 63);
	args := format('%L, %L, %L', track_stages.pipeline, deal_column, stage_column);
	IF cardinality(segment_columns) > 0 THEN
		args := args || (SELECT string_agg(format(', %L', c), '' ORDER BY o) FROM unnest(segment_columns) WITH ORDINALITY u(c, o));
		segment_expr := format('pg_catalog.jsonb_build_object(%s)',
							   (SELECT string_agg(format('%L::text, t.%I', c, c), ', ' ORDER BY o)
								  FROM unnest(segment_columns) WITH ORDINALITY u(c, o)));
	END IF;
	IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = tbl AND t.tgname = trigger_name) THEN
		EXECUTE format('DROP TRIGGER %I ON %s', trigger_name, tbl);
	END IF;
	EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OF %I ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.stage_history_trigger(%s)',
				   trigger_name, stage_column, tbl, args);

	-- rows already in a stage enter it now, unless the deal has an open stage
	EXECUTE format('INSERT INTO @extschema@.stage_history (pipeline, deal_id, stage, entered_at, segment)
					SELECT $1, t.%1$I::text, t.%2$I::text, pg_catalog.now(), %4$s
					  FROM %3$s t
					 WHERE t.%1$I IS NOT NULL AND t.%2$I IS NOT NULL
					   AND NOT EXISTS (SELECT 1 FROM @extschema@.stage_history h
										WHERE h.pipeline = $1 AND h.deal_id = t.%1$I::text AND h.left_at IS NULL)',
				   deal_column, stage_column, tbl, segment_expr)
		USING track_stages.pipeline;
	GET DIAGNOSTICS seeded = ROW_COUNT;
	RETURN seeded;
END
$$;
COMMENT ON FUNCTION @extschema@.track_stages(regclass, name, name, text, name[]) IS
	'Attaches the stage tracking trigger to a deals table, so that updates of its stage column are recorded by move_deal(); rows already in a stage enter it now; returns their number';

-- ---------------------------------------------------------------------------
-- Baselines and stalled deals
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.refresh_baselines(pipeline text) RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	p @extschema@.pipeline;
	stages text[];
	segments jsonb[];
	summaries @extschema@.dwell_stats[];
	stored integer;
BEGIN
	p := @extschema@.pipeline_settings(refresh_baselines.pipeline);
	PERFORM pg_advisory_xact_lock(hashtext('salesops.refresh_baselines'), hashtext(p.pipeline));
	-- one pass over the completed visits, as a parallel aggregate: run by
	-- EXECUTE, because a static SELECT ... INTO asks for one row and so
	-- never launches workers
	EXECUTE 'SELECT array_agg(g.stage), array_agg(g.segment), array_agg(g.stats)
			   FROM (SELECT h.stage, @extschema@.segment_key(h.segment, $2) AS segment,
							@extschema@.dwell_stats(h.left_at - h.entered_at) AS stats
					   FROM @extschema@.stage_history h
					   JOIN @extschema@.stage s ON s.pipeline = h.pipeline AND s.stage = h.stage
					  WHERE h.pipeline = $1 AND h.left_at IS NOT NULL AND NOT s.terminal
					  GROUP BY 1, 2) g'
		INTO stages, segments, summaries
		USING p.pipeline, p.segment_keys;

	DELETE FROM @extschema@.stage_baseline b WHERE b.pipeline = p.pipeline;
	-- segment baselines, and the stage baseline rolled up from them
	INSERT INTO @extschema@.stage_baseline (pipeline, stage, segment, stats, samples, refreshed_at)
	SELECT p.pipeline, r.stage, r.segment, r.stats, @extschema@.sample_count(r.stats), now()
	  FROM (SELECT u.stage, u.segment, u.stats
			  FROM unnest(stages, segments, summaries) AS u(stage, segment, stats)
			 WHERE u.segment <> '{}'::jsonb
			UNION ALL
			SELECT u.stage, '{}'::jsonb, @extschema@.merge_stats(u.stats)
			  FROM unnest(stages, segments, summaries) AS u(stage, segment, stats)
			 GROUP BY u.stage) r;
	GET DIAGNOSTICS stored = ROW_COUNT;
	RETURN stored;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_baselines(text) IS
	'Recomputes the dwell time baselines of a pipeline from its completed stage visits, per stage and baseline segment, and per stage; returns the number stored';

CREATE FUNCTION @extschema@.stalled_deals_at(as_of timestamptz)
	RETURNS TABLE (pipeline text, deal_id text, stage text, segment jsonb,
				   owner text, manager text, region text,
				   entered_at timestamptz, dwell interval, zscore float8, threshold interval,
				   method text, k float8,
				   baseline_used text, baseline_segment jsonb, baseline_samples bigint,
				   baseline_mean interval, baseline_stddev interval, baseline_median interval)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	-- each baseline reduced to numbers once: where the method centres it,
	-- how wide one deviation is (in ln(1 + seconds) for log), the threshold
	WITH base AS MATERIALIZED (
		SELECT b.pipeline, b.stage, b.segment, b.samples,
			   CASE p.method WHEN 'sigma' THEN @extschema@.mean(b.stats)
							 WHEN 'log' THEN @extschema@.log_mean(b.stats)
							 ELSE @extschema@.median(b.stats) END AS center,
			   CASE p.method WHEN 'sigma' THEN @extschema@.stddev(b.stats)
							 WHEN 'log' THEN @extschema@.log_stddev(b.stats)
							 ELSE (@extschema@.quantile(b.stats, 0.9) - @extschema@.median(b.stats)) / 1.2815515655446004 END AS scale,
			   @extschema@.threshold(b.stats, p.k, p.method) AS threshold_seconds,
			   @extschema@.mean(b.stats) AS mean_seconds,
			   @extschema@.stddev(b.stats) AS stddev_seconds,
			   @extschema@.median(b.stats) AS median_seconds
		  FROM @extschema@.stage_baseline b
		  JOIN @extschema@.pipeline p ON p.pipeline = b.pipeline
		 WHERE b.samples >= coalesce(nullif(current_setting('salesops.min_baseline_samples', true), '')::integer, 30)
	)
	SELECT o.pipeline, o.deal_id, o.stage, o.segment,
		   o.segment ->> p.owner_key, o.segment ->> p.manager_key, o.segment ->> p.region_key,
		   o.entered_at, date_trunc('second', as_of - o.entered_at),
		   -- as zscore() computes it; a stalled deal is above the centre
		   CASE WHEN coalesce(bs.scale, bp.scale) > 0
				THEN (CASE WHEN p.method = 'log' THEN ln(1 + d.seconds) ELSE d.seconds END
					  - coalesce(bs.center, bp.center)) / coalesce(bs.scale, bp.scale)
				ELSE 'Infinity'::float8 END,
		   justify_hours(make_interval(secs => round(coalesce(bs.threshold_seconds, bp.threshold_seconds)))),
		   p.method, p.k,
		   CASE WHEN bs.pipeline IS NULL THEN 'stage' ELSE 'segment' END,
		   coalesce(bs.segment, bp.segment),
		   coalesce(bs.samples, bp.samples),
		   justify_hours(make_interval(secs => round(coalesce(bs.mean_seconds, bp.mean_seconds)))),
		   justify_hours(make_interval(secs => round(coalesce(bs.stddev_seconds, bp.stddev_seconds)))),
		   justify_hours(make_interval(secs => round(coalesce(bs.median_seconds, bp.median_seconds))))
	  FROM @extschema@.stage_history o
	  JOIN @extschema@.pipeline p ON p.pipeline = o.pipeline
	  JOIN @extschema@.stage s ON s.pipeline = o.pipeline AND s.stage = o.stage
	  CROSS JOIN LATERAL (SELECT date_part('epoch', as_of - o.entered_at) AS seconds) d
	  LEFT JOIN base bs ON bs.pipeline = o.pipeline AND bs.stage = o.stage
					   AND bs.segment = @extschema@.segment_key(o.segment, p.segment_keys)
					   AND bs.segment <> '{}'::jsonb
	  LEFT JOIN base bp ON bp.pipeline = o.pipeline AND bp.stage = o.stage AND bp.segment = '{}'::jsonb
	 WHERE o.left_at IS NULL AND NOT s.terminal AND o.entered_at <= as_of
	   AND d.seconds > coalesce(bs.threshold_seconds, bp.threshold_seconds);
END;
COMMENT ON FUNCTION @extschema@.stalled_deals_at(timestamptz) IS
	'Open deals whose dwell at the given time exceeds their baseline by more than the pipeline''s k deviations, with dwell, threshold, z-score and the baseline used (segment, or the stage when the segment has too few samples)';

CREATE VIEW @extschema@.stalled_deals AS
	SELECT * FROM @extschema@.stalled_deals_at(now());
COMMENT ON VIEW @extschema@.stalled_deals IS
	'Open deals whose current dwell exceeds their baseline by more than k deviations (k and method per pipeline), with dwell, baseline, z-score and which baseline was used';

-- ---------------------------------------------------------------------------
-- Alerts and escalation
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.scan_stalled(pipeline text DEFAULT NULL, as_of timestamptz DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	clock timestamptz := coalesce(scan_stalled.as_of, now());
	notify boolean := coalesce(nullif(current_setting('salesops.notify_alerts', true), '')::boolean, true);
	events integer;
BEGIN
	IF scan_stalled.pipeline IS NOT NULL THEN
		PERFORM @extschema@.pipeline_settings(scan_stalled.pipeline);
	END IF;
	-- scans take turns, so that two never raise the same alert
	PERFORM pg_advisory_xact_lock(hashtext('salesops.scan_stalled'), 0);

	WITH policy AS (
		SELECT e.pipeline,
			   max(e.min_zscore) FILTER (WHERE e.level = 2) AS z2,
			   max(e.min_zscore) FILTER (WHERE e.level = 3) AS z3,
			   max(e.min_hours_unacknowledged) FILTER (WHERE e.level = 2) AS h2,
			   max(e.min_hours_unacknowledged) FILTER (WHERE e.level = 3) AS h3
		  FROM @extschema@.escalation_policy e
		 GROUP BY e.pipeline
	),
	judged AS (
		SELECT sd.*, a.alert_id, coalesce(a.level, 0) AS previous_level,
			   greatest(coalesce(a.level, 0), 1,
						CASE WHEN sd.zscore >= pol.z3 THEN 3 WHEN sd.zscore >= pol.z2 THEN 2 ELSE 1 END,
						CASE WHEN w.hours >= pol.h3 THEN 3 WHEN w.hours >= pol.h2 THEN 2 ELSE 1 END) AS level
		  FROM @extschema@.stalled_deals_at(clock) sd
		  LEFT JOIN policy pol ON pol.pipeline = sd.pipeline
		  LEFT JOIN @extschema@.alert a
				 ON a.pipeline = sd.pipeline AND a.deal_id = sd.deal_id AND a.stage = sd.stage
				AND a.resolved_at IS NULL
		  CROSS JOIN LATERAL (SELECT date_part('epoch', clock - a.unacknowledged_since) / 3600 AS hours) w
		 WHERE scan_stalled.pipeline IS NULL OR sd.pipeline = scan_stalled.pipeline
	),
	raised AS (
		INSERT INTO @extschema@.alert AS a
			(pipeline, deal_id, stage, entered_at, level, zscore, dwell, threshold, baseline_used,
			 baseline_segment, owner, manager, region, raised_at, escalated_at, unacknowledged_since)
		SELECT j.pipeline, j.deal_id, j.stage, j.entered_at, j.level, j.zscore, j.dwell, j.threshold,
			   j.baseline_used, j.baseline_segment, j.owner, j.manager, j.region, clock, clock, clock
		  FROM judged j
		 WHERE j.alert_id IS NULL
		RETURNING a.alert_id, a.pipeline, a.deal_id, a.stage, a.level, 0 AS previous_level,
				  a.zscore, a.dwell, a.owner, a.manager, a.region
	),
	escalated AS (
		UPDATE @extschema@.alert a
		   SET level = j.level, zscore = j.zscore, dwell = j.dwell, threshold = j.threshold,
			   baseline_used = j.baseline_used, baseline_segment = j.baseline_segment,
			   escalated_at = clock,
			   unacknowledged_since = coalesce(a.unacknowledged_since, clock)
		  FROM judged j
		 WHERE a.alert_id = j.alert_id AND j.level > a.level
		RETURNING a.alert_id, a.pipeline, a.deal_id, a.stage, a.level, j.previous_level,
				  a.zscore, a.dwell, a.owner, a.manager, a.region
	),
	happened AS (
		SELECT r.*, 'raised' AS event FROM raised r
		UNION ALL
		SELECT e.*, 'escalated' FROM escalated e
	),
	told AS (
		INSERT INTO @extschema@.alert_notification AS n (alert_id, event, level, notified_role, recipient, sent_at)
		SELECT h.alert_id, h.event, e.level, e.notify_role,
			   coalesce(e.notify_who, CASE e.notify_role WHEN 'owner' THEN h.owner
														  WHEN 'manager' THEN h.manager
														  WHEN 'regional_vp' THEN h.region END),
			   clock
		  FROM happened h
		  JOIN @extschema@.escalation_policy e
			ON e.pipeline = h.pipeline AND e.level > h.previous_level AND e.level <= h.level
		RETURNING n.alert_id, n.level, n.notified_role, n.recipient
	),
	recipients AS (
		SELECT t.alert_id,
			   json_agg(json_build_object('level', t.level, 'role', t.notified_role, 'who', t.recipient)
						ORDER BY t.level) AS told
		  FROM told t
		 GROUP BY t.alert_id
	)
	SELECT count(CASE WHEN notify THEN pg_notify('salesops_alert', x.payload) END) + count(*) FILTER (WHERE NOT notify)
	  INTO events
	  FROM (SELECT json_build_object('alert_id', h.alert_id, 'event', h.event,
									  'pipeline', h.pipeline, 'deal_id', h.deal_id, 'stage', h.stage,
									  'level', h.level, 'previous_level', h.previous_level,
									  'zscore', round(h.zscore::numeric, 2),
									  'dwell_hours', round((date_part('epoch', h.dwell) / 3600)::numeric, 1),
									  'at', clock, 'told', coalesce(r.told, '[]'::json))::text AS payload
			  FROM happened h
			  LEFT JOIN recipients r ON r.alert_id = h.alert_id
			 ORDER BY h.alert_id) x;
	RETURN events;
END
$$;
COMMENT ON FUNCTION @extschema@.scan_stalled(text, timestamptz) IS
	'Turns stalled deals into alerts, raising new ones and escalating open ones by the escalation policy; records and NOTIFYs (channel salesops_alert) who is told; returns the number of raises and escalations';

CREATE FUNCTION @extschema@.acknowledge_alert(alert_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	a @extschema@.alert;
BEGIN
	SELECT * INTO a FROM @extschema@.alert x WHERE x.alert_id = acknowledge_alert.alert_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'alert % does not exist', coalesce(acknowledge_alert.alert_id::text, 'NULL')
			USING ERRCODE = 'undefined_object';
	END IF;
	IF a.resolved_at IS NOT NULL THEN
		RAISE EXCEPTION 'alert % is already resolved', a.alert_id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('It was resolved at %s: %s.', a.resolved_at, a.resolution);
	END IF;
	UPDATE @extschema@.alert x
	   SET acknowledged_at = coalesce(acknowledge_alert.at, now()), acknowledged_by = current_user,
		   note = coalesce(acknowledge_alert.note, x.note), unacknowledged_since = NULL
	 WHERE x.alert_id = a.alert_id;
END
$$;
COMMENT ON FUNCTION @extschema@.acknowledge_alert(bigint, text, timestamptz) IS
	'Acknowledges an open alert with a note: stops its escalation by time (a higher z-score still escalates it)';

CREATE VIEW @extschema@.red_alert_pool AS
	SELECT a.region, a.alert_id, a.pipeline, a.deal_id, a.stage, a.owner, a.manager,
		   a.entered_at, date_trunc('second', now() - a.entered_at) AS dwell, a.zscore, a.threshold,
		   a.raised_at, a.escalated_at, a.acknowledged_at, a.acknowledged_by, a.note
	  FROM @extschema@.alert a
	 WHERE a.level = 3 AND a.resolved_at IS NULL;
COMMENT ON VIEW @extschema@.red_alert_pool IS
	'Open alerts at level 3, per region: the deals the regional VP sees';

-- ---------------------------------------------------------------------------
-- Process health
-- ---------------------------------------------------------------------------

CREATE VIEW @extschema@.cross_department_response AS
	SELECT h.pipeline, h.stage, @extschema@.segment_key(h.segment, p.segment_keys) AS segment,
		   q.department AS requested_by, r.department AS responded_by,
		   count(*) AS responses,
		   justify_hours(make_interval(secs => round(avg(date_part('epoch', r.occurred_at - q.occurred_at))))) AS mean_response_time,
		   justify_hours(make_interval(secs => round(percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', r.occurred_at - q.occurred_at)))))
			   AS median_response_time
	  FROM @extschema@.deal_activity r
	  JOIN @extschema@.deal_activity q ON q.activity_id = r.responds_to
	  JOIN @extschema@.stage_history h
		ON h.deal_id = q.deal_id AND q.occurred_at >= h.entered_at
	   AND (h.left_at IS NULL OR q.occurred_at < h.left_at)
	  JOIN @extschema@.pipeline p ON p.pipeline = h.pipeline
	 WHERE q.department IS NOT NULL AND r.department IS NOT NULL AND q.department <> r.department
	   AND r.occurred_at >= q.occurred_at
	 GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW @extschema@.cross_department_response IS
	'Time from a request of one department to another department''s response, per stage (the stage at the request) and segment';

CREATE FUNCTION @extschema@.customer_contact_frequency_at(as_of timestamptz)
	RETURNS TABLE (pipeline text, stage text, segment jsonb, deals bigint, customer_contacts bigint,
				   deal_days float8, contacts_per_deal_per_30_days float8)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT v.pipeline, v.stage, v.segment, count(DISTINCT v.deal_id), sum(v.contacts)::bigint,
		   sum(v.days), 30 * sum(v.contacts) / nullif(sum(v.days), 0)
	  FROM (SELECT h.pipeline, h.stage, h.deal_id, @extschema@.segment_key(h.segment, p.segment_keys) AS segment,
				   date_part('epoch', least(coalesce(h.left_at, as_of), as_of) - h.entered_at) / 86400 AS days,
				   (SELECT count(*) FROM @extschema@.deal_activity a
					 WHERE a.deal_id = h.deal_id AND a.initiated_by = 'customer'
					   AND a.occurred_at >= h.entered_at
					   AND a.occurred_at < least(coalesce(h.left_at, as_of), as_of)) AS contacts
			  FROM @extschema@.stage_history h
			  JOIN @extschema@.pipeline p ON p.pipeline = h.pipeline
			  JOIN @extschema@.stage s ON s.pipeline = h.pipeline AND s.stage = h.stage
			 WHERE NOT s.terminal AND h.entered_at < as_of) v
	 GROUP BY 1, 2, 3;
END;
COMMENT ON FUNCTION @extschema@.customer_contact_frequency_at(timestamptz) IS
	'Customer-initiated activities per deal per 30 days spent in each stage, per stage and segment, counting time up to the given moment';

CREATE VIEW @extschema@.customer_contact_frequency AS
	SELECT * FROM @extschema@.customer_contact_frequency_at(now());
COMMENT ON VIEW @extschema@.customer_contact_frequency IS
	'Customer-initiated activities per deal per 30 days spent in each stage, per stage and segment';

CREATE FUNCTION @extschema@.pipeline_health_at(as_of timestamptz)
	RETURNS TABLE (pipeline text, stage text, "position" integer, segment jsonb,
				   open_deals bigint, mean_dwell interval, median_dwell interval,
				   baseline_used text, baseline_mean interval, baseline_median interval, dwell_deviation float8,
				   stalled_deals bigint, alerts_level_1 bigint, alerts_level_2 bigint, alerts_level_3 bigint,
				   cross_department_responses bigint, mean_response_time interval,
				   customer_contacts_per_deal_per_30_days float8)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH base AS MATERIALIZED (
		SELECT b.pipeline, b.stage, b.segment, @extschema@.mean(b.stats) AS mean_seconds,
			   @extschema@.stddev(b.stats) AS stddev_seconds, @extschema@.median(b.stats) AS median_seconds
		  FROM @extschema@.stage_baseline b
		 WHERE b.samples >= coalesce(nullif(current_setting('salesops.min_baseline_samples', true), '')::integer, 30)
	),
	open_deals AS (
		SELECT o.pipeline, o.stage, o.deal_id, @extschema@.segment_key(o.segment, p.segment_keys) AS segment,
			   date_part('epoch', as_of - o.entered_at) AS seconds
		  FROM @extschema@.stage_history o
		  JOIN @extschema@.pipeline p ON p.pipeline = o.pipeline
		  JOIN @extschema@.stage s ON s.pipeline = o.pipeline AND s.stage = o.stage
		 WHERE o.left_at IS NULL AND NOT s.terminal AND o.entered_at <= as_of
	),
	dwell AS (
		SELECT o.pipeline, o.stage, o.segment, count(*) AS open_deals, avg(o.seconds) AS mean_seconds,
			   percentile_cont(0.5) WITHIN GROUP (ORDER BY o.seconds) AS median_seconds,
			   count(f.deal_id) AS stalled_deals,
			   count(*) FILTER (WHERE a.level = 1) AS alerts_level_1,
			   count(*) FILTER (WHERE a.level = 2) AS alerts_level_2,
			   count(*) FILTER (WHERE a.level = 3) AS alerts_level_3
		  FROM open_deals o
		  LEFT JOIN @extschema@.stalled_deals_at(as_of) f ON f.pipeline = o.pipeline AND f.deal_id = o.deal_id
		  LEFT JOIN @extschema@.alert a
				 ON a.pipeline = o.pipeline AND a.deal_id = o.deal_id AND a.stage = o.stage AND a.resolved_at IS NULL
		 GROUP BY 1, 2, 3
	),
	responses AS (
		SELECT h.pipeline, h.stage, @extschema@.segment_key(h.segment, p.segment_keys) AS segment,
			   count(*) AS responses,
			   avg(date_part('epoch', r.occurred_at - q.occurred_at)) AS mean_seconds
		  FROM @extschema@.deal_activity r
		  JOIN @extschema@.deal_activity q ON q.activity_id = r.responds_to
		  JOIN @extschema@.stage_history h
			ON h.deal_id = q.deal_id AND q.occurred_at >= h.entered_at
		   AND (h.left_at IS NULL OR q.occurred_at < h.left_at)
		  JOIN @extschema@.pipeline p ON p.pipeline = h.pipeline
		 WHERE q.department IS NOT NULL AND r.department IS NOT NULL AND q.department <> r.department
		   AND r.occurred_at >= q.occurred_at AND q.occurred_at <= as_of
		 GROUP BY 1, 2, 3
	),
	contacts AS (
		SELECT c.pipeline, c.stage, c.segment, c.contacts_per_deal_per_30_days
		  FROM @extschema@.customer_contact_frequency_at(as_of) c
	),
	groups AS (
		SELECT g.pipeline, g.stage, g.segment FROM dwell g
		UNION
		SELECT g.pipeline, g.stage, g.segment FROM responses g
		UNION
		SELECT g.pipeline, g.stage, g.segment FROM contacts g
	)
	SELECT g.pipeline, g.stage, s.position, g.segment,
		   coalesce(d.open_deals, 0), justify_hours(make_interval(secs => round(d.mean_seconds))), justify_hours(make_interval(secs => round(d.median_seconds))),
		   CASE WHEN bs.pipeline IS NOT NULL THEN 'segment' WHEN bp.pipeline IS NOT NULL THEN 'stage' END,
		   justify_hours(make_interval(secs => round(coalesce(bs.mean_seconds, bp.mean_seconds)))),
		   justify_hours(make_interval(secs => round(coalesce(bs.median_seconds, bp.median_seconds)))),
		   (d.mean_seconds - coalesce(bs.mean_seconds, bp.mean_seconds))
			   / nullif(coalesce(bs.stddev_seconds, bp.stddev_seconds), 0),
		   coalesce(d.stalled_deals, 0), coalesce(d.alerts_level_1, 0), coalesce(d.alerts_level_2, 0),
		   coalesce(d.alerts_level_3, 0),
		   coalesce(r.responses, 0), justify_hours(make_interval(secs => round(r.mean_seconds))),
		   c.contacts_per_deal_per_30_days
	  FROM groups g
	  JOIN @extschema@.stage s ON s.pipeline = g.pipeline AND s.stage = g.stage
	  LEFT JOIN dwell d ON d.pipeline = g.pipeline AND d.stage = g.stage AND d.segment = g.segment
	  LEFT JOIN responses r ON r.pipeline = g.pipeline AND r.stage = g.stage AND r.segment = g.segment
	  LEFT JOIN contacts c ON c.pipeline = g.pipeline AND c.stage = g.stage AND c.segment = g.segment
	  LEFT JOIN base bs ON bs.pipeline = g.pipeline AND bs.stage = g.stage AND bs.segment = g.segment
					   AND g.segment <> '{}'::jsonb
	  LEFT JOIN base bp ON bp.pipeline = g.pipeline AND bp.stage = g.stage AND bp.segment = '{}'::jsonb
	 WHERE NOT s.terminal
	 ORDER BY g.pipeline, s.position, g.segment;
END;
COMMENT ON FUNCTION @extschema@.pipeline_health_at(timestamptz) IS
	'Per stage and segment at the given time: open deals, mean and median dwell, the baseline and the deviation from it, stalled deals, open alerts by level, cross-department responses and customer contact frequency';

CREATE VIEW @extschema@.pipeline_health AS
	SELECT * FROM @extschema@.pipeline_health_at(now());
COMMENT ON VIEW @extschema@.pipeline_health IS
	'Per stage and segment now: open deals, mean and median dwell, baseline and deviation from it, stalled deals, open alerts by level, cross-department response time and customer contact frequency';

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------

-- Pure functions of the type stay executable by everyone; grant them to the
-- reader role explicitly as well.
GRANT EXECUTE ON FUNCTION
	@extschema@.sample_count(@extschema@.dwell_stats),
	@extschema@.mean(@extschema@.dwell_stats),
	@extschema@.stddev(@extschema@.dwell_stats),
	@extschema@.variance(@extschema@.dwell_stats),
	@extschema@.minimum(@extschema@.dwell_stats),
	@extschema@.maximum(@extschema@.dwell_stats),
	@extschema@.log_mean(@extschema@.dwell_stats),
	@extschema@.log_stddev(@extschema@.dwell_stats),
	@extschema@.quantile(@extschema@.dwell_stats, float8),
	@extschema@.median(@extschema@.dwell_stats),
	@extschema@.zscore(@extschema@.dwell_stats, float8, text),
	@extschema@.zscore(@extschema@.dwell_stats, interval, text),
	@extschema@.threshold(@extschema@.dwell_stats, float8, text),
	@extschema@.dwell_stats(float8),
	@extschema@.dwell_stats(interval),
	@extschema@.merge_stats(@extschema@.dwell_stats),
	@extschema@.segment_key(jsonb, text[]),
	@extschema@.pipeline_settings(text),
	@extschema@.stalled_deals_at(timestamptz),
	@extschema@.pipeline_health_at(timestamptz),
	@extschema@.customer_contact_frequency_at(timestamptz)
	TO salesops_reader;
GRANT SELECT ON
	@extschema@.pipeline, @extschema@.stage, @extschema@.escalation_policy,
	@extschema@.stage_history, @extschema@.stage_baseline, @extschema@.alert,
	@extschema@.alert_notification, @extschema@.deal_activity,
	@extschema@.stalled_deals, @extschema@.red_alert_pool, @extschema@.pipeline_health,
	@extschema@.cross_department_response, @extschema@.customer_contact_frequency
	TO salesops_reader;

-- Writers record transitions, activity and acknowledgements; history is
-- appended, and only the columns move_deal and acknowledge_alert change.
REVOKE EXECUTE ON FUNCTION
	@extschema@.move_deal(text, text, text, timestamptz, jsonb),
	@extschema@.acknowledge_alert(bigint, text, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	@extschema@.move_deal(text, text, text, timestamptz, jsonb),
	@extschema@.acknowledge_alert(bigint, text, timestamptz)
	TO salesops_writer;
GRANT INSERT ON @extschema@.stage_history, @extschema@.deal_activity TO salesops_writer;
GRANT UPDATE (left_at) ON @extschema@.stage_history TO salesops_writer;
GRANT UPDATE (resolved_at, resolution, acknowledged_at, acknowledged_by, note, unacknowledged_since)
	ON @extschema@.alert TO salesops_writer;

-- Admins define pipelines, attach tracking, refresh baselines and scan.
REVOKE EXECUTE ON FUNCTION
	@extschema@.define_pipeline(text, float8, text, text[], text, text, text),
	@extschema@.define_stage(text, text, integer, text, @extschema@.rule, boolean),
	@extschema@.set_escalation(text, integer, float8, float8, text, text),
	@extschema@.track_stages(regclass, name, name, text, name[]),
	@extschema@.stage_history_trigger(),
	@extschema@.refresh_baselines(text),
	@extschema@.scan_stalled(text, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	@extschema@.define_pipeline(text, float8, text, text[], text, text, text),
	@extschema@.define_stage(text, text, integer, text, @extschema@.rule, boolean),
	@extschema@.set_escalation(text, integer, float8, float8, text, text),
	@extschema@.track_stages(regclass, name, name, text, name[]),
	@extschema@.stage_history_trigger(),
	@extschema@.refresh_baselines(text),
	@extschema@.scan_stalled(text, timestamptz)
	TO salesops_admin;
GRANT INSERT, UPDATE, DELETE ON
	@extschema@.pipeline, @extschema@.stage, @extschema@.escalation_policy,
	@extschema@.stage_history, @extschema@.stage_baseline, @extschema@.alert,
	@extschema@.alert_notification, @extschema@.deal_activity
	TO salesops_admin;
