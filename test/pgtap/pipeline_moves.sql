-- pgTAP: stages and transitions.  move_deal keeps a consistent history
-- (one open stage per deal, visits that tile time), the tracking trigger
-- records changes of a user's table and follows changes of its columns,
-- baselines fall back to the stage, the activity-log signals, and who may
-- do what.
BEGIN;
SELECT plan(39);
SET LOCAL search_path = public, salesops;
SET LOCAL timezone = 'UTC';

DO $$
BEGIN
	PERFORM define_pipeline('tap_moves', segment_keys => '{industry}');
	PERFORM define_stage('tap_moves', 'lead', 1, 'Contact named and reachable');
	PERFORM define_stage('tap_moves', 'demo', 2, 'Demo given to the buying committee');
	PERFORM define_stage('tap_moves', 'poc', 3, 'POC environment deployed', 'poc_deployed = true');
	PERFORM define_stage('tap_moves', 'contract', 4, 'Contract in legal review');
	PERFORM define_stage('tap_moves', 'won', 5, 'Contract signed', terminal => true);
	PERFORM define_stage('tap_moves', 'lost', 6, 'Customer declined', terminal => true);
END $$;

SELECT results_eq($$SELECT stage, position, terminal FROM salesops.stage WHERE pipeline = 'tap_moves' ORDER BY position$$,
				  $$VALUES ('lead', 1, false), ('demo', 2, false), ('poc', 3, false), ('contract', 4, false),
						   ('won', 5, true), ('lost', 6, true)$$, 'stages in order, terminal ones marked');
SELECT throws_ok($$SELECT salesops.define_stage('tap_moves', 'legal', 4, 'Contract in legal review')$$,
				 '23505', 'position 4 is already taken by stage "contract" in pipeline "tap_moves"', 'duplicate positions are refused');
SELECT throws_ok($$SELECT salesops.define_stage('tap_moves', 'legal', 7, '')$$, '22023', 'stage "legal" needs a milestone',
				 'a stage needs its milestone');
SELECT throws_ok($$SELECT salesops.define_pipeline('tap_bad', k => 0)$$, '22023', 'stall threshold k must be greater than zero',
				 'k must be positive');
SELECT is((SELECT count(*) FROM salesops.pipeline WHERE pipeline = 'tap_bad'), 0::bigint, 'a refused pipeline is not written');

-- one deal, step by step
SELECT ok(move_deal('tap_moves', 'M1', 'lead', '2030-01-01', '{"industry": "retail", "owner": "Ann"}'), 'a first move records the deal');
SELECT ok(NOT move_deal('tap_moves', 'M1', 'lead', '2030-01-01', '{"industry": "retail", "owner": "Ann"}'),
		  'repeating the same call is a no-op');
SELECT ok(move_deal('tap_moves', 'M1', 'demo', '2030-01-05'), 'the deal moves on');
SELECT throws_ok($$SELECT salesops.move_deal('tap_moves', 'M1', 'lead', '2030-01-04')$$, '22023',
				 'cannot move deal "M1" back in time', 'a move back in time is refused');
SELECT throws_ok($$SELECT salesops.move_deal('tap_moves', 'M1', 'pilot', '2030-01-06')$$, '42704',
				 'stage "pilot" does not exist in pipeline "tap_moves"', 'an unknown stage is refused');
SELECT ok(move_deal('tap_moves', 'M1', 'poc', '2030-01-07', '{"owner": "Bea"}'), 'segment attributes are merged');
SELECT throws_ok($$SELECT salesops.move_deal('tap_moves', 'M1', 'contract', '2030-01-20')$$, '23514',
				 'deal "M1" has not reached the milestone of stage "poc"', 'advancing without the milestone is refused');
