-- The pipeline room: dwell_stats, stages and transitions, baselines,
-- stalled deals, alerts and escalation, health views, and every error
-- message of the room.
SET search_path = public, salesops;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- ===== dwell_stats: text form, accessors, merging =====

-- the text form is canonical and round-trips exactly
SELECT 'count=0'::dwell_stats;
SELECT s, s::text::dwell_stats::text = s::text AS round_trip
  FROM (SELECT dwell_stats(x) s FROM (VALUES (600.0::float8), (3600), (7200), (86400)) v(x)) t;
-- whitespace between fields is free, hex floats are read exactly
SELECT '  count=1   mean=0x1.8p+3 m2=0 min=12 max=12 log_mean=2.5649493574615367 log_m2=0 sketch=65:1  '::dwell_stats;

-- accessors on an exact small sample
CREATE TEMP TABLE dwell (x float8, part int);
INSERT INTO dwell SELECT 3600 * i, i % 3 FROM generate_series(1, 100) i;
SELECT sample_count(s), mean(s), round(stddev(s)::numeric, 6) AS stddev, round(variance(s)::numeric, 3) AS variance,
       minimum(s), maximum(s), quantile(s, 0) AS q0, quantile(s, 1) AS q1
  FROM (SELECT dwell_stats(x) s FROM dwell) t;
SELECT avg(x), round(stddev_samp(x)::numeric, 6) AS stddev_samp FROM dwell;
-- median and p90 lie within 2% of 1 + seconds
SELECT abs(median(s) - 181800) / 181801 < 0.02 AS median_ok, abs(quantile(s, 0.9) - 324360) / 324361 < 0.02 AS p90_ok
  FROM (SELECT dwell_stats(x) s FROM dwell) t;
-- interval and float8 aggregates agree; NULLs are skipped; no rows give NULL
SELECT dwell_stats(x * interval '1 second')::text = dwell_stats(x)::text AS same FROM dwell;
SELECT sample_count(dwell_stats(x)) FROM (VALUES (1.0::float8), (NULL), (2.0)) v(x);
SELECT dwell_stats(x) IS NULL AS empty FROM dwell WHERE false;
-- merging parts by operator and by aggregate equals one pass: the same
-- sketch and extremes exactly, the moments up to rounding
SELECT split_part(m::text, 'sketch=', 2) = split_part(o::text, 'sketch=', 2) AS same_sketch,
       sample_count(m) = sample_count(o) AND minimum(m) = minimum(o) AND maximum(m) = maximum(o) AS same_extremes,
       abs(mean(m) - mean(o)) / mean(o) < 1e-12 AS same_mean, abs(stddev(m) - stddev(o)) / stddev(o) < 1e-12 AS same_stddev,
       abs(log_stddev(m) - log_stddev(o)) / log_stddev(o) < 1e-12 AS same_log_stddev
  FROM (SELECT merge_stats(s) AS m FROM (SELECT dwell_stats(x) s FROM dwell GROUP BY part) p) a,
       (SELECT dwell_stats(x) AS o FROM dwell) b;
SELECT sample_count(a + b) AS merged_count, (a + b)::text = (b + a)::text AS commutes
  FROM (SELECT dwell_stats(x) FILTER (WHERE part = 0) a, dwell_stats(x) FILTER (WHERE part > 0) b FROM dwell) t;
SELECT ('count=0'::dwell_stats + s)::text = s::text AS empty_is_identity
  FROM (SELECT dwell_stats(x) s FROM dwell) t;
-- z-scores and thresholds by method
SELECT round(zscore(s, 360000.0)::numeric, 6) AS sigma, round(zscore(s, interval '100 hours')::numeric, 6) AS sigma_interval,
       round(zscore(s, 360000.0, 'log')::numeric, 6) AS log, round(zscore(s, 360000.0, 'quantile')::numeric, 6) > 0 AS quantile_positive,
       round(threshold(s, 1.5)::numeric, 3) AS threshold_sigma,
       round(zscore(s, threshold(s, 1.5, 'log'), 'log')::numeric, 9) AS k_at_log_threshold
  FROM (SELECT dwell_stats(x) s FROM dwell) t;
