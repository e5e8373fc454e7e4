-- bench/pipeline: what scan_stalled('bench', :as_of) does, written as one
-- plain SQL statement over a baseline table of avg() and stddev_samp(): the
-- same open deals, the same baseline choice (the segment's own with 30 or
-- more samples, else the stage's), the same threshold (mean + 1.5 stddev),
-- the same levels (z 2.5 and 3.5), skipping deals with an open alert,
-- writing the alerts and one notification row per recipient, and one
-- pg_notify per alert.  Variables: :as_of.
WITH stalled AS (
	SELECT o.pipeline, o.deal_id, o.stage, o.entered_at, o.segment,
		   date_part('epoch', :'as_of'::timestamptz - o.entered_at) AS seconds,
		   CASE WHEN bs.stage IS NULL THEN 'stage' ELSE 'segment' END AS baseline_used,
		   coalesce(bs.segment, bp.segment) AS baseline_segment,
		   coalesce(bs.mean, bp.mean) AS mean, coalesce(bs.sd, bp.sd) AS sd
	  FROM salesops.stage_history o
	  JOIN salesops.stage s ON s.pipeline = o.pipeline AND s.stage = o.stage
	  LEFT JOIN bench_baseline bs
			 ON bs.stage = o.stage AND bs.samples >= 30 AND bs.segment <> '{}'
			AND bs.segment = jsonb_build_object('product', o.segment -> 'product', 'region', o.segment -> 'region')
	  LEFT JOIN bench_baseline bp ON bp.stage = o.stage AND bp.segment = '{}' AND bp.samples >= 30
	 WHERE o.pipeline = 'bench' AND o.left_at IS NULL AND NOT s.terminal AND o.entered_at <= :'as_of'
),
judged AS (
	SELECT st.*, (st.seconds - st.mean) / st.sd AS z
	  FROM stalled st
	 WHERE st.seconds > st.mean + 1.5 * st.sd
	   AND NOT EXISTS (SELECT 1 FROM bench_alert a
						WHERE a.pipeline = st.pipeline AND a.deal_id = st.deal_id AND a.stage = st.stage
						  AND a.resolved_at IS NULL)
),
raised AS (
	INSERT INTO bench_alert (pipeline, deal_id, stage, entered_at, level, zscore, dwell, threshold, baseline_used,
							 baseline_segment, owner, manager, region, raised_at, escalated_at, unacknowledged_since)
	SELECT j.pipeline, j.deal_id, j.stage, j.entered_at, CASE WHEN j.z >= 3.5 THEN 3 WHEN j.z >= 2.5 THEN 2 ELSE 1 END,
		   j.z, :'as_of'::timestamptz - j.entered_at, make_interval(secs => j.mean + 1.5 * j.sd), j.baseline_used,
		   j.baseline_segment, j.segment ->> 'owner', j.segment ->> 'manager', j.segment ->> 'region',
		   :'as_of', :'as_of', :'as_of'
	  FROM judged j
	RETURNING alert_id, pipeline, deal_id, stage, level, zscore, dwell, owner, manager, region
),
told AS (
	INSERT INTO bench_notification (alert_id, event, level, notified_role, recipient, sent_at)
	SELECT r.alert_id, 'raised', l.level, l.role,
		   CASE l.role WHEN 'owner' THEN r.owner WHEN 'manager' THEN r.manager ELSE r.region END, :'as_of'
	  FROM raised r
	  JOIN (VALUES (1, 'owner'), (2, 'manager'), (3, 'regional_vp')) l(level, role) ON l.level <= r.level
	RETURNING alert_id, level, notified_role, recipient
),
recipients AS (
	SELECT t.alert_id, json_agg(json_build_object('level', t.level, 'role', t.notified_role, 'who', t.recipient)
								ORDER BY t.level) AS told
	  FROM told t GROUP BY t.alert_id
)
SELECT count(pg_notify('salesops_alert',
					   json_build_object('alert_id', r.alert_id, 'event', 'raised', 'pipeline', r.pipeline,
										 'deal_id', r.deal_id, 'stage', r.stage, 'level', r.level, 'previous_level', 0,
										 'zscore', round(r.zscore::numeric, 2),
										 'dwell_hours', round((date_part('epoch', r.dwell) / 3600)::numeric, 1),
										 'at', :'as_of'::timestamptz, 'told', coalesce(t.told, '[]'::json))::text)) AS events
  FROM (SELECT * FROM raised ORDER BY alert_id) r
  LEFT JOIN recipients t USING (alert_id);