SELECT ok(move_deal('tap_moves', 'M1', 'demo', '2030-01-21'), 'going back needs no milestone');
SELECT ok(move_deal('tap_moves', 'M1', 'poc', '2030-01-22'), 'and forward again to the stage itself');
SELECT ok(move_deal('tap_moves', 'M1', 'contract', '2030-02-01', '{"poc_deployed": true}'), 'with the milestone recorded it advances');
SELECT results_eq($$SELECT stage, entered_at, left_at, segment ->> 'owner' FROM salesops.stage_history
					 WHERE deal_id = 'M1' ORDER BY entered_at$$,
				  $$VALUES ('lead', timestamptz '2030-01-01', timestamptz '2030-01-05', 'Ann'),
						   ('demo', '2030-01-05', '2030-01-07', 'Ann'),
						   ('poc', '2030-01-07', '2030-01-21', 'Bea'),
						   ('demo', '2030-01-21', '2030-01-22', 'Bea'),
						   ('poc', '2030-01-22', '2030-02-01', 'Bea'),
						   ('contract', '2030-02-01', NULL, 'Bea')$$,
				  'the history of M1: each visit ends where the next begins');

-- many deals wandering through the stages: the history stays consistent
DO $$
BEGIN
	PERFORM setseed(0.7);
	PERFORM move_deal('tap_moves', 'W' || d, (ARRAY['lead', 'demo', 'contract', 'lost', 'won'])[1 + floor(random() * 5)::int],
					  timestamptz '2030-01-01' + (d * 7 + step) * interval '1 hour',
					  jsonb_build_object('industry', (ARRAY['retail', 'medical', 'finance'])[1 + d % 3]))
	  FROM generate_series(1, 150) d, generate_series(1, 6) step
	 ORDER BY d, step;
END $$;
SELECT is((SELECT count(*) FROM (SELECT deal_id FROM salesops.stage_history WHERE pipeline = 'tap_moves'
								  GROUP BY deal_id HAVING count(*) FILTER (WHERE left_at IS NULL) <> 1) x),
		  0::bigint, 'every deal has exactly one open stage');
SELECT is((SELECT count(*) FROM (SELECT left_at, lead(entered_at) OVER w AS next_entered, lead(stage) OVER w AS next_stage, stage
								   FROM salesops.stage_history WHERE pipeline = 'tap_moves'
								 WINDOW w AS (PARTITION BY deal_id ORDER BY entered_at, transition_id)) v
			WHERE left_at IS DISTINCT FROM next_entered OR stage = next_stage),
		  0::bigint, 'visits tile time: each ends when the next begins, and never repeats the stage it left');

-- baselines fall back to the stage below salesops.min_baseline_samples
SELECT ok(refresh_baselines('tap_moves') > 0, 'baselines computed');
SELECT is((SELECT sample_count(merge_stats(stats)) FROM salesops.stage_baseline
			WHERE pipeline = 'tap_moves' AND stage = 'lead' AND segment <> '{}'),
		  (SELECT samples FROM salesops.stage_baseline WHERE pipeline = 'tap_moves' AND stage = 'lead' AND segment = '{}'),
		  'the stage baseline holds every completed visit of its segments');
SET LOCAL salesops.min_baseline_samples = 1000000;
SELECT is((SELECT count(*) FROM salesops.stalled_deals_at('2031-01-01') WHERE pipeline = 'tap_moves'),
		  0::bigint, 'without enough samples anywhere, nothing is judged');
SET LOCAL salesops.min_baseline_samples = 2;
SELECT ok((SELECT bool_and(baseline_used = 'segment') FROM salesops.stalled_deals_at('2031-01-01') WHERE pipeline = 'tap_moves'),
		  'with enough samples every deal is judged against its own segment');
SELECT throws_ok($$SET salesops.min_baseline_samples = 1$$, '22023', NULL, 'a baseline needs at least two samples');
RESET salesops.min_baseline_samples;