-- too few values for a spread, and a baseline without spread
SELECT stddev(s) IS NULL AS no_stddev, zscore(s, 10.0) IS NULL AS no_z, threshold(s, 1.5) IS NULL AS no_threshold
  FROM (SELECT dwell_stats(5.0::float8) s) t;
SELECT zscore(s, 10.0) AS above, zscore(s, 5.0) AS same, zscore(s, 1.0) AS below
  FROM (SELECT dwell_stats(5.0::float8) s FROM generate_series(1, 3)) t;
-- a value stored in a table, and its binary form, round-trip
CREATE TEMP TABLE kept (s dwell_stats);
INSERT INTO kept SELECT dwell_stats(x) FROM dwell;
SELECT current_setting('data_directory') || '/pipeline_regress.bin' AS binfile \gset
COPY kept TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE kept_copy (s dwell_stats);
COPY kept_copy FROM :'binfile' (FORMAT binary);
SELECT k.s::text = c.s::text AS binary_round_trip FROM kept k, kept_copy c;

-- ===== dwell_stats: bad input =====
SELECT dwell_stats(x) FROM (VALUES ('NaN'::float8)) v(x);
SELECT dwell_stats(x) FROM (VALUES ('Infinity'::float8)) v(x);
SELECT dwell_stats(x) FROM (VALUES (-5.0::float8)) v(x);
SELECT dwell_stats(x) FROM (VALUES (interval '-1 day')) v(x);
SELECT dwell_stats(x) FROM (VALUES (1e13::float8)) v(x);
SELECT quantile(s, 1.5) FROM kept;
SELECT quantile(s, -0.1) FROM kept;
SELECT quantile(s, 'NaN') FROM kept;
SELECT threshold(s, 0) FROM kept;
SELECT threshold(s, -1.5) FROM kept;
SELECT threshold(s, 'Infinity') FROM kept;
SELECT threshold(s, 1.5, 'median') FROM kept;
SELECT zscore(s, 1.0, 'mad') FROM kept;
-- text input
SELECT ''::dwell_stats;
SELECT 'count=-1'::dwell_stats;
SELECT 'count=x'::dwell_stats;
SELECT 'count=1 mean=abc'::dwell_stats;
SELECT 'count=1 mean=1e999 m2=0 min=1 max=1 log_mean=0 log_m2=0 sketch=1:1'::dwell_stats;
SELECT 'count=1 mean=NaN m2=0 min=1 max=1 log_mean=0 log_m2=0 sketch=1:1'::dwell_stats;
SELECT 'count=1 mean=1 m2=0 max=1 min=1 log_mean=0 log_m2=0 sketch=1:1'::dwell_stats;
SELECT 'count=1 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18'::dwell_stats;
SELECT 'count=1 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:1 extra'::dwell_stats;
SELECT ('count=2 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=0:' || repeat('0,', 512) || '2')::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=0:0*600,2'::dwell_stats;
SELECT 'count=1 mean=-1 m2=0 min=-1 max=-1 log_mean=0 log_m2=0 sketch=0:1'::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=2 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:2'::dwell_stats;
SELECT 'count=2 mean=2e12 m2=0 min=2e12 max=2e12 log_mean=28.324 log_m2=0 sketch=708:2'::dwell_stats;
SELECT 'count=1 mean=1 m2=0 min=1 max=2 log_mean=0.6931471805599453 log_m2=0 sketch=18:1'::dwell_stats;
SELECT 'count=2 mean=5 m2=0 min=1 max=2 log_mean=0.6931471805599453 log_m2=0 sketch=18:2'::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=1 max=1 log_mean=3 log_m2=0 sketch=18:2'::dwell_stats;
SELECT 'count=2 mean=1 m2=-1 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:2'::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:3'::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=17:0,2'::dwell_stats;
SELECT 'count=2 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=40:2'::dwell_stats;
-- a sketch bucket counts up to 2^32 - 1 dwell times, then refuses to wrap
SELECT 'count=4294967295 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:4294967295'::dwell_stats
	   + dwell_stats(1.0::float8);
