-- pgTAP: escalation rules and the alert lifecycle.  Levels by z-score and
-- by hours unacknowledged, one open alert per deal and stage, levels that
-- only rise, acknowledgement, resolution when the deal moves, and the record
-- of who was told.
BEGIN;
SELECT plan(43);
SET LOCAL search_path = public, salesops;
SET LOCAL timezone = 'UTC';

DO $$
BEGIN
	PERFORM define_pipeline('tap_alerts', segment_keys => '{region}');
	PERFORM define_stage('tap_alerts', 'discovery', 1, 'Pain and budget documented');
	PERFORM define_stage('tap_alerts', 'proposal', 2, 'Proposal sent to the buyer');
	PERFORM define_stage('tap_alerts', 'closed', 3, 'Contract signed or declined', terminal => true);
	PERFORM define_pipeline('tap_other');
	PERFORM define_stage('tap_other', 'discovery', 1, 'Pain and budget documented');
	-- 44 completed discovery visits of 5 to 15 days in region North:
	-- mean 10 days, standard deviation 3.2 days
	PERFORM move_deal('tap_alerts', 'H' || i, 'discovery', timestamptz '2030-01-01' + i * interval '1 minute',
					  jsonb_build_object('region', 'North', 'owner', 'rep ' || i % 3, 'manager', 'Mo')),
			move_deal('tap_alerts', 'H' || i, 'proposal',
					  timestamptz '2030-01-01' + i * interval '1 minute' + (5 + i % 11) * interval '1 day')
	   FROM generate_series(1, 44) i;
END $$;
SELECT is(refresh_baselines('tap_alerts'), 2, 'two baselines: region North and the whole stage');

-- open deals placed at chosen z-scores as of 2030-03-01 (z grows 0.31 a day)
CREATE TEMP TABLE placed (deal_id text, z float8, owner text);
INSERT INTO placed VALUES ('A', -0.5, 'Ann'), ('B', 1.7, 'Bo'), ('C', 2.7, 'Cy'), ('E', 4.0, 'Ed');
DO $$
BEGIN
	PERFORM move_deal('tap_alerts', p.deal_id, 'discovery',
					  timestamptz '2030-03-01' - (mean(b.stats) + p.z * stddev(b.stats)) * interval '1 second',
					  jsonb_build_object('region', 'North', 'owner', p.owner, 'manager', 'Mo'))
	   FROM placed p, stage_baseline b WHERE b.pipeline = 'tap_alerts' AND b.segment = '{"region": "North"}';
	-- a deal of the other pipeline, long open but without a baseline to judge it
	PERFORM move_deal('tap_other', 'X', 'discovery', '2029-01-01');
END $$;

-- first scan: raised at levels by z-score
SELECT is(scan_stalled('tap_alerts', '2030-03-01'), 3, 'three alerts raised');
SELECT results_eq($$SELECT deal_id, level FROM alert WHERE pipeline = 'tap_alerts' ORDER BY deal_id$$,
				  $$VALUES ('B', 1), ('C', 2), ('E', 3)$$, 'level 1 below z 2.5, level 2 from 2.5, level 3 from 3.5');
SELECT is((SELECT round(zscore::numeric, 6) FROM alert WHERE deal_id = 'C'), 2.700000, 'the alert keeps the z-score it was raised at');
SELECT results_eq($$SELECT a.deal_id, n.event, n.level, n.notified_role, n.recipient
					  FROM alert_notification n JOIN alert a USING (alert_id) ORDER BY 1, 3$$,
				  $$VALUES ('B', 'raised', 1, 'owner', 'Bo'),
						   ('C', 'raised', 1, 'owner', 'Cy'), ('C', 'raised', 2, 'manager', 'Mo'),
						   ('E', 'raised', 1, 'owner', 'Ed'), ('E', 'raised', 2, 'manager', 'Mo'),
						   ('E', 'raised', 3, 'regional_vp', 'North')$$,
				  'everyone up to the level reached is told, each recipient taken from the deal''s segment');
SELECT ok((SELECT bool_and(sent_at = '2030-03-01') FROM alert_notification), 'notifications are stamped with the scan time');
SELECT is((SELECT count(*) FROM alert WHERE deal_id = 'A'), 0::bigint, 'a deal below k raises nothing');
SELECT is((SELECT count(*) FROM alert WHERE pipeline = 'tap_other'), 0::bigint, 'a stage without a baseline raises nothing');
SELECT results_eq($$SELECT region, deal_id FROM red_alert_pool ORDER BY deal_id$$, $$VALUES ('North', 'E')$$,
				  'level 3 alerts form the red-alert pool');

