# pg_dump and pg_restore keep what users store with pg_salesops: rules in
# their own tables (text I/O, and binary COPY) and the extension's
# configuration tables registered with pg_extension_config_dump.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_salesops'");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
	CREATE EXTENSION pg_salesops;
	CREATE TABLE segment (name text PRIMARY KEY, condition salesops.rule NOT NULL);
	INSERT INTO segment VALUES
		('large medical', 'sector = ''medical'' AND employees >= 500'),
		('hot', '"Lead Source" IN (''Google'', ''Organic Search'') AND "TotalVisits" > 3'),
		('recent', 'days_since(last_visit) <= 30 OR last_visit >= TIMESTAMP ''2026-11-01 08:00:00.25+02'''),
		('tricky', 'NOT (a - (b - c) = -5) AND "say ""hi""".x ILIKE ''%''''s\_%''');
	CREATE UNIQUE INDEX ON segment (condition);
});

# configuration of other rooms, when they are installed
my $has_pipeline = $node->safe_psql('source',
	q{SELECT count(*) FROM pg_proc WHERE proname = 'define_pipeline' AND pronamespace = 'salesops'::regnamespace});
if ($has_pipeline)
{
	$node->safe_psql('source', q{
		SELECT salesops.define_pipeline('enterprise');
		SELECT salesops.define_stage('enterprise', 'qualified', 1, 'Budget holder confirmed in writing');
		SELECT salesops.define_stage('enterprise', 'poc', 2, 'POC environment deployed');
	});
}

my $dumpfile = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $node->connstr('source') ],
	'pg_dump of a database using pg_salesops');
$node->safe_psql('postgres', 'CREATE DATABASE target');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('target'), $dumpfile ],
	'pg_restore into an empty database');

my $query = q{SELECT name, condition::text, salesops.rule_test(condition,
	'{"sector": "medical", "employees": 900, "Lead Source": "Google", "TotalVisits": 5,
	  "last_visit": "2026-11-20", "a": 1, "b": 2, "c": 3, "say \"hi\"": {"x": "it''s_here"}}',
	'2026-12-04') FROM segment ORDER BY name};
is($node->safe_psql('target', $query), $node->safe_psql('source', $query),
	'rules come back with the same text and the same results');
is($node->safe_psql('target', q{SELECT count(*) FROM segment s JOIN segment t ON s.condition OPERATOR(salesops.=) t.condition}),
	'4', 'restored rules are equal to themselves and the unique index holds');

if ($has_pipeline)
{
	my $stages = q{SELECT pipeline, stage, position, milestone FROM salesops.stage ORDER BY 1, 3};
	is($node->safe_psql('target', $stages), $node->safe_psql('source', $stages),
		'pipeline configuration survives pg_dump');
}

# binary COPY goes through rule_send and rule_recv
my $bin = $node->basedir . '/segment.bin';
$node->safe_psql('source', "COPY segment TO '$bin' (FORMAT binary)");
$node->safe_psql('target', "CREATE TABLE segment_copy (LIKE segment); COPY segment_copy FROM '$bin' (FORMAT binary)");
is($node->safe_psql('target',
	q{SELECT count(*) FROM segment s JOIN segment_copy c USING (name) WHERE s.condition OPERATOR(salesops.=) c.condition}),
	'4', 'binary COPY round-trips every rule');

# a corrupted binary value is rejected, not stored
my $bad = $node->basedir . '/bad.bin';
open(my $fh, '<:raw', $bin) or die;
my $data = do { local $/; <$fh> };
close($fh);
$data =~ s/\x01(sector = )/\x07$1/;    # version byte of the first rule
open($fh, '>:raw', $bad) or die;
print $fh $data;
close($fh);
my ($ret, $stdout, $stderr) = $node->psql('target',
	"CREATE TABLE segment_bad (LIKE segment); COPY segment_bad FROM '$bad' (FORMAT binary)");
like($stderr, qr/unsupported binary format version 7 for type rule/, 'unknown binary version rejected');

$node->stop;
done_testing();