-- the tracking trigger on the user's own table
CREATE TABLE public.tap_deal (id int PRIMARY KEY, industry text, owner text, note text, stage text);
INSERT INTO public.tap_deal VALUES (1, 'retail', 'Ann', NULL, 'lead'), (2, 'medical', 'Bo', NULL, NULL), (3, 'finance', 'Cy', NULL, 'demo');
SELECT is(track_stages('public.tap_deal', 'id', 'stage', 'tap_moves', '{industry,owner}'), 2, 'rows already in a stage are seeded');
UPDATE public.tap_deal SET stage = 'demo' WHERE id = 1;
UPDATE public.tap_deal SET stage = 'lead' WHERE id = 2;
UPDATE public.tap_deal SET owner = 'Cyd' WHERE id = 3;
INSERT INTO public.tap_deal VALUES (4, 'retail', 'Di', NULL, 'lead');
SELECT results_eq($$SELECT deal_id, stage, left_at IS NULL, segment FROM salesops.stage_history
					 WHERE pipeline = 'tap_moves' AND deal_id IN ('1', '2', '3', '4') ORDER BY deal_id, transition_id$$,
				  $$VALUES ('1', 'lead', false, '{"owner": "Ann", "industry": "retail"}'::jsonb),
						   ('1', 'demo', true, '{"owner": "Ann", "industry": "retail"}'),
						   ('2', 'lead', true, '{"owner": "Bo", "industry": "medical"}'),
						   ('3', 'demo', true, '{"owner": "Cy", "industry": "finance"}'),
						   ('4', 'lead', true, '{"owner": "Di", "industry": "retail"}')$$,
				  'inserts and stage changes are recorded with the segment columns; other updates are not');
SELECT throws_ok($$UPDATE public.tap_deal SET stage = 'pilot' WHERE id = 1$$, '42704', NULL,
				 'an unknown stage fails the application''s update');
SELECT is((SELECT stage FROM public.tap_deal WHERE id = 1), 'demo', 'and the row keeps its stage');
-- the trigger follows changes of the table
ALTER TABLE public.tap_deal DROP COLUMN note;
ALTER TABLE public.tap_deal ADD COLUMN amount numeric;
UPDATE public.tap_deal SET stage = 'contract', amount = 100 WHERE id = 3;
SELECT is((SELECT stage FROM salesops.stage_history WHERE deal_id = '3' AND left_at IS NULL AND pipeline = 'tap_moves'),
		  'contract', 'after columns are dropped and added, the right columns are read');
ALTER TABLE public.tap_deal RENAME COLUMN stage TO phase;
SELECT throws_ok($$UPDATE public.tap_deal SET phase = 'won' WHERE id = 3$$, '42703', NULL,
				 'a renamed stage column is reported, not misread');
SELECT is(track_stages('public.tap_deal', 'id', 'phase', 'tap_moves', '{industry,owner}'), 0, 'tracking again seeds nothing new');
UPDATE public.tap_deal SET phase = 'won' WHERE id = 3;
SELECT is((SELECT stage FROM salesops.stage_history WHERE deal_id = '3' AND left_at IS NULL AND pipeline = 'tap_moves'),
		  'won', 'and the renamed column is tracked');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.tap_deal'::regclass AND NOT tgisinternal), 1::bigint,
		  'tracking again replaces the trigger');
-- several moves in one transaction share one time: zero-length visits, still consistent
UPDATE public.tap_deal SET phase = 'demo' WHERE id = 4;
UPDATE public.tap_deal SET phase = 'contract' WHERE id = 4;
SELECT results_eq($$SELECT stage, left_at - entered_at FROM salesops.stage_history
					 WHERE deal_id = '4' AND pipeline = 'tap_moves' ORDER BY transition_id$$,
				  $$VALUES ('lead', interval '0'), ('demo', interval '0'), ('contract', NULL)$$,
				  'moves at the same instant leave zero-length visits');