-- scanning again changes nothing
SELECT is(scan_stalled('tap_alerts', '2030-03-01'), 0, 'a second scan at the same time raises nothing');
SELECT is((SELECT count(*) FROM alert_notification), 6::bigint, 'and tells nobody again');
SELECT throws_ok($$INSERT INTO salesops.alert (pipeline, deal_id, stage, entered_at, level, dwell, baseline_used,
											   baseline_segment, raised_at, escalated_at)
				   SELECT pipeline, deal_id, stage, entered_at, 1, dwell, baseline_used, baseline_segment, raised_at, escalated_at
					 FROM salesops.alert WHERE deal_id = 'B'$$,
				 '23505', NULL, 'one open alert per deal and stage');

-- C is acknowledged; 49 hours later B, unacknowledged, climbs a level by time
SELECT lives_ok($$SELECT salesops.acknowledge_alert(alert_id, 'Call booked for Monday', '2030-03-01 08:00')
					FROM salesops.alert WHERE deal_id = 'C'$$, 'an alert is acknowledged');
SELECT ok((SELECT acknowledged_at = '2030-03-01 08:00' AND acknowledged_by = current_user AND note = 'Call booked for Monday'
				  AND unacknowledged_since IS NULL FROM alert WHERE deal_id = 'C'),
		  'acknowledgement records when, who and the note, and stops the clock');
SELECT is(scan_stalled('tap_alerts', '2030-03-03 01:00'), 1, 'one escalation after 49 hours');
SELECT results_eq($$SELECT deal_id, level FROM alert ORDER BY deal_id$$,
				  $$VALUES ('B', 2), ('C', 2), ('E', 3)$$,
				  'the unacknowledged alert reached level 2 by time; the acknowledged one did not');
SELECT ok((SELECT zscore < 2.5 FROM alert WHERE deal_id = 'B'), 'B escalated by time, not by its z-score');
SELECT results_eq($$SELECT n.event, n.level, n.notified_role, n.recipient, n.sent_at
					  FROM alert_notification n JOIN alert a USING (alert_id) WHERE a.deal_id = 'B' AND n.event = 'escalated'$$,
				  $$VALUES ('escalated', 2, 'manager', 'Mo', timestamptz '2030-03-03 01:00')$$,
				  'the escalation tells the level-2 recipient when it happens');
SELECT ok((SELECT unacknowledged_since = '2030-03-01' FROM alert WHERE deal_id = 'B'),
		  'the clock of an unacknowledged alert keeps running from its raise');

-- 121 hours after raising: B reaches level 3 by time; C's z-score passed 3.5
SELECT is(scan_stalled('tap_alerts', '2030-03-06 01:00'), 2, 'two escalations after 121 hours');
SELECT results_eq($$SELECT deal_id, level FROM alert ORDER BY deal_id$$,
				  $$VALUES ('B', 3), ('C', 3), ('E', 3)$$, 'all three at level 3');
SELECT ok((SELECT zscore >= 3.5 AND unacknowledged_since = '2030-03-06 01:00' FROM alert WHERE deal_id = 'C'),
		  'an acknowledged alert still escalates by z-score, and is unacknowledged again at the new level');
SELECT results_eq($$SELECT deal_id FROM red_alert_pool ORDER BY deal_id$$, $$VALUES ('B'), ('C'), ('E')$$,
				  'the red-alert pool holds the three');

-- levels never fall
DO $$
BEGIN
	PERFORM define_pipeline('tap_alerts', k => 10, segment_keys => '{region}');
	PERFORM set_escalation('tap_alerts', 3, 50, 500, 'regional_vp');
END $$;
SELECT is(scan_stalled('tap_alerts', '2030-03-06 02:00'), 0, 'a higher k raises and escalates nothing');
SELECT results_eq($$SELECT deal_id, level FROM alert WHERE resolved_at IS NULL ORDER BY deal_id$$,
				  $$VALUES ('B', 3), ('C', 3), ('E', 3)$$, 'and lowers no level');
DO $$
BEGIN
	PERFORM define_pipeline('tap_alerts', segment_keys => '{region}');
	PERFORM set_escalation('tap_alerts', 3, 3.5, 120, 'regional_vp');
END $$;

-- moving the deal resolves the alert
SELECT ok(move_deal('tap_alerts', 'B', 'proposal', '2030-03-07'), 'B moves on');
SELECT ok((SELECT resolved_at = '2030-03-07' AND resolution = 'deal moved to proposal' FROM alert WHERE deal_id = 'B'),
		  'its alert resolves itself when the deal moves');
SELECT throws_ok($$SELECT salesops.acknowledge_alert(alert_id, 'late') FROM salesops.alert WHERE deal_id = 'B'$$,
				 '55000', NULL, 'a resolved alert cannot be acknowledged');
