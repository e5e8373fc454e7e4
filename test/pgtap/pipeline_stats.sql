-- pgTAP: the statistics of salesops.dwell_stats.  Moments exact against
-- SQL's own avg/stddev_samp, combine equal to a single pass (and a parallel
-- plan), exact text round trip, and the quantile sketch's error against
-- percentile_cont, reported with diag().
BEGIN;
SELECT plan(36);
SET LOCAL search_path = public, salesops;

-- skewed dwell times: log-normal seconds around a day, 40,000 values in 8 groups
DO $$ BEGIN PERFORM setseed(0.42); END $$;
CREATE TEMP TABLE dwell AS
SELECT g, exp(11.0 + 1.1 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x
  FROM generate_series(1, 40000) i, LATERAL (SELECT i % 8 AS g) gg;
ANALYZE dwell;

CREATE TEMP TABLE truth AS
SELECT avg(x) AS mean, stddev_samp(x) AS sd, var_samp(x) AS var, avg(ln(1 + x)) AS log_mean,
       stddev_samp(ln(1 + x)) AS log_sd, min(x) AS min, max(x) AS max, count(*) AS n
  FROM dwell;
CREATE TEMP TABLE one_pass AS SELECT dwell_stats(x) AS s FROM dwell;

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE
	AS $$ SELECT abs(a - b) / greatest(abs(b), 1e-300) $$;

-- moments against SQL
SELECT is(sample_count(s), n, 'count') FROM one_pass, truth;
SELECT cmp_ok(pg_temp.rel(mean(s), mean), '<', 1e-9::float8, 'mean within 1e-9 of avg()') FROM one_pass, truth;
SELECT cmp_ok(pg_temp.rel(stddev(s), sd), '<', 1e-9::float8, 'stddev within 1e-9 of stddev_samp()') FROM one_pass, truth;
SELECT cmp_ok(pg_temp.rel(variance(s), var), '<', 1e-9::float8, 'variance within 1e-9 of var_samp()') FROM one_pass, truth;
SELECT cmp_ok(pg_temp.rel(log_mean(s), log_mean), '<', 1e-9::float8, 'log mean within 1e-9 of avg(ln(1 + x))') FROM one_pass, truth;
SELECT cmp_ok(pg_temp.rel(log_stddev(s), log_sd), '<', 1e-9::float8, 'log stddev within 1e-9 of stddev_samp(ln(1 + x))') FROM one_pass, truth;
SELECT ok(minimum(s) = min AND maximum(s) = max, 'minimum and maximum exact') FROM one_pass, truth;
SELECT ok(quantile(s, 0) = min AND quantile(s, 1) = max, 'quantiles 0 and 1 are the exact extremes') FROM one_pass, truth;

-- per group, too
SELECT is((SELECT count(*) FROM (
	SELECT g, dwell_stats(x) s, avg(x) m, stddev_samp(x) sd, avg(ln(1 + x)) lm, stddev_samp(ln(1 + x)) lsd
	  FROM dwell GROUP BY g) t
	WHERE pg_temp.rel(mean(s), m) < 1e-9 AND pg_temp.rel(stddev(s), sd) < 1e-9
	  AND pg_temp.rel(log_mean(s), lm) < 1e-9 AND pg_temp.rel(log_stddev(s), lsd) < 1e-9), 8::bigint,
	'moments of every group within 1e-9 of SQL');

-- numerically stable: a large offset does not destroy the variance
SELECT cmp_ok(pg_temp.rel(stddev(dwell_stats(1e9 + x)), stddev_samp(1e9 + x)), '<', 1e-9::float8,
	'stddev of values offset by 1e9 seconds still within 1e-9')
  FROM (SELECT (i % 100)::float8 AS x FROM generate_series(1, 10000) i) t;

-- interval input agrees with seconds
SELECT is((SELECT dwell_stats(x * interval '1 second')::text FROM dwell WHERE g = 3),
		  (SELECT dwell_stats(date_part('epoch', x * interval '1 second')) FROM dwell WHERE g = 3)::text,
		  'the interval aggregate equals the float8 aggregate of date_part(''epoch'', ...)');

-- combine: merging the groups gives the single pass
CREATE TEMP TABLE merged AS
SELECT merge_stats(s) AS s FROM (SELECT dwell_stats(x) s FROM dwell GROUP BY g) p;
SELECT is(split_part(m.s::text, 'sketch=', 2), split_part(o.s::text, 'sketch=', 2),
		  'merged sketch identical to the single-pass sketch') FROM merged m, one_pass o;
SELECT ok(sample_count(m.s) = sample_count(o.s) AND minimum(m.s) = minimum(o.s) AND maximum(m.s) = maximum(o.s),
		  'merged count and extremes identical') FROM merged m, one_pass o;
SELECT cmp_ok(greatest(pg_temp.rel(mean(m.s), mean(o.s)), pg_temp.rel(stddev(m.s), stddev(o.s)),
					   pg_temp.rel(log_mean(m.s), log_mean(o.s)), pg_temp.rel(log_stddev(m.s), log_stddev(o.s))),
			  '<', 1e-12::float8, 'merged moments within 1e-12 of the single pass') FROM merged m, one_pass o;
SELECT is((SELECT quantile(s, q) FROM merged), (SELECT quantile(s, q) FROM one_pass),
		  format('merged quantile %s identical', q))
  FROM unnest(ARRAY[0.5, 0.9]) q;
-- the + operator: commutative exactly, and empty values are the identity
SELECT is((a + b)::text, (b + a)::text, 'a + b = b + a')
  FROM (SELECT dwell_stats(x) FILTER (WHERE g < 3) a, dwell_stats(x) FILTER (WHERE g >= 3) b FROM dwell) t;
SELECT is(('count=0'::dwell_stats + s)::text, s::text, 'the empty value is the identity') FROM one_pass;
-- folding in a different order gives the same sketch
SELECT is((SELECT split_part(merge_stats(s ORDER BY g DESC)::text, 'sketch=', 2)
			 FROM (SELECT g, dwell_stats(x) s FROM dwell GROUP BY g) p),
		  (SELECT split_part(s::text, 'sketch=', 2) FROM one_pass), 'merge order does not change the sketch');

-- a parallel plan is used and gives the single-pass result
CREATE TEMP TABLE big AS SELECT x FROM dwell, generate_series(1, 5);
ANALYZE big;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	result text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		result := result || line || E'\n';
	END LOOP;
	RETURN result;
END $$;
-- temporary tables are never scanned in parallel: use a regular one
CREATE TABLE public.pipeline_tap_big AS SELECT x FROM big;
ANALYZE public.pipeline_tap_big;
SELECT matches(pg_temp.plan_of('SELECT salesops.dwell_stats(x) FROM public.pipeline_tap_big'),
			   'Partial Aggregate', 'the aggregate runs as a partial aggregate under Gather');
SELECT is((SELECT split_part(salesops.dwell_stats(x)::text, 'sketch=', 2) FROM public.pipeline_tap_big),
		  (SELECT split_part(salesops.dwell_stats(x)::text, 'sketch=', 2) FROM big),
		  'parallel and serial sketches identical');
SELECT cmp_ok((SELECT pg_temp.rel(stddev(s), t.sd) FROM (SELECT dwell_stats(x) s FROM public.pipeline_tap_big) p,
				(SELECT stddev_samp(x) sd FROM big) t),
			  '<', 1e-9::float8, 'parallel stddev within 1e-9 of stddev_samp()');

-- text round trip: exact for every group
SELECT is((SELECT count(*) FROM (SELECT dwell_stats(x) s FROM dwell GROUP BY g) p
			WHERE s::text::dwell_stats::text = s::text
			  AND mean(s::text::dwell_stats) = mean(s) AND stddev(s::text::dwell_stats) = stddev(s)
			  AND log_mean(s::text::dwell_stats) = log_mean(s) AND log_stddev(s::text::dwell_stats) = log_stddev(s)),
		  8::bigint, 'text output and input round-trip every field bit for bit');
-- under extra_float_digits = 0 as well: the output ignores the setting
SET LOCAL extra_float_digits = 0;
SELECT ok(mean(s::text::dwell_stats) = mean(s), 'round trip exact with extra_float_digits = 0') FROM one_pass;
RESET extra_float_digits;

-- the quantile sketch against percentile_cont
CREATE TEMP TABLE sketch_error AS
SELECT q, quantile(s, q) AS estimate, exact, abs(quantile(s, q) - exact) / (1 + exact) AS error
  FROM one_pass,
	   (SELECT q, percentile_cont(q) WITHIN GROUP (ORDER BY x) AS exact
		  FROM dwell, unnest(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) q GROUP BY q) e;
SELECT diag(format('sketch error vs percentile_cont at q=%s: estimate %s, exact %s, relative error %s%%',
				   q, round(estimate::numeric, 1), round(exact::numeric, 1), round(100 * error::numeric, 3)))
  FROM sketch_error ORDER BY q;
SELECT cmp_ok(max(error), '<=', 0.021::float8, 'every sketch quantile within 2.1% of percentile_cont') FROM sketch_error;
SELECT cmp_ok((SELECT error FROM sketch_error WHERE q = 0.5), '<=', 0.021::float8, 'median within 2.1%');
SELECT cmp_ok((SELECT error FROM sketch_error WHERE q = 0.9), '<=', 0.021::float8, 'p90 within 2.1%');

-- a range wider than the sketch: the lowest buckets collapse, the high
-- quantiles keep their accuracy and the minimum stays exact
CREATE TEMP TABLE wide AS SELECT exp(random() * ln(1e9)) AS x FROM generate_series(1, 20000);
SELECT ok(minimum(s) = (SELECT min(x) FROM wide), 'minimum exact over nine decades') FROM (SELECT dwell_stats(x) s FROM wide) t;
SELECT cmp_ok(abs(quantile(s, 0.9) - e) / (1 + e), '<=', 0.021::float8, 'p90 within 2.1% over nine decades')
  FROM (SELECT dwell_stats(x) s FROM wide) t, (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY x) e FROM wide) p;
SELECT cmp_ok(abs(quantile(s, 0.5) - e) / (1 + e), '<=', 0.021::float8, 'median within 2.1% over nine decades')
  FROM (SELECT dwell_stats(x) s FROM wide) t, (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) e FROM wide) p;

-- z-scores and thresholds agree with each other and with the definitions
SELECT is(round(zscore(s, threshold(s, 1.5, m), m)::numeric, 9), 1.5, format('zscore at the %s threshold is k', m))
  FROM one_pass, unnest(ARRAY['sigma', 'log', 'quantile']) m;
SELECT cmp_ok(pg_temp.rel(zscore(s, 200000.0), (200000.0 - mean) / sd), '<', 1e-9::float8, 'sigma z-score is (x - mean) / stddev')
  FROM one_pass, truth;

-- nothing in, nothing out
SELECT ok((SELECT dwell_stats(x) FROM dwell WHERE false) IS NULL, 'no rows give NULL');
SELECT ok((SELECT dwell_stats(NULL::float8) FROM generate_series(1, 3)) IS NULL, 'only NULLs give NULL');

SELECT * FROM finish();
ROLLBACK;
