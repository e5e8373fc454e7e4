#!/usr/bin/env bash
# Stage deviation on real CRM data (Maven Analytics "CRM Sales Opportunities",
# $SALESOPS_DATA/crm): engage_date to close_date is the dwell of an Engaging
# stage, segmented by product and by the account's sector.  Every deal goes
# through move_deal(); the baselines, the stalled deals as of the data set's
# last date and the alerts are checked against plain SQL computed
# independently from the raw CSV.  Prints one verdict line; skips when the
# data is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${SALESOPS_DATA:-$PWD/../shared/data}
for f in sales_pipeline.csv accounts.csv sales_teams.csv; do
	if [ ! -r "$DATA/crm/$f" ]; then
		echo "skipped: $DATA/crm/$f not found (set SALESOPS_DATA)"
		exit 0
	fi
done

db=salesops_pipeline_realdata
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1' EXIT

# rows that are Won or Lost, counted straight from the file
closed_in_file=$(awk -F, 'NR > 1 && ($5 == "Won" || $5 == "Lost") && $6 != "" && $7 != ""' "$DATA/crm/sales_pipeline.csv" | wc -l)

psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -v closed_in_file="$closed_in_file" -d "$db" <<SQL
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION pg_salesops;
CREATE TABLE crm_deal (opportunity_id text, sales_agent text, product text, account text,
					   deal_stage text, engage_date text, close_date text, close_value numeric);
CREATE TABLE crm_account (account text, sector text, year_established int, revenue numeric,
						  employees int, office_location text, subsidiary_of text);
CREATE TABLE crm_team (sales_agent text, manager text, regional_office text);
\copy crm_deal FROM '$DATA/crm/sales_pipeline.csv' CSV HEADER
\copy crm_account FROM '$DATA/crm/accounts.csv' CSV HEADER
\copy crm_team FROM '$DATA/crm/sales_teams.csv' CSV HEADER

-- the raw deals with parsed dates and their segment attributes
CREATE TABLE deal AS
SELECT d.opportunity_id AS deal_id, d.deal_stage, d.product, a.sector,
	   to_date(d.engage_date, 'MM/DD/YYYY')::timestamptz AS engaged,
	   to_date(d.close_date, 'MM/DD/YYYY')::timestamptz AS closed,
	   jsonb_strip_nulls(jsonb_build_object('product', d.product, 'sector', a.sector, 'owner', d.sales_agent,
											'manager', t.manager, 'region', t.regional_office)) AS segment
  FROM crm_deal d
  LEFT JOIN crm_account a USING (account)
  LEFT JOIN crm_team t USING (sales_agent)
 WHERE d.engage_date IS NOT NULL;

SELECT salesops.define_pipeline('crm', segment_keys => '{product,sector}') \gset
SELECT salesops.define_stage('crm', 'Prospecting', 1, 'Opportunity logged against a named account') \gset
SELECT salesops.define_stage('crm', 'Engaging', 2, 'First qualified conversation held with the account') \gset
SELECT salesops.define_stage('crm', 'Won', 3, 'Deal closed won with a close value', terminal => true) \gset
SELECT salesops.define_stage('crm', 'Lost', 4, 'Deal closed lost', terminal => true) \gset

-- every transition through move_deal, in time order per deal
SELECT count(*) AS moves FROM (
	SELECT salesops.move_deal('crm', deal_id, 'Engaging', engaged, segment) FROM deal
	UNION ALL
	SELECT salesops.move_deal('crm', deal_id, deal_stage, closed) FROM deal WHERE deal_stage IN ('Won', 'Lost')) m \gset
SELECT salesops.refresh_baselines('crm') AS baselines \gset
SELECT greatest(max(engaged), max(closed)) AS as_of, greatest(max(engaged), max(closed))::date AS as_of_date FROM deal \gset