SELECT dwell_stats_accum('count=4294967295 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:4294967295', 1.0::float8);
SELECT 'count=4294967296 mean=1 m2=0 min=1 max=1 log_mean=0.6931471805599453 log_m2=0 sketch=18:4294967296'::dwell_stats;
-- binary input: a corrupted value is refused, nothing is stored
TRUNCATE kept_copy;
SELECT dwell_stats_send(s) AS good, set_byte(dwell_stats_send(s), 0, 7) AS bad_version,
       substr(dwell_stats_send(s), 1, 40) AS cut_in_moments, substr(dwell_stats_send(s), 1, 5) AS cut_in_count,
       dwell_stats_send(s) || '\x00'::bytea AS trailing,
       -- the count (bytes 2-9) raised by one: the sketch no longer adds up
       set_byte(dwell_stats_send(s), 8, get_byte(dwell_stats_send(s), 8) + 1) AS bad_count,
       -- the number of listed buckets (bytes 62-65) set to 1000
       overlay(dwell_stats_send(s) PLACING '\x000003e8'::bytea FROM 62) AS bad_length,
       -- the first bucket count (bytes 66-69) made huge
       set_byte(dwell_stats_send(s), 65, 255) AS huge_bucket,
       -- the minimum (bytes 26-33) made NaN
       overlay(dwell_stats_send(s) PLACING '\x7ff8000000000000'::bytea FROM 26) AS nan_minimum
  FROM kept \gset
