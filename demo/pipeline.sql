-- Chapter 2 of the tour: stage deviation on a pipeline of deals.
SET search_path = salesops, public;
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\pset footer off
\echo
\echo '=== 2. Stage deviation: intervene while the deal is still open ====='
\echo 'A pipeline whose stages are concrete, checkable milestones. Advancing past the POC'
\echo 'needs the deployed POC recorded on the deal; baselines are kept per industry and product:'
SELECT define_pipeline('enterprise', segment_keys => '{industry,product}');
SELECT define_stage('enterprise', 'qualified', 1, 'Budget holder confirmed in writing');
SELECT define_stage('enterprise', 'poc', 2, 'POC environment deployed', 'poc_deployed = true');
SELECT define_stage('enterprise', 'negotiation', 3, 'Commercial proposal accepted in principle');
SELECT define_stage('enterprise', 'won', 4, 'Contract signed', terminal => true);
SELECT define_stage('enterprise', 'lost', 5, 'Customer declined in writing', terminal => true);
SELECT position, stage, milestone, exit_rule, terminal FROM stage WHERE pipeline = 'enterprise' ORDER BY position;

\echo
\echo 'The sales team: reps, their managers, and the region whose VP sees the red-alert pool.'
CREATE TEMP TABLE demo_rep (rep text, manager text, region text);
INSERT INTO demo_rep VALUES
 ('Ann Lee', 'Dana Fox', 'East'), ('Ben Ode', 'Dana Fox', 'East'), ('Cy Park', 'Dana Fox', 'East'),
 ('Di Wu', 'Eli Stone', 'West'), ('Ed Marr', 'Eli Stone', 'West'), ('Flo Yang', 'Eli Stone', 'West');

\echo
\echo 'A year of deals, recorded with move_deal() as they moved. Dwell times are skewed, as real'
\echo 'ones are, and differ by industry: medical POCs take longer than retail ones.'
SELECT setseed(0.31);
CREATE FUNCTION pg_temp.gauss() RETURNS float8 LANGUAGE sql VOLATILE
	RETURN sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
CREATE TEMP TABLE demo_deal AS
SELECT d, 'DEAL-' || (1000 + d) AS deal_id,
	   (ARRAY['medical', 'retail', 'finance'])[1 + d % 3] AS industry,
	   (ARRAY['Edge Gateway', 'Analytics Suite'])[1 + (d / 3) % 2] AS product,
	   r.rep, r.manager, r.region,
	   date_trunc('hour', now() - (2 + random() * 240) * interval '1 day') AS started,
	   -- days in each stage: log-normal around 9, 20 (35 in medical) and 12 days
	   exp(ln(9) + 0.45 * pg_temp.gauss()) AS qualify_days,
	   exp(ln(CASE WHEN d % 3 = 0 THEN 35 ELSE 20 END) + 0.4 * pg_temp.gauss()) AS poc_days,
	   exp(ln(12) + 0.5 * pg_temp.gauss()) AS negotiate_days,
	   random() < 0.6 AS wins
  FROM generate_series(1, 600) d
  JOIN (SELECT row_number() OVER () - 1 AS i, * FROM demo_rep) r ON r.i = d % 6;
-- a handful of deals got stuck where deals get stuck
UPDATE demo_deal SET poc_days = poc_days * 2.2 WHERE d % 47 = 0;
UPDATE demo_deal SET qualify_days = qualify_days * 2.5 WHERE d % 53 = 0;
SELECT count(*) FILTER (WHERE moved) AS transitions_recorded
  FROM (SELECT move_deal('enterprise', deal_id, stage, at, segment) AS moved
		  FROM demo_deal,
			   LATERAL (VALUES
				 (1, 'qualified', started,
				  jsonb_build_object('industry', industry, 'product', product, 'owner', rep, 'manager', manager, 'region', region)),
				 (2, 'poc', started + qualify_days * interval '1 day', NULL),
				 (3, 'negotiation', started + (qualify_days + poc_days) * interval '1 day', '{"poc_deployed": true}'),
				 (4, CASE WHEN wins THEN 'won' ELSE 'lost' END,
				  started + (qualify_days + poc_days + negotiate_days) * interval '1 day', NULL)) AS t(step, stage, at, segment)
		 WHERE at <= now()
		 ORDER BY deal_id, step) m;
SELECT h.stage, count(*) AS deals_now
  FROM stage_history h JOIN stage s USING (pipeline, stage)
 WHERE h.pipeline = 'enterprise' AND h.left_at IS NULL GROUP BY h.stage, s.position ORDER BY s.position;

\echo
\echo 'Moving backwards in time, or past the POC without the milestone, is refused:'
\set ON_ERROR_STOP 0
SELECT move_deal('enterprise', deal_id, 'qualified', entered_at - interval '1 day')
  FROM stage_history WHERE pipeline = 'enterprise' AND left_at IS NULL AND stage = 'poc' ORDER BY deal_id LIMIT 1;
SELECT move_deal('enterprise', deal_id, 'negotiation')
  FROM stage_history WHERE pipeline = 'enterprise' AND left_at IS NULL AND stage = 'poc' ORDER BY deal_id LIMIT 1;
\set ON_ERROR_STOP 1

\echo
\echo 'Baselines: one dwell_stats value per stage and segment (count, mean, M2, min, max, the'
\echo 'moments of log dwell and a quantile sketch), computed by a parallel-safe aggregate:'
SELECT refresh_baselines('enterprise') AS baselines_stored;
SELECT stage, segment ->> 'industry' AS industry, segment ->> 'product' AS product, samples,
	   round((mean(stats) / 86400)::numeric, 1) AS mean_days, round((stddev(stats) / 86400)::numeric, 1) AS stddev_days,
	   round((median(stats) / 86400)::numeric, 1) AS median_days, round((quantile(stats, 0.9) / 86400)::numeric, 1) AS p90_days
  FROM stage_baseline b JOIN stage s USING (pipeline, stage)
 WHERE pipeline = 'enterprise' AND stage IN ('qualified', 'poc')
 ORDER BY s.position, segment;
