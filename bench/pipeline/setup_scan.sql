-- bench/pipeline: a pipeline with 1,000,000 open deals and 600,000
-- completed stage visits for the baselines, bulk-loaded (move_deal is not
-- what is measured here), and the same baselines as a plain table for the
-- plain-SQL side.  Variables: :as_of.
SET client_min_messages = warning;
SET timezone = 'UTC';
DELETE FROM salesops.alert WHERE pipeline = 'bench';
DELETE FROM salesops.stage_history WHERE pipeline = 'bench';
DELETE FROM salesops.pipeline WHERE pipeline = 'bench';
SELECT salesops.define_pipeline('bench', segment_keys => '{product,region}') \gset
SELECT salesops.define_stage('bench', 'qualify', 1, 'Budget holder confirmed in writing') \gset
SELECT salesops.define_stage('bench', 'poc', 2, 'POC environment deployed') \gset
SELECT salesops.define_stage('bench', 'negotiate', 3, 'Commercial terms agreed in principle') \gset
SELECT salesops.define_stage('bench', 'won', 4, 'Contract signed', terminal => true) \gset
SELECT setseed(0.2024) \gset

-- completed visits: log-normal dwell around 12 days, per stage, product and region
INSERT INTO salesops.stage_history (pipeline, deal_id, stage, entered_at, left_at, segment)
SELECT 'bench', 'C' || i, stage, t0, t0 + dwell * interval '1 second', segment
  FROM (SELECT i, (ARRAY['qualify', 'poc', 'negotiate'])[1 + i % 3] AS stage,
			   :'as_of'::timestamptz - interval '400 days' + random() * interval '300 days' AS t0,
			   exp(ln(12 * 86400) + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS dwell,
			   jsonb_build_object('product', 'P' || (i / 3) % 5, 'region', (ARRAY['East', 'West', 'North', 'South'])[1 + (i / 15) % 4],
								  'owner', 'rep ' || i % 400, 'manager', 'manager ' || i % 40) AS segment
		  FROM generate_series(1, 600000) i) c;
-- open deals: most entered within 25 days before as_of, one in seven 25 to 80 days before
INSERT INTO salesops.stage_history (pipeline, deal_id, stage, entered_at, segment)
SELECT 'bench', 'D' || i, (ARRAY['qualify', 'poc', 'negotiate'])[1 + i % 3],
	   :'as_of'::timestamptz - CASE WHEN i % 7 = 0 THEN interval '25 days' + random() * interval '55 days'
									ELSE random() * interval '25 days' END,
	   jsonb_build_object('product', 'P' || (i / 3) % 5, 'region', (ARRAY['East', 'West', 'North', 'South'])[1 + (i / 15) % 4],
						  'owner', 'rep ' || i % 400, 'manager', 'manager ' || i % 40)
  FROM generate_series(1, 1000000) i;
VACUUM ANALYZE salesops.stage_history;
SELECT salesops.refresh_baselines('bench') \gset

-- the plain side: the same baselines as numbers, computed with avg and stddev_samp
DROP TABLE IF EXISTS bench_baseline, bench_notification, bench_alert;
CREATE TABLE bench_baseline AS
SELECT h.stage, jsonb_build_object('product', h.segment -> 'product', 'region', h.segment -> 'region') AS segment,
	   count(*) AS samples, avg(date_part('epoch', h.left_at - h.entered_at)) AS mean,
	   stddev_samp(date_part('epoch', h.left_at - h.entered_at)) AS sd
  FROM salesops.stage_history h WHERE h.pipeline = 'bench' AND h.left_at IS NOT NULL GROUP BY 1, 2
UNION ALL
SELECT h.stage, '{}', count(*), avg(date_part('epoch', h.left_at - h.entered_at)),
	   stddev_samp(date_part('epoch', h.left_at - h.entered_at))
  FROM salesops.stage_history h WHERE h.pipeline = 'bench' AND h.left_at IS NOT NULL GROUP BY 1;
ALTER TABLE bench_baseline ADD PRIMARY KEY (stage, segment);
CREATE TABLE bench_alert (LIKE salesops.alert INCLUDING ALL);
CREATE TABLE bench_notification (LIKE salesops.alert_notification INCLUDING ALL);
ALTER TABLE bench_notification ADD FOREIGN KEY (alert_id) REFERENCES bench_alert ON DELETE CASCADE;
ANALYZE bench_baseline;