COPY (SELECT :'good'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'bad_version'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'cut_in_moments'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'cut_in_count'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'trailing'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'bad_count'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'bad_length'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'huge_bucket'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
COPY (SELECT :'nan_minimum'::bytea) TO :'binfile' (FORMAT binary);
COPY kept_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS stored FROM kept_copy;
-- a value of the wrong size read from disk is reported, not used
CREATE CAST (float8[] AS dwell_stats) WITHOUT FUNCTION;
SELECT mean('{1, 2}'::float8[]::dwell_stats);
DROP CAST (float8[] AS dwell_stats);

-- ===== segment keys =====
SELECT segment_key('{"product": "GTX", "sector": "retail", "owner": "Ann"}', '{product,sector,region}'),
       segment_key('{"product": "GTX"}', '{}'), segment_key(NULL, '{product}'), segment_key('[1, 2]', '{product}');

-- ===== pipelines and stages =====
SELECT define_pipeline('enterprise', segment_keys => '{product}');
SELECT define_stage('enterprise', 'qualified', 1, 'Budget holder confirmed in writing');
SELECT define_stage('enterprise', 'poc', 2, 'POC environment deployed', 'poc_deployed = true');
SELECT define_stage('enterprise', 'negotiation', 3, 'Commercial proposal accepted in principle');
SELECT define_stage('enterprise', 'won', 4, 'Contract signed', terminal => true);
SELECT define_stage('enterprise', 'lost', 5, 'Customer declined in writing', terminal => true);
-- redefining a stage updates it
SELECT define_stage('enterprise', 'negotiation', 3, 'Commercial proposal accepted');
SELECT pipeline, stage, position, milestone, exit_rule, terminal FROM stage ORDER BY position;
SELECT pipeline, k, method, segment_keys, owner_key, manager_key, region_key FROM pipeline;
SELECT level, min_zscore, min_hours_unacknowledged, notify_role, notify_who FROM escalation_policy ORDER BY level;

-- bad definitions: each a clear error, nothing written
SELECT define_pipeline(NULL);
SELECT define_pipeline(' ');
SELECT define_pipeline('other', k => 0);
SELECT define_pipeline('other', k => -1.5);
SELECT define_pipeline('other', k => 'Infinity');
SELECT define_pipeline('other', method => 'median');
SELECT define_pipeline('other', segment_keys => '{product,NULL}');
SELECT define_stage('nowhere', 'poc', 1, 'POC environment deployed');
SELECT define_stage(NULL, 'poc', 1, 'POC environment deployed');
SELECT define_stage('enterprise', '', 6, 'Something');
SELECT define_stage('enterprise', 'legal', 0, 'Contract through legal review');
SELECT define_stage('enterprise', 'legal', 6, '  ');
SELECT define_stage('enterprise', 'legal', 6, NULL);
SELECT define_stage('enterprise', 'legal', 6, 'Contract through legal review', terminal => NULL);
SELECT define_stage('enterprise', 'legal', 6, 'Contract through legal review', 'discount * 2');
SELECT define_stage('enterprise', 'legal', 2, 'Contract through legal review');
SELECT count(*) AS pipelines FROM pipeline;
SELECT count(*) AS stages FROM stage;

-- escalation policy
SELECT set_escalation('enterprise', 2, 2.0, 24, 'expert', 'presales team');
SELECT set_escalation('enterprise', 0, 2.0, 24, 'manager');
SELECT set_escalation('enterprise', 1, 2.0, NULL, 'owner');
SELECT set_escalation('enterprise', 2, 0, 24, 'manager');
SELECT set_escalation('enterprise', 2, 2.0, -1, 'manager');
SELECT set_escalation('enterprise', 2, 2.0, 24, 'ceo');
SELECT set_escalation('enterprise', 2, 2.0, 24, 'expert');
SELECT set_escalation('nowhere', 2, 2.0, 24, 'manager');
SELECT level, min_zscore, min_hours_unacknowledged, notify_role, notify_who FROM escalation_policy ORDER BY level;

-- ===== transitions =====
-- 60 completed qualification visits: product A takes 5 to 15 days, B 15 to 25
SELECT count(*) FILTER (WHERE moved) AS recorded
  FROM (SELECT move_deal('enterprise', format('H%s', i), 'qualified', timestamptz '2026-01-01' + i * interval '1 hour',
						 jsonb_build_object('product', CASE WHEN i <= 40 THEN 'A' ELSE 'B' END,
											'owner', format('rep %s', i % 4), 'manager', 'Dana', 'region', 'East'))
		  FROM generate_series(1, 60) i) m(moved);
SELECT count(*) FILTER (WHERE moved) AS recorded
  FROM (SELECT move_deal('enterprise', format('H%s', i), 'poc',
						 timestamptz '2026-01-01' + i * interval '1 hour'
						 + CASE WHEN i <= 40 THEN 5 + i % 11 ELSE 15 + i % 11 END * interval '1 day')
		  FROM generate_series(1, 60) i) m(moved);
-- open deals, still being qualified
SELECT move_deal('enterprise', 'D1', 'qualified', '2026-03-10', '{"product": "A", "owner": "Ann", "manager": "Dana", "region": "East"}');
SELECT move_deal('enterprise', 'D2', 'qualified', '2026-03-06', '{"product": "A", "owner": "Ben", "manager": "Dana", "region": "West"}');
SELECT move_deal('enterprise', 'D3', 'qualified', '2026-03-01', '{"product": "B", "owner": "Cy", "manager": "Eve", "region": "West"}');
SELECT move_deal('enterprise', 'D4', 'qualified', '2026-02-25', '{"product": "C", "owner": "Ann", "manager": "Dana", "region": "East"}');
SELECT move_deal('enterprise', 'D5', 'qualified', '2026-03-20', '{"product": "A", "owner": "Ann", "manager": "Dana", "region": "East"}');
SELECT move_deal('enterprise', 'D6', 'qualified', '2026-02-20', '{"product": "A", "owner": "Di", "manager": "Dana", "region": "East"}');
-- a repeated identical call changes nothing
SELECT move_deal('enterprise', 'D5', 'qualified', '2026-03-20', '{"product": "A", "owner": "Ann", "manager": "Dana", "region": "East"}');
SELECT count(*) AS visits FROM stage_history WHERE deal_id = 'D5';
-- advancing needs the milestone of the stage left; attributes merge over earlier ones
SELECT move_deal('enterprise', 'H1', 'negotiation', '2026-02-01');
SELECT move_deal('enterprise', 'H1', 'negotiation', '2026-02-01', '{"poc_deployed": true}');
-- closing a deal needs no milestone
SELECT move_deal('enterprise', 'H2', 'lost', '2026-02-01');
SELECT deal_id, stage, entered_at, left_at, segment FROM stage_history WHERE deal_id IN ('H1', 'H2') ORDER BY deal_id, entered_at;

-- bad transitions: each a clear error, nothing written
SELECT move_deal('nowhere', 'D1', 'poc');
SELECT move_deal('enterprise', 'D1', 'demo', '2026-03-12');
SELECT move_deal('enterprise', NULL, 'poc', '2026-03-12');
SELECT move_deal('enterprise', 'D1', 'poc', NULL);
SELECT move_deal('enterprise', 'D1', 'poc', '2026-03-09');
SELECT define_pipeline('empty');
SELECT move_deal('empty', 'D1', 'poc', '2026-03-12');
SELECT count(*) AS rows, count(*) FILTER (WHERE left_at IS NULL) AS open FROM stage_history;

-- ===== baselines and stalled deals =====
SELECT refresh_baselines('enterprise');
SELECT stage, segment, samples, round((mean(stats) / 86400)::numeric, 4) AS mean_days,
	   round((stddev(stats) / 86400)::numeric, 4) AS stddev_days, round((median(stats) / 86400)::numeric, 1) AS median_days
  FROM stage_baseline ORDER BY stage, segment;
-- the stage baseline is the roll-up of its segments
SELECT split_part(m::text, 'sketch=', 2) = split_part(b.stats::text, 'sketch=', 2) AND sample_count(m) = b.samples AS rolled_up
  FROM (SELECT merge_stats(stats) m FROM stage_baseline WHERE stage = 'qualified' AND segment <> '{}') r,
	   stage_baseline b WHERE b.stage = 'qualified' AND b.segment = '{}';
-- the same numbers as plain SQL over the same visits
SELECT count(*), round((avg(date_part('epoch', left_at - entered_at)) / 86400)::numeric, 4) AS mean_days,
	   round((stddev_samp(date_part('epoch', left_at - entered_at)) / 86400)::numeric, 4) AS stddev_days
  FROM stage_history WHERE stage = 'qualified' AND left_at IS NOT NULL;
-- B has 20 completed visits, fewer than salesops.min_baseline_samples (30),
-- so D3 is judged against the whole stage; C has no baseline of its own
SELECT deal_id, dwell, round(zscore::numeric, 3) AS zscore, threshold, baseline_used, baseline_segment,
	   baseline_samples, baseline_mean, baseline_stddev, owner, manager, region
  FROM stalled_deals_at('2026-03-25') ORDER BY deal_id;
-- with B's own baseline, D3 is not stalled
SET salesops.min_baseline_samples = 20;
SELECT deal_id, baseline_used, baseline_segment, threshold FROM stalled_deals_at('2026-03-25') ORDER BY deal_id;
RESET salesops.min_baseline_samples;
-- log-space and quantile methods
SELECT define_pipeline('enterprise', k => 1.5, method => 'log', segment_keys => '{product}');
SELECT deal_id, round(zscore::numeric, 3) AS zscore, threshold, method FROM stalled_deals_at('2026-03-25') ORDER BY deal_id;
SELECT define_pipeline('enterprise', k => 1.5, method => 'quantile', segment_keys => '{product}');
SELECT deal_id, round(zscore::numeric, 3) AS zscore, threshold, method FROM stalled_deals_at('2026-03-25') ORDER BY deal_id;
SELECT define_pipeline('enterprise', segment_keys => '{product}');
SELECT refresh_baselines('nowhere');

-- ===== alerts and escalation =====
-- level 2 goes to the presales team at z 2.5 or after 48 hours unacknowledged
SELECT set_escalation('enterprise', 2, 2.5, 48, 'expert', 'presales team');
SELECT scan_stalled('enterprise', '2026-03-25');
SELECT alert_id, deal_id, stage, level, round(zscore::numeric, 3) AS zscore, dwell, baseline_used, owner, manager, region,
	   raised_at, unacknowledged_since
  FROM alert ORDER BY alert_id;
SELECT alert_id, event, level, notified_role, recipient, sent_at FROM alert_notification ORDER BY alert_id, level;
-- scanning again at the same time changes nothing
SELECT scan_stalled('enterprise', '2026-03-25');
-- Ann acknowledges D1; 49 hours after raising, D3 (unacknowledged) climbs by time
-- and D2 by its grown z-score, while D1 stays where it is
SELECT acknowledge_alert(alert_id, 'Customer on holiday until April', '2026-03-26') FROM alert WHERE deal_id = 'D1';
SELECT scan_stalled(NULL, '2026-03-27 01:00');
SELECT alert_id, deal_id, level, round(zscore::numeric, 3) AS zscore, escalated_at, unacknowledged_since,
	   acknowledged_at, acknowledged_by IS NOT NULL AS acknowledged, note
  FROM alert ORDER BY alert_id;
SELECT alert_id, event, level, notified_role, recipient, sent_at FROM alert_notification
 WHERE sent_at > '2026-03-25' ORDER BY alert_id, level;
-- 121 hours after raising: unacknowledged alerts reach the red-alert pool;
-- D1's z-score passed 2.5, which escalates it although acknowledged
SELECT scan_stalled('enterprise', '2026-03-30 01:00');
SELECT alert_id, deal_id, level, round(zscore::numeric, 3) AS zscore, escalated_at, unacknowledged_since
  FROM alert ORDER BY alert_id;
SELECT alert_id, event, level, notified_role, recipient, sent_at FROM alert_notification
 WHERE sent_at > '2026-03-27 01:00' ORDER BY alert_id, level;
SELECT region, deal_id, stage, owner, manager, round(zscore::numeric, 3) AS zscore FROM red_alert_pool ORDER BY region, deal_id;
-- moving the deal resolves its alert; a lower z-score never lowers a level
SELECT move_deal('enterprise', 'D4', 'lost', '2026-03-31');
SELECT define_pipeline('enterprise', k => 3, segment_keys => '{product}');
SELECT deal_id, round(zscore::numeric, 3) AS zscore FROM stalled_deals_at('2026-03-31') ORDER BY deal_id;
SELECT scan_stalled('enterprise', '2026-03-31');
SELECT alert_id, deal_id, level, resolved_at, resolution FROM alert ORDER BY alert_id;
SELECT define_pipeline('enterprise', segment_keys => '{product}');
SELECT acknowledge_alert(alert_id, 'too late') FROM alert WHERE deal_id = 'D4';
SELECT acknowledge_alert(9999, 'no such alert');
SELECT scan_stalled('nowhere');

-- ===== health views and the activity log =====
INSERT INTO deal_activity (activity_id, deal_id, occurred_at, kind, initiated_by, department, responds_to) VALUES
	(1, 'D1', '2026-03-11 09:00', 'request', 'sales', 'sales', NULL),
	(2, 'D1', '2026-03-13 09:00', 'response', 'technical', 'technical', 1),
	(3, 'D4', '2026-03-01 09:00', 'request', 'sales', 'sales', NULL),
	(4, 'D4', '2026-03-02 21:00', 'response', 'legal', 'legal', 3),
	(5, 'D1', '2026-03-12 10:00', 'email', 'customer', NULL, NULL),
	(6, 'D1', '2026-03-17 10:00', 'call', 'customer', NULL, NULL),
	(7, 'D4', '2026-03-05 10:00', 'call', 'customer', NULL, NULL),
	(8, 'D1', '2026-03-18 10:00', 'response', 'sales', 'sales', 6);
SELECT pipeline, stage, segment, requested_by, responded_by, responses, mean_response_time, median_response_time
  FROM cross_department_response ORDER BY 1, 2, 3, 4, 5;
SELECT stage, segment, deals, customer_contacts, round(deal_days::numeric, 2) AS deal_days,
       round(contacts_per_deal_per_30_days::numeric, 3) AS per_30_days
  FROM customer_contact_frequency_at('2026-03-31') WHERE stage = 'qualified' ORDER BY segment;
SELECT stage, position, segment, open_deals, mean_dwell, median_dwell, baseline_used, baseline_mean,
       round(dwell_deviation::numeric, 3) AS deviation, stalled_deals, alerts_level_1, alerts_level_2, alerts_level_3,
       cross_department_responses, mean_response_time, round(customer_contacts_per_deal_per_30_days::numeric, 3) AS contacts_30d
  FROM pipeline_health_at('2026-03-31');

-- ===== tracking a deals table =====
CREATE TABLE crm_deal (id int PRIMARY KEY, product text, owner text, status text);
INSERT INTO crm_deal VALUES (1, 'A', 'Ann', 'qualified'), (2, 'B', 'Ben', NULL);
SELECT track_stages('crm_deal', 'id', 'status', 'enterprise', '{product,owner}');
UPDATE crm_deal SET status = 'poc' WHERE id = 2;
UPDATE crm_deal SET owner = 'Bea' WHERE id = 2;
UPDATE crm_deal SET status = 'poc' WHERE id = 2;
INSERT INTO crm_deal VALUES (3, 'C', 'Cy', 'qualified');
SELECT deal_id, stage, left_at IS NULL AS open, segment FROM stage_history WHERE deal_id IN ('1', '2', '3') ORDER BY deal_id, transition_id;
-- an unknown stage fails the application's statement
UPDATE crm_deal SET status = 'demo' WHERE id = 1;
-- the milestone is checked on the table's columns that the trigger records
UPDATE crm_deal SET status = 'negotiation' WHERE id = 2;
-- bad tracking requests: each a clear error, no trigger attached
CREATE TABLE crm_other (id int, stage text);
INSERT INTO crm_other VALUES (1, 'qualified'), (2, 'signed'), (3, 'demo');
SELECT track_stages('crm_other', 'id', 'stage', 'enterprise');
SELECT track_stages('crm_other', 'id', 'phase', 'enterprise');
SELECT track_stages('crm_other', 'id', 'stage', 'enterprise', '{region}');
SELECT track_stages('crm_other', 'id', 'stage', 'nowhere');
CREATE VIEW crm_view AS SELECT * FROM crm_other;
SELECT track_stages('crm_view', 'id', 'stage', 'enterprise');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'crm_other'::regclass;
SELECT count(*) AS history FROM stage_history WHERE deal_id IN ('1', '2', '3') AND stage <> 'poc';
-- a table changed under the trigger
ALTER TABLE crm_deal DROP COLUMN owner;
UPDATE crm_deal SET status = 'lost' WHERE id = 3;
-- a trigger attached by hand, without arguments or at the wrong time
CREATE TRIGGER bad_args AFTER UPDATE ON crm_other FOR EACH ROW EXECUTE FUNCTION stage_history_trigger();
UPDATE crm_other SET stage = 'poc' WHERE id = 1;
DROP TRIGGER bad_args ON crm_other;
CREATE TRIGGER bad_timing BEFORE UPDATE ON crm_other FOR EACH ROW EXECUTE FUNCTION stage_history_trigger('enterprise', 'id', 'stage');
UPDATE crm_other SET stage = 'poc' WHERE id = 1;
DROP TRIGGER bad_timing ON crm_other;
CREATE TABLE crm_nullable (id int, stage text);
SELECT track_stages('crm_nullable', 'id', 'stage', 'enterprise');
INSERT INTO crm_nullable VALUES (NULL, 'qualified');