CREATE FUNCTION pg_temp.check(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'check failed: %', what;
	END IF;
END \$\$;

-- the plain-SQL truth: completed Engaging visits, in seconds
CREATE TABLE done AS
SELECT deal_id, product, sector, date_part('epoch', closed - engaged) AS x FROM deal WHERE deal_stage IN ('Won', 'Lost');
SELECT pg_temp.check((SELECT count(*) FROM done) = :closed_in_file, 'completed visits match the Won and Lost rows of the file');
SELECT pg_temp.check((SELECT samples FROM salesops.stage_baseline WHERE stage = 'Engaging' AND segment = '{}') = :closed_in_file,
					 'the stage baseline counts every completed Engaging visit');

-- moments exact against avg and stddev_samp
SELECT pg_temp.check(abs(salesops.mean(b.stats) - t.m) / t.m < 1e-9 AND abs(salesops.stddev(b.stats) - t.sd) / t.sd < 1e-9
					 AND abs(salesops.log_mean(b.stats) - t.lm) / t.lm < 1e-9 AND abs(salesops.log_stddev(b.stats) - t.lsd) / t.lsd < 1e-9,
					 'stage baseline moments within 1e-9 of SQL')
  FROM salesops.stage_baseline b,
	   (SELECT avg(x) m, stddev_samp(x) sd, avg(ln(1 + x)) lm, stddev_samp(ln(1 + x)) lsd FROM done) t
 WHERE b.stage = 'Engaging' AND b.segment = '{}';
SELECT pg_temp.check(count(*) = 0, 'every product and sector baseline within 1e-9 of SQL')
  FROM salesops.stage_baseline b
  JOIN (SELECT product, sector, count(*) n, avg(x) m, stddev_samp(x) sd FROM done GROUP BY 1, 2) t
	ON b.segment = jsonb_strip_nulls(jsonb_build_object('product', t.product, 'sector', t.sector))
 WHERE b.samples <> t.n OR abs(salesops.mean(b.stats) - t.m) / t.m >= 1e-9
	OR (t.n > 1 AND abs(salesops.stddev(b.stats) - t.sd) / t.sd >= 1e-9);
SELECT pg_temp.check(count(*) = (SELECT count(DISTINCT (product, sector)) FROM done), 'one baseline per product and sector')
  FROM salesops.stage_baseline WHERE stage = 'Engaging' AND segment <> '{}';

-- roll-ups: product and sector baselines from the product x sector ones
SELECT pg_temp.check(count(*) = 0, 'rolling product x sector up to product equals summarising by product')
  FROM (SELECT b.segment ->> 'product' AS product, salesops.merge_stats(b.stats) AS s
		  FROM salesops.stage_baseline b WHERE b.stage = 'Engaging' AND b.segment <> '{}' GROUP BY 1) r
  JOIN (SELECT product, salesops.dwell_stats(x) AS s FROM done GROUP BY 1) d USING (product)
 WHERE split_part(r.s::text, 'sketch=', 2) <> split_part(d.s::text, 'sketch=', 2)
	OR salesops.sample_count(r.s) <> salesops.sample_count(d.s)
	OR abs(salesops.mean(r.s) - salesops.mean(d.s)) / salesops.mean(d.s) > 1e-12;
CREATE TABLE by_sector AS
SELECT b.segment ->> 'sector' AS sector, salesops.merge_stats(b.stats) AS s
  FROM salesops.stage_baseline b WHERE b.stage = 'Engaging' AND b.segment <> '{}' GROUP BY 1;
SELECT pg_temp.check(sum(salesops.sample_count(s)) = :closed_in_file, 'rolling up to sectors keeps every visit') FROM by_sector;

-- the sketch against percentile_cont
SELECT max(abs(salesops.quantile(b.stats, q) - e.v) / (1 + e.v)) AS sketch_error,
	   round(100 * max(abs(salesops.quantile(b.stats, q) - e.v) / (1 + e.v))::numeric, 2) AS sketch_error_pct
  FROM salesops.stage_baseline b,
	   (SELECT q, percentile_cont(q) WITHIN GROUP (ORDER BY x) v FROM done, unnest(ARRAY[0.5, 0.9]) q GROUP BY q) e
 WHERE b.stage = 'Engaging' AND b.segment = '{}' \gset
SELECT pg_temp.check(:sketch_error <= 0.021, 'median and p90 of the sketch within 2.1% of percentile_cont');

-- stalled as of the last date, computed again in plain SQL: a segment
-- with at least 30 completed visits is its own baseline, else the stage
CREATE TABLE expected_stalled AS
WITH seg AS (SELECT product, sector, count(*) n, avg(x) m, stddev_samp(x) sd FROM done GROUP BY 1, 2),
	 stage AS (SELECT avg(x) m, stddev_samp(x) sd FROM done)
SELECT o.deal_id, CASE WHEN seg.n >= 30 THEN 'segment' ELSE 'stage' END AS baseline_used,
	   (date_part('epoch', :'as_of'::timestamptz - o.engaged) - coalesce(CASE WHEN seg.n >= 30 THEN seg.m END, stage.m))
	   / coalesce(CASE WHEN seg.n >= 30 THEN seg.sd END, stage.sd) AS z
  FROM deal o CROSS JOIN stage
  LEFT JOIN seg ON seg.product = o.product AND seg.sector IS NOT DISTINCT FROM o.sector
 WHERE o.deal_stage = 'Engaging';
DELETE FROM expected_stalled WHERE z <= 1.5;
CREATE TABLE flagged AS SELECT * FROM salesops.stalled_deals_at(:'as_of') WHERE pipeline = 'crm';
SELECT pg_temp.check(count(*) = 0, 'stalled_deals flags exactly the deals plain SQL flags, against the same baselines')
  FROM expected_stalled e FULL JOIN flagged f USING (deal_id)
 WHERE e.deal_id IS NULL OR f.deal_id IS NULL OR e.baseline_used <> f.baseline_used OR abs(e.z - f.zscore) > 1e-9;
SELECT count(*) AS open_deals FROM deal WHERE deal_stage = 'Engaging' \gset
SELECT count(*) AS flagged, count(*) FILTER (WHERE baseline_used = 'stage') AS on_stage,
	   round(avg(date_part('epoch', dwell)) / 86400) AS mean_dwell_days FROM flagged \gset
SELECT pg_temp.check(:flagged > 0 AND :flagged < :open_deals, 'some but not all open Engaging deals are stalled');
SELECT count(*) AS fallback_segments FROM salesops.stage_baseline WHERE stage = 'Engaging' AND segment <> '{}' AND samples < 30 \gset

-- alerts: one per flagged deal, at the level its z-score earns, the rep told
SELECT salesops.scan_stalled('crm', :'as_of') AS raised \gset
SELECT pg_temp.check(:raised = :flagged, 'one alert raised per stalled deal');
SELECT pg_temp.check(count(*) = 0, 'levels follow the default policy (z 2.5 for level 2, 3.5 for level 3)')
  FROM salesops.alert a JOIN flagged f USING (deal_id)
 WHERE a.level <> CASE WHEN f.zscore >= 3.5 THEN 3 WHEN f.zscore >= 2.5 THEN 2 ELSE 1 END;
SELECT pg_temp.check(count(*) = 0, 'each rep is told about their own deal')
  FROM salesops.alert_notification n JOIN salesops.alert a USING (alert_id)
  JOIN crm_deal d ON d.opportunity_id = a.deal_id
 WHERE n.notified_role = 'owner' AND n.recipient IS DISTINCT FROM d.sales_agent;
SELECT count(*) FILTER (WHERE level = 1) AS l1, count(*) FILTER (WHERE level = 2) AS l2,
	   count(*) FILTER (WHERE level = 3) AS l3 FROM salesops.alert \gset
SELECT pg_temp.check(:raised = 0 OR salesops.scan_stalled('crm', :'as_of') = 0, 'a second scan raises nothing');
SELECT round((salesops.mean(stats) / 86400)::numeric, 1) AS mean_days, round((salesops.median(stats) / 86400)::numeric, 1) AS median_days
  FROM salesops.stage_baseline WHERE stage = 'Engaging' AND segment = '{}' \gset

\echo pipeline_realdata: :closed_in_file completed Engaging visits (mean :mean_days d, median :median_days d, sketch error :sketch_error_pct%), :baselines baselines (:fallback_segments product x sector segments below 30 fall back), :flagged of :open_deals open Engaging deals stalled as of :as_of_date (:on_stage judged on the stage; plain SQL agrees), alerts L1 :l1 / L2 :l2 / L3 :l3
SQL