-- the activity log signals
INSERT INTO salesops.deal_activity (deal_id, occurred_at, kind, initiated_by, department, responds_to)
VALUES ('M1', '2030-01-08 10:00', 'request', 'sales', 'sales', NULL);
INSERT INTO salesops.deal_activity (deal_id, occurred_at, kind, initiated_by, department, responds_to)
SELECT 'M1', '2030-01-11 10:00', 'response', 'technical', 'technical', max(activity_id) FROM salesops.deal_activity;
INSERT INTO salesops.deal_activity (deal_id, occurred_at, kind, initiated_by, department)
VALUES ('M1', '2030-01-09', 'call', 'customer', NULL), ('M1', '2030-01-10', 'email', 'customer', NULL),
	   ('M1', '2030-01-03', 'call', 'customer', NULL);
SELECT results_eq($$SELECT stage, requested_by, responded_by, responses, mean_response_time
					 FROM salesops.cross_department_response WHERE pipeline = 'tap_moves'$$,
				  $$VALUES ('poc', 'sales', 'technical', 1::bigint, interval '3 days')$$,
				  'a request answered by another department is timed and attributed to the stage of the request');
SELECT results_eq($$SELECT stage, customer_contacts, round(contacts_per_deal_per_30_days::numeric, 4)
					 FROM salesops.customer_contact_frequency_at('2030-03-01')
					WHERE pipeline = 'tap_moves' AND segment = '{"industry": "retail"}' AND stage IN ('lead', 'poc')
					ORDER BY stage$$,
				  $$SELECT 'lead', 1::bigint, round(30.0 * 1 / (SELECT sum(date_part('epoch', coalesce(left_at, '2030-03-01') - entered_at) / 86400)
																	FROM salesops.stage_history
																   WHERE pipeline = 'tap_moves' AND stage = 'lead'
																	 AND segment ->> 'industry' = 'retail')::numeric, 4)
					UNION ALL
					SELECT 'poc', 2::bigint, round(30.0 * 2 / 24, 4)$$,
				  'customer-initiated contacts per deal per 30 days in the stage');

-- privileges: writers move deals and acknowledge, only admins define and scan
CREATE ROLE tap_pipeline_writer IN ROLE salesops_writer;
CREATE TEMP TABLE attempt (what text, outcome text);
GRANT ALL ON attempt TO tap_pipeline_writer;
SET LOCAL ROLE tap_pipeline_writer;
DO $$
DECLARE
	probe text;
BEGIN
	FOREACH probe IN ARRAY ARRAY[
		'SELECT salesops.move_deal(''tap_moves'', ''P1'', ''lead'', ''2030-02-01'')',
		'SELECT count(*) FROM salesops.stalled_deals',
		'SELECT salesops.define_pipeline(''tap_mine'')',
		'SELECT salesops.scan_stalled(''tap_moves'')',
		'SELECT salesops.refresh_baselines(''tap_moves'')',
		'UPDATE salesops.stage_history SET stage = ''won'' WHERE deal_id = ''P1''',
		'DELETE FROM salesops.stage_history WHERE deal_id = ''P1''']
	LOOP
		BEGIN
			EXECUTE probe;
			INSERT INTO attempt VALUES (probe, 'ok');
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO attempt VALUES (probe, SQLSTATE);
		END;
	END LOOP;
END $$;
RESET ROLE;
SELECT results_eq($$SELECT outcome FROM attempt$$,
				  $$VALUES ('ok'), ('ok'), ('42501'), ('42501'), ('42501'), ('42501'), ('42501')$$,
				  'a writer may move deals and read views, but not define, scan, refresh or rewrite history');
SELECT is((SELECT count(*) FROM salesops.stage_history WHERE deal_id = 'P1'), 1::bigint, 'the writer''s move was recorded');
SELECT ok(NOT has_function_privilege('public', 'salesops.scan_stalled(text, timestamptz)', 'EXECUTE'),
		  'PUBLIC may not scan');
SELECT ok(has_function_privilege('public', 'salesops.quantile(salesops.dwell_stats, float8)', 'EXECUTE'),
		  'the type''s accessors are for everyone');

SELECT * FROM finish();
ROLLBACK;