SELECT throws_ok($$SELECT salesops.acknowledge_alert(-1, 'none')$$, '42704', 'alert -1 does not exist', 'an unknown alert is an error');
SELECT is((SELECT count(*) FROM red_alert_pool), 2::bigint, 'a resolved alert leaves the red-alert pool');
-- back in discovery and stalled again: a new alert, the old one stays resolved
SELECT ok(move_deal('tap_alerts', 'B', 'discovery', '2030-03-08'), 'B goes back to discovery');
SELECT is(scan_stalled('tap_alerts', '2030-04-01'), 2, 'stalled again, B gets a new alert (and A, now stalled, its first)');
SELECT results_eq($$SELECT count(*), count(*) FILTER (WHERE resolved_at IS NULL) FROM salesops.alert WHERE deal_id = 'B'$$,
				  $$VALUES (2::bigint, 1::bigint)$$, 'one resolved and one open alert for B');
SELECT ok((SELECT entered_at = '2030-03-08' FROM alert WHERE deal_id = 'B' AND resolved_at IS NULL),
		  'the new alert belongs to the new stage visit');

-- policies: a named expert at level 2, notifications written with NOTIFY off
DO $$
BEGIN
	PERFORM set_escalation('tap_alerts', 2, 2.5, 48, 'expert', 'solution architects');
	PERFORM move_deal('tap_alerts', 'F', 'discovery',
					  timestamptz '2030-04-01' - (mean(stats) + 2.9 * stddev(stats)) * interval '1 second',
					  '{"region": "North", "owner": "Fay", "manager": "Mo"}')
	   FROM stage_baseline WHERE pipeline = 'tap_alerts' AND segment = '{"region": "North"}';
END $$;
SET LOCAL salesops.notify_alerts = off;
SELECT is(scan_stalled(NULL, '2030-04-01'), 1, 'a scan of all pipelines raises F');
SELECT results_eq($$SELECT n.level, n.notified_role, n.recipient FROM alert_notification n JOIN alert a USING (alert_id)
					 WHERE a.deal_id = 'F' ORDER BY 1$$,
				  $$VALUES (1, 'owner', 'Fay'), (2, 'expert', 'solution architects')$$,
				  'a fixed recipient of the policy is told, and recorded even with NOTIFY off');
RESET salesops.notify_alerts;

-- bad policies and bad scans
SELECT throws_ok($$SELECT salesops.scan_stalled('nowhere')$$, '42704', 'pipeline "nowhere" does not exist', 'an unknown pipeline is an error');
SELECT throws_ok($$SELECT salesops.set_escalation('tap_alerts', 4, 5, 5, 'owner')$$, '22023', 'escalation level must be 1, 2 or 3',
				 'levels are 1 to 3');
SELECT throws_ok($$SELECT salesops.set_escalation('tap_alerts', 2, 2, 5, 'expert')$$, '22023', 'notify role "expert" needs a recipient',
				 'an expert must be named');

-- the health view counts the open alerts by level
SELECT results_eq($$SELECT open_deals, stalled_deals, alerts_level_1, alerts_level_2, alerts_level_3
					  FROM salesops.pipeline_health_at('2030-04-01') WHERE pipeline = 'tap_alerts' AND stage = 'discovery'$$,
				  $$VALUES (5::bigint, 5::bigint, 0::bigint, 1::bigint, 4::bigint)$$,
				  'pipeline_health counts open deals, stalled deals and open alerts by level');
-- the view and the C accessor agree on the z-score
SELECT ok((SELECT bool_and(abs(sd.zscore - zscore(b.stats, timestamptz '2030-04-01' - sd.entered_at, 'sigma')) < 1e-9)
			 FROM stalled_deals_at('2030-04-01') sd
			 JOIN stage_baseline b ON b.pipeline = sd.pipeline AND b.stage = sd.stage AND b.segment = sd.baseline_segment),
		  'stalled_deals z-scores equal zscore() of the baseline');

DO $$ BEGIN PERFORM define_pipeline('tap_alerts', method => 'log', segment_keys => '{region}'); END $$;
SELECT ok((SELECT count(*) > 0 AND bool_and(abs(sd.zscore - zscore(b.stats, timestamptz '2030-04-01' - sd.entered_at, 'log')) < 1e-9)
			 FROM stalled_deals_at('2030-04-01') sd
			 JOIN stage_baseline b ON b.pipeline = sd.pipeline AND b.stage = sd.stage AND b.segment = sd.baseline_segment
			WHERE sd.method = 'log'),
		  'log method: stalled_deals z-scores equal zscore() of the baseline');
DO $$ BEGIN PERFORM define_pipeline('tap_alerts', method => 'quantile', segment_keys => '{region}'); END $$;
SELECT ok((SELECT count(*) > 0 AND bool_and(abs(sd.zscore - zscore(b.stats, timestamptz '2030-04-01' - sd.entered_at, 'quantile')) < 1e-9)
			 FROM stalled_deals_at('2030-04-01') sd
			 JOIN stage_baseline b ON b.pipeline = sd.pipeline AND b.stage = sd.stage AND b.segment = sd.baseline_segment
			WHERE sd.method = 'quantile'),
		  'quantile method: stalled_deals z-scores equal zscore() of the baseline');

SELECT * FROM finish();
ROLLBACK;