\echo 'Segments with fewer than salesops.min_baseline_samples completed visits use the stage''s:'
SHOW salesops.min_baseline_samples;

\echo
\echo 'Stalled deals: open deals whose dwell exceeds their baseline mean by more than k = 1.5'
\echo 'standard deviations, with the baseline each was judged against:'
SELECT deal_id, stage, owner, dwell, threshold, round(zscore::numeric, 2) AS zscore, baseline_used,
	   baseline_segment ->> 'industry' AS industry, baseline_segment ->> 'product' AS product
  FROM stalled_deals WHERE pipeline = 'enterprise' ORDER BY zscore DESC;

\echo
\echo 'scan_stalled() turns them into alerts and tells people (NOTIFY salesops_alert). The first'
\echo 'scan ran three days ago; since then Cy Park acknowledged his, and today''s scan escalates'
\echo 'the alerts nobody acknowledged for 48 hours (level 2: the manager) and those whose z-score'
\echo 'grew past 3.5 (level 3: the red-alert pool of the regional VP):'
SELECT scan_stalled('enterprise', now() - interval '3 days') AS raised_three_days_ago;
SELECT count(acknowledge_alert(alert_id, 'Customer IT freeze until next week; restarts Monday', now() - interval '2 days')) AS acknowledged
  FROM alert WHERE pipeline = 'enterprise' AND owner = 'Cy Park' AND resolved_at IS NULL;
SELECT scan_stalled('enterprise') AS raised_or_escalated_today;
SELECT alert_id, deal_id, stage, level, round(zscore::numeric, 2) AS zscore, owner, raised_at::date AS raised,
	   escalated_at::date AS escalated, acknowledged_at IS NOT NULL AS acknowledged, note
  FROM alert WHERE pipeline = 'enterprise' AND resolved_at IS NULL ORDER BY level DESC, zscore DESC;
\echo 'Who was told, and when:'
SELECT a.deal_id, n.event, n.level, n.notified_role, n.recipient, n.sent_at::date AS sent
  FROM alert_notification n JOIN alert a USING (alert_id)
 WHERE a.pipeline = 'enterprise' ORDER BY a.deal_id, n.level LIMIT 12;

\echo
\echo 'The regional VPs'' red-alert pool:'
SELECT region, deal_id, stage, owner, manager, dwell, round(zscore::numeric, 2) AS zscore, raised_at::date AS raised
  FROM red_alert_pool WHERE pipeline = 'enterprise' ORDER BY region, zscore DESC;

\echo
\echo 'Process health from the activity log: how fast other departments answer sales, and how'
\echo 'often customers reach out on their own, per stage and segment.'
INSERT INTO deal_activity (activity_id, deal_id, occurred_at, kind, initiated_by, department, responds_to)
SELECT 2 * row_number() OVER (), h.deal_id, h.entered_at + interval '1 day', 'request', 'sales', 'sales', NULL
  FROM stage_history h WHERE h.pipeline = 'enterprise' AND h.stage = 'poc';
INSERT INTO deal_activity (activity_id, deal_id, occurred_at, kind, initiated_by, department, responds_to)
SELECT r.activity_id + 1, r.deal_id,
	   r.occurred_at + CASE WHEN d.industry = 'medical' THEN 4 ELSE 1.5 END * (0.5 + random()) * interval '1 day',
	   'response', 'technical', 'technical', r.activity_id
  FROM deal_activity r JOIN demo_deal d USING (deal_id) WHERE r.kind = 'request';
INSERT INTO deal_activity (activity_id, deal_id, occurred_at, kind, initiated_by)
SELECT 100000 + row_number() OVER (), h.deal_id, h.entered_at + random() * (coalesce(h.left_at, now()) - h.entered_at),
	   (ARRAY['email', 'call', 'meeting request'])[1 + floor(random() * 3)::int], 'customer'
  FROM stage_history h, generate_series(1, 3) k
 WHERE h.pipeline = 'enterprise' AND random() < CASE h.stage WHEN 'negotiation' THEN 0.9 ELSE 0.4 END;
SELECT stage, position, segment ->> 'industry' AS industry, segment ->> 'product' AS product, open_deals,
	   mean_dwell, median_dwell, baseline_used, baseline_mean, round(dwell_deviation::numeric, 2) AS deviation,
	   stalled_deals AS stalled, alerts_level_1 AS l1, alerts_level_2 AS l2, alerts_level_3 AS l3,
	   mean_response_time AS tech_response, round(customer_contacts_per_deal_per_30_days::numeric, 1) AS customer_contacts_30d
  FROM pipeline_health WHERE pipeline = 'enterprise';

\echo
\echo 'No application changes needed: track_stages() attaches a C trigger to your own deals table.'
CREATE TEMP TABLE crm_opportunity (id int PRIMARY KEY, account text, industry text, product text, owner text, status text);
INSERT INTO crm_opportunity VALUES (1, 'Nordic Clinics', 'medical', 'Edge Gateway', 'Di Wu', 'qualified');
SELECT track_stages('crm_opportunity', 'id', 'status', 'enterprise', '{industry,product,owner}') AS deals_seeded;
UPDATE crm_opportunity SET status = 'poc' WHERE id = 1;
SELECT deal_id, stage, left_at IS NULL AS current, segment FROM stage_history
 WHERE pipeline = 'enterprise' AND deal_id = '1' ORDER BY entered_at, transition_id;
