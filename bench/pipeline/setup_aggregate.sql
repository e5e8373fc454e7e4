-- bench/pipeline: 10,000,000 dwell times in seconds, log-normal around
-- 17 hours with a long tail (as dwell times are), generated once.
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS bench_dwell (x float8 NOT NULL);
SELECT count(*) <> 10000000 AS regenerate FROM bench_dwell \gset
\if :regenerate
TRUNCATE bench_dwell;
SELECT setseed(0.1234) \gset
INSERT INTO bench_dwell
SELECT exp(11.0 + 1.1 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) FROM generate_series(1, 10000000);
VACUUM (FREEZE, ANALYZE) bench_dwell;
\endif
