/*
 * dwell_stats.c
 *		The type salesops.dwell_stats: text and binary I/O, the aggregate
 *		over dwell times, merging, and the accessors (mean, stddev,
 *		quantile, zscore, threshold).
 *
 * The value is a fixed-size varlena (see pipeline.h), so the transition
 * function updates it in place inside the aggregate context, a parallel
 * worker hands it to the leader as an ordinary datum, and a distributed
 * engine can ship it as text: the text form prints every double in its
 * shortest exact decimal form, so text output and input round-trip exactly.
 * Input, text or binary, is untrusted and validated field by field.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "datatype/timestamp.h"
#include "libpq/pqformat.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "pipeline/pipeline.h"

PG_FUNCTION_INFO_V1(dwell_stats_in);
PG_FUNCTION_INFO_V1(dwell_stats_out);
PG_FUNCTION_INFO_V1(dwell_stats_recv);
PG_FUNCTION_INFO_V1(dwell_stats_send);
PG_FUNCTION_INFO_V1(dwell_stats_accum);
PG_FUNCTION_INFO_V1(dwell_stats_accum_interval);
PG_FUNCTION_INFO_V1(dwell_stats_combine);
PG_FUNCTION_INFO_V1(dwell_stats_count);
PG_FUNCTION_INFO_V1(dwell_stats_mean);
PG_FUNCTION_INFO_V1(dwell_stats_stddev);
PG_FUNCTION_INFO_V1(dwell_stats_variance);
PG_FUNCTION_INFO_V1(dwell_stats_min);
PG_FUNCTION_INFO_V1(dwell_stats_max);
PG_FUNCTION_INFO_V1(dwell_stats_log_mean);
PG_FUNCTION_INFO_V1(dwell_stats_log_stddev);
PG_FUNCTION_INFO_V1(dwell_stats_quantile);
PG_FUNCTION_INFO_V1(dwell_stats_zscore);
PG_FUNCTION_INFO_V1(dwell_stats_zscore_interval);
PG_FUNCTION_INFO_V1(dwell_stats_threshold);

#define NBUCKETS		DWELL_SKETCH_BUCKETS

/*
 * gamma = (1 + alpha) / (1 - alpha) and its logarithm, written out so that
 * every node computes the same bucket for the same value.
 */
#define SKETCH_LN_GAMMA		0.040005334613699206
#define SKETCH_INV_LN_GAMMA	24.996666311036567

/* z of the 90th percentile of the standard normal distribution */
#define Z90					1.2815515655446004

/* Dwell times above this many seconds (about 31,700 years) are refused. */
#define DWELL_MAX_SECONDS	1e12

/* Bytes of the binary form: version, count, six doubles, first, n. */
#define SEND_HEADER_BYTES	(1 + 8)
#define SEND_MOMENTS_BYTES	(6 * 8 + 4 + 4)

/*
 * ln(1 + seconds), computed as SQL's ln(1 + x) computes it: log() of the
 * rounded sum is several times faster than log1p(), and dwell times are
 * seconds, where the rounding of 1 + x costs nothing that matters.
 */
static inline double
LogDwell(double seconds)
{
	return log(1.0 + seconds);
}

static inline int32
SketchIndex(double log_dwell)
{
	double		v = log_dwell * SKETCH_INV_LN_GAMMA;
	int32		i = (int32) v;

	if ((double) i < v)
		i++;
	return i;
}

/* The value reported for bucket i: (1 - alpha) gamma^i, less the 1 added. */
static inline double
SketchValue(int32 index)
{
	return (1.0 - DWELL_SKETCH_ALPHA) * exp(index * SKETCH_LN_GAMMA) - 1.0;
}

DwellStats *
DwellStatsCreate(void)
{
	DwellStats *s = palloc0(sizeof(DwellStats));

	SET_VARSIZE(s, sizeof(DwellStats));
	s->format = DWELL_STATS_FORMAT;
	s->nbuckets = NBUCKETS;
	return s;
}

/* A stored value must have the layout this build expects. */
static inline DwellStats *
CheckLayout(DwellStats *s)
{
	if (VARSIZE(s) != sizeof(DwellStats) || s->format != DWELL_STATS_FORMAT ||
		s->nbuckets != NBUCKETS)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted value of type dwell_stats"),
				 errdetail("The value has %u bytes and format %d; this server expects %zu bytes and format %d.",
						   (unsigned) VARSIZE(s),
						   VARSIZE(s) > offsetof(DwellStats, format) ? s->format : -1,
						   sizeof(DwellStats), DWELL_STATS_FORMAT)));
	return s;
}

static DwellStats *
GetStats(FunctionCallInfo fcinfo, int arg)
{
	return CheckLayout(PG_GETARG_DWELL_STATS_P(arg));
}

static void
pg_attribute_noreturn()
BucketOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("too many dwell times in one bucket of the dwell_stats sketch"),
			 errdetail("A bucket holds at most %u dwell times.", PG_UINT32_MAX),
			 errhint("Summarise fewer rows per group, for instance per month, and keep the parts.")));
}

static inline uint32
BucketSum(uint64 sum)
{
	if (unlikely(sum > PG_UINT32_MAX))
		BucketOverflow();
	return (uint32) sum;
}

/*
 * Move the window of buckets up so that it ends at newtop; buckets that fall
 * below it collapse into the new lowest bucket.
 */
static void
SketchRaiseTop(DwellStats *s, int32 newtop)
{
	int64		shift = (int64) newtop - s->top;
	uint64		low = 0;
	int			p;

	Assert(shift > 0);
	if (shift >= NBUCKETS)
	{
		for (p = 0; p < NBUCKETS; p++)
			low += s->buckets[p];
		memset(s->buckets, 0, sizeof(s->buckets));
	}
	else
	{
		for (p = 0; p <= shift; p++)
			low += s->buckets[p];
		memmove(s->buckets, s->buckets + shift, sizeof(uint32) * (NBUCKETS - shift));
		memset(s->buckets + NBUCKETS - shift, 0, sizeof(uint32) * shift);
	}
	s->buckets[0] = BucketSum(low);
	s->top = newtop;
}

static void
pg_attribute_noreturn()
BadDwell(double seconds)
{
	if (isnan(seconds) || isinf(seconds))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dwell time must be a finite number"),
				 errdetail("The aggregate received %s.", isnan(seconds) ? "NaN" : "an infinite value")));
	if (seconds < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dwell time must not be negative"),
				 errdetail("The aggregate received %g seconds.", seconds),
				 errhint("A deal leaves a stage after it enters it: check the order of the timestamps.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("dwell time is out of range"),
			 errdetail("The aggregate received %g seconds; the limit is %g.", seconds, DWELL_MAX_SECONDS)));
}

/* One comparison pair per row: NaN fails both, infinity the second. */
static inline void
CheckDwell(double seconds)
{
	if (unlikely(!(seconds >= 0.0 && seconds <= DWELL_MAX_SECONDS)))
		BadDwell(seconds);
}

/*
 * Welford's update of both moment pairs, then the sketch.  This is the
 * aggregate's inner loop: the moments are updated in locals and stored
 * before the bucket, so that nothing is read back after a store.
 */
static inline void
AddOne(DwellStats *s, double x)
{
	double		l = LogDwell(x);
	int32		idx = SketchIndex(l);
	double		inv,
				d;
	int32		p;

	if (s->count == 0)
	{
		s->count = 1;
		s->mean = s->min = s->max = x;
		s->m2 = 0.0;
		s->log_mean = l;
		s->log_m2 = 0.0;
		s->top = idx;
		memset(s->buckets, 0, sizeof(s->buckets));
		s->buckets[NBUCKETS - 1] = 1;
		return;
	}
	{
		int64		n = s->count + 1;
		double		mean = s->mean,
					log_mean = s->log_mean;

		inv = 1.0 / (double) n;
		d = x - mean;
		mean += d * inv;
		s->m2 += d * (x - mean);
		s->mean = mean;
		d = l - log_mean;
		log_mean += d * inv;
		s->log_m2 += d * (l - log_mean);
		s->log_mean = log_mean;
		s->count = n;
	}
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	if (unlikely(idx > s->top))
		SketchRaiseTop(s, idx);
	p = idx - (s->top - NBUCKETS + 1);
	if (p < 0)
		p = 0;
	if (unlikely(s->buckets[p] == PG_UINT32_MAX))
		BucketOverflow();
	s->buckets[p]++;
}

void
DwellStatsAdd(DwellStats *s, double x)
{
	AddOne(s, x);
}

/* Chan et al.'s pairwise update of the moments; the sketch adds bucket by bucket. */
void
DwellStatsMerge(DwellStats *into, const DwellStats *from)
{
	double		na,
				nb,
				n,
				d;
	int32		base_into,
				base_from;
	int			p;

	if (from->count == 0)
		return;
	if (into->count == 0)
	{
		memcpy(into, from, sizeof(DwellStats));
		return;
	}
	na = (double) into->count;
	nb = (double) from->count;
	n = na + nb;
	/* each expression is symmetric in its operands, so a + b == b + a exactly */
	d = from->mean - into->mean;
	into->mean = into->mean * (na / n) + from->mean * (nb / n);
	into->m2 = (into->m2 + from->m2) + d * d * (na * nb / n);
	d = from->log_mean - into->log_mean;
	into->log_mean = into->log_mean * (na / n) + from->log_mean * (nb / n);
	into->log_m2 = (into->log_m2 + from->log_m2) + d * d * (na * nb / n);
	into->min = Min(into->min, from->min);
	into->max = Max(into->max, from->max);
	into->count += from->count;

	if (from->top > into->top)
		SketchRaiseTop(into, from->top);
	base_into = into->top - NBUCKETS + 1;
	base_from = from->top - NBUCKETS + 1;
	for (p = 0; p < NBUCKETS; p++)
	{
		int32		q;

		if (from->buckets[p] == 0)
			continue;
		q = base_from + p - base_into;
		if (q < 0)
			q = 0;
		into->buckets[q] = BucketSum((uint64) into->buckets[q] + from->buckets[p]);
	}
}

/*
 * The value at rank q * (count - 1): the bucket holding that rank, reported
 * within relative error alpha of 1 + seconds and clamped to [min, max];
 * q = 0 and q = 1 are the exact minimum and maximum.
 */
double
DwellStatsQuantile(const DwellStats *s, double q)
{
	double		rank;
	uint64		cum = 0;
	int			p;
	double		v;

	Assert(s->count > 0);
	if (q <= 0.0)
		return s->min;
	if (q >= 1.0)
		return s->max;
	rank = q * (double) (s->count - 1);
	for (p = 0; p < NBUCKETS - 1; p++)
	{
		cum += s->buckets[p];
		if ((double) cum > rank)
			break;
	}
	v = SketchValue(s->top - NBUCKETS + 1 + p);
	return Max(s->min, Min(s->max, v));
}

/* ---------- validation shared by text and binary input ---------- */

/* Slack for moments that rounding may push just past the extremes. */
static inline bool
Within(double v, double lo, double hi)
{
	double		slack = 1e-9 * Max(fabs(lo), fabs(hi)) + 1e-300;

	return v >= lo - slack && v <= hi + slack;
}

/* NULL when the value is consistent, else what is wrong, as a sentence. */
static char *
DwellStatsProblem(const DwellStats *s, int32 first, int nlisted)
{
	const double fields[6] = {s->mean, s->m2, s->min, s->max, s->log_mean, s->log_m2};
	static const char *const names[6] = {"mean", "m2", "min", "max", "log_mean", "log_m2"};
	uint64		sum = 0;
	int			i;
	int32		topidx;

	if (s->count < 0)
		return psprintf("The count " INT64_FORMAT " is negative.", s->count);
	if (s->count == 0)
		return NULL;
	for (i = 0; i < 6; i++)
		if (isnan(fields[i]) || isinf(fields[i]))
			return psprintf("The field %s is not a finite number.", names[i]);
	if (s->min < 0.0)
		return psprintf("The minimum %g is negative.", s->min);
	if (s->min > s->max)
		return psprintf("The minimum %g exceeds the maximum %g.", s->min, s->max);
	if (s->max > DWELL_MAX_SECONDS)
		return psprintf("The maximum %g exceeds the limit of %g seconds.", s->max, DWELL_MAX_SECONDS);
	if (s->count == 1 && s->min != s->max)
		return pstrdup("A single dwell time must be both the minimum and the maximum.");
	if (!Within(s->mean, s->min, s->max))
		return psprintf("The mean %g lies outside [%g, %g].", s->mean, s->min, s->max);
	if (!Within(s->log_mean, LogDwell(s->min), LogDwell(s->max)))
		return psprintf("The log_mean %g lies outside the logarithms of the minimum and maximum.", s->log_mean);
	if (s->m2 < 0.0 || s->log_m2 < 0.0)
		return pstrdup("A sum of squared deviations is negative.");
	if (nlisted < 1 || nlisted > NBUCKETS)
		return psprintf("The sketch lists %d buckets; it must list between 1 and %d.", nlisted, NBUCKETS);
	if (first < 0)
		return psprintf("The sketch starts at bucket %d; buckets are numbered from 0.", first);
	for (i = 0; i < NBUCKETS; i++)
	{
		if ((sum += s->buckets[i]) > (uint64) s->count)
			return psprintf("The sketch holds more values than the count " INT64_FORMAT ".", s->count);
	}
	if (sum != (uint64) s->count)
		return psprintf("The sketch holds " UINT64_FORMAT " values but the count is " INT64_FORMAT ".",
						sum, s->count);
	if (s->buckets[NBUCKETS - nlisted] == 0 || s->buckets[NBUCKETS - 1] == 0)
		return pstrdup("The first and last bucket of the sketch must not be empty.");
	topidx = SketchIndex(LogDwell(s->max));
	if (s->top < topidx - 1 || s->top > topidx + 1)
		return psprintf("The sketch ends at bucket %d but the maximum belongs in bucket %d.", s->top, topidx);
	return NULL;
}

/* ---------- text I/O ---------- */

typedef struct TextCursor
{
	const char *input;
	const char *p;
} TextCursor;

static void
pg_attribute_noreturn()
TextError(TextCursor *c, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type dwell_stats: \"%s\"", c->input),
			 errdetail("%s", detail),
			 errhint("Write count=N mean=... m2=... min=... max=... log_mean=... log_m2=... sketch=FIRST:C1,C2,... (0*N for N empty buckets), as the type's output does.")));
}

static void
ExpectKey(TextCursor *c, const char *key)
{
	size_t		len = strlen(key);

	while (isspace((unsigned char) *c->p))
		c->p++;
	if (strncmp(c->p, key, len) != 0 || c->p[len] != '=')
		TextError(c, psprintf("Expected \"%s=\" at character %d.", key, (int) (c->p - c->input) + 1));
	c->p += len + 1;
}

static double
ReadDouble(TextCursor *c, const char *key)
{
	char	   *end;
	double		v;

	ExpectKey(c, key);
	errno = 0;
	v = strtod(c->p, &end);
	if (end == c->p || isspace((unsigned char) *c->p))
		TextError(c, psprintf("The value of %s is not a number.", key));
	if (isnan(v) || isinf(v) || (errno == ERANGE && fabs(v) > 1.0))
		TextError(c, psprintf("The value of %s is not a finite number.", key));
	c->p = end;
	return v;
}

static int64
ReadInteger(TextCursor *c, const char *what, int64 min, int64 max)
{
	char	   *end;
	int64		v;

	errno = 0;
	v = strtoi64(c->p, &end, 10);
	if (end == c->p || isspace((unsigned char) *c->p) || errno == ERANGE || v < min || v > max)
		TextError(c, psprintf("The %s at character %d is not an integer between " INT64_FORMAT " and " INT64_FORMAT ".",
							  what, (int) (c->p - c->input) + 1, min, max));
	c->p = end;
	return v;
}

Datum
dwell_stats_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	TextCursor	c = {input, input};
	DwellStats *s = DwellStatsCreate();
	int32		first = 0;
	int			n = 0;
	char	   *problem;

	ExpectKey(&c, "count");
	s->count = ReadInteger(&c, "count", 0, PG_INT64_MAX);
	if (s->count > 0)
	{
		uint32		listed[NBUCKETS];

		s->mean = ReadDouble(&c, "mean");
		s->m2 = ReadDouble(&c, "m2");
		s->min = ReadDouble(&c, "min");
		s->max = ReadDouble(&c, "max");
		s->log_mean = ReadDouble(&c, "log_mean");
		s->log_m2 = ReadDouble(&c, "log_m2");
		ExpectKey(&c, "sketch");
		first = (int32) ReadInteger(&c, "first bucket", 0, PG_INT32_MAX - NBUCKETS);
		if (*c.p != ':')
			TextError(&c, psprintf("Expected \":\" after the first bucket at character %d.", (int) (c.p - input) + 1));
		do
		{
			uint32		v;
			int64		run = 1;

			c.p++;
			v = (uint32) ReadInteger(&c, "bucket count", 0, PG_UINT32_MAX);
			if (v == 0 && *c.p == '*')
			{
				c.p++;
				run = ReadInteger(&c, "run of empty buckets", 1, NBUCKETS);
			}
			if (run > NBUCKETS - n)
				TextError(&c, psprintf("The sketch lists more than %d buckets.", NBUCKETS));
			while (run-- > 0)
				listed[n++] = v;
		} while (*c.p == ',');
		s->top = first + n - 1;
		memcpy(s->buckets + NBUCKETS - n, listed, sizeof(uint32) * n);
	}
	while (isspace((unsigned char) *c.p))
		c.p++;
	if (*c.p != '\0')
		TextError(&c, psprintf("Unexpected text at character %d.", (int) (c.p - input) + 1));
	if ((problem = DwellStatsProblem(s, first, n)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid value for type dwell_stats: \"%s\"", input),
				 errdetail("%s", problem)));
	PG_RETURN_DWELL_STATS_P(s);
}

/* Lowest non-empty position of the sketch (count > 0). */
static int
FirstUsed(const DwellStats *s)
{
	int			p = 0;

	while (p < NBUCKETS - 1 && s->buckets[p] == 0)
		p++;
	return p;
}

static void
AppendDouble(StringInfo buf, const char *key, double v)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, num);
	appendStringInfo(buf, " %s=%s", key, num);
}

Datum
dwell_stats_out(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);
	StringInfoData buf;
	int			p;

	initStringInfo(&buf);
	appendStringInfo(&buf, "count=" INT64_FORMAT, s->count);
	if (s->count > 0)
	{
		AppendDouble(&buf, "mean", s->mean);
		AppendDouble(&buf, "m2", s->m2);
		AppendDouble(&buf, "min", s->min);
		AppendDouble(&buf, "max", s->max);
		AppendDouble(&buf, "log_mean", s->log_mean);
		AppendDouble(&buf, "log_m2", s->log_m2);
		p = FirstUsed(s);
		appendStringInfo(&buf, " sketch=%d:", s->top - NBUCKETS + 1 + p);
		while (p < NBUCKETS)
		{
			int			run = 0;

			/* runs of empty buckets print as 0*N */
			while (p + run < NBUCKETS && s->buckets[p + run] == 0)
				run++;
			if (run > 1)
				appendStringInfo(&buf, "0*%d", run);
			else
				appendStringInfo(&buf, "%u", s->buckets[p]);
			p += Max(run, 1);
			if (p < NBUCKETS)
				appendStringInfoChar(&buf, ',');
		}
	}
	PG_RETURN_CSTRING(buf.data);
}

/* ---------- binary I/O ---------- */

static void
pg_attribute_noreturn()
BinaryError(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary value for type dwell_stats"),
			 errdetail("%s", detail)));
}

static inline void
Need(StringInfo buf, int bytes)
{
	if (buf->len - buf->cursor < bytes)
		BinaryError(psprintf("The value ends after %d bytes.", buf->len));
}

/*
 * Binary form: a format byte, the count, and for a non-empty value the six
 * moments, the index of the first listed bucket, the number listed and
 * their counts, up to the bucket of the maximum.
 */
Datum
dwell_stats_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	DwellStats *s = DwellStatsCreate();
	int			version;
	int32		first = 0;
	int32		n = 0;
	int			i;
	char	   *problem;

	Need(buf, SEND_HEADER_BYTES);
	version = pq_getmsgbyte(buf);
	if (version != DWELL_STATS_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary format version %d for type dwell_stats", version),
				 errdetail("This server reads version %d.", DWELL_STATS_FORMAT)));
	s->count = pq_getmsgint64(buf);
	if (s->count > 0)
	{
		Need(buf, SEND_MOMENTS_BYTES);
		s->mean = pq_getmsgfloat8(buf);
		s->m2 = pq_getmsgfloat8(buf);
		s->min = pq_getmsgfloat8(buf);
		s->max = pq_getmsgfloat8(buf);
		s->log_mean = pq_getmsgfloat8(buf);
		s->log_m2 = pq_getmsgfloat8(buf);
		first = pq_getmsgint(buf, 4);
		n = pq_getmsgint(buf, 4);
		if (n < 1 || n > NBUCKETS || first < 0 || first > PG_INT32_MAX - NBUCKETS)
			BinaryError(psprintf("The sketch lists %d buckets from bucket %d; it must list between 1 and %d from bucket 0 or above.",
								 n, first, NBUCKETS));
		Need(buf, 4 * n);
		for (i = 0; i < n; i++)
			s->buckets[NBUCKETS - n + i] = (uint32) pq_getmsgint(buf, 4);
		s->top = first + n - 1;
	}
	if (buf->cursor != buf->len)
		BinaryError(psprintf("The value has %d bytes of trailing data.", buf->len - buf->cursor));
	if ((problem = DwellStatsProblem(s, first, n)) != NULL)
		BinaryError(problem);
	PG_RETURN_DWELL_STATS_P(s);
}

Datum
dwell_stats_send(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, DWELL_STATS_FORMAT);
	pq_sendint64(&buf, s->count);
	if (s->count > 0)
	{
		int			p = FirstUsed(s);

		pq_sendfloat8(&buf, s->mean);
		pq_sendfloat8(&buf, s->m2);
		pq_sendfloat8(&buf, s->min);
		pq_sendfloat8(&buf, s->max);
		pq_sendfloat8(&buf, s->log_mean);
		pq_sendfloat8(&buf, s->log_m2);
		pq_sendint32(&buf, s->top - NBUCKETS + 1 + p);
		pq_sendint32(&buf, NBUCKETS - p);
		for (; p < NBUCKETS; p++)
			pq_sendint32(&buf, s->buckets[p]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------- aggregate ---------- */

/*
 * Seconds of an interval, exactly as date_part('epoch', interval) computes
 * them, so that the interval and float8 aggregates agree.
 */
static double
IntervalSeconds(const Interval *iv)
{
	double		result;

	result = iv->time / 1000000.0;
	result += ((double) DAYS_PER_YEAR * SECS_PER_DAY) * (iv->month / MONTHS_PER_YEAR);
	result += ((double) DAYS_PER_MONTH * SECS_PER_DAY) * (iv->month % MONTHS_PER_YEAR);
	result += ((double) SECS_PER_DAY) * iv->day;
	return result;
}

/*
 * Inside an aggregate the state is ours and updated in place.  The first
 * state is made in the per-row context and copied once into the aggregate
 * context by the executor; called as a plain function, the input is copied.
 */
static Datum
Accumulate(FunctionCallInfo fcinfo, double seconds)
{
	DwellStats *s;

	CheckDwell(seconds);
	if (PG_ARGISNULL(0))
		s = DwellStatsCreate();
	/* AggCheckCallContext() without the call: this runs once per row */
	else if (fcinfo->context &&
			 (IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState)))
		s = (DwellStats *) PG_GETARG_POINTER(0);	/* made by us, above */
	else
		s = CheckLayout((DwellStats *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	AddOne(s, seconds);
	PG_RETURN_DWELL_STATS_P(s);
}

/* dwell_stats_accum(state, seconds): NULL dwell times are skipped. */
Datum
dwell_stats_accum(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return Accumulate(fcinfo, PG_GETARG_FLOAT8(1));
}

Datum
dwell_stats_accum_interval(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	return Accumulate(fcinfo, IntervalSeconds(PG_GETARG_INTERVAL_P(1)));
}

/*
 * Combine function, merge aggregate and the + operator.  Strict: an empty
 * side (no rows) arrives as NULL and never reaches here; a value that holds
 * no dwell times merges as the identity.
 */
Datum
dwell_stats_combine(PG_FUNCTION_ARGS)
{
	DwellStats *b = GetStats(fcinfo, 1);
	DwellStats *a;

	if (AggCheckCallContext(fcinfo, NULL) &&
		!VARATT_IS_EXTENDED(DatumGetPointer(PG_GETARG_DATUM(0))))
		a = CheckLayout((DwellStats *) PG_GETARG_POINTER(0));
	else
		a = CheckLayout((DwellStats *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	DwellStatsMerge(a, b);
	PG_RETURN_DWELL_STATS_P(a);
}

/* ---------- accessors ---------- */

Datum
dwell_stats_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(GetStats(fcinfo, 0)->count);
}

Datum
dwell_stats_mean(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->mean);
}

Datum
dwell_stats_variance(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->m2 / (double) (s->count - 1));
}

Datum
dwell_stats_stddev(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(s->m2 / (double) (s->count - 1)));
}

Datum
dwell_stats_min(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->min);
}

Datum
dwell_stats_max(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->max);
}

Datum
dwell_stats_log_mean(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->log_mean);
}

Datum
dwell_stats_log_stddev(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);

	if (s->count < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(s->log_m2 / (double) (s->count - 1)));
}

static void
CheckQuantile(double q)
{
	if (!(q >= 0.0 && q <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantile must be between 0 and 1"),
				 errdetail("The requested quantile was %g.", q),
				 errhint("Write the median as 0.5 and the 90th percentile as 0.9.")));
}

Datum
dwell_stats_quantile(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);
	double		q = PG_GETARG_FLOAT8(1);

	CheckQuantile(q);
	if (s->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(DwellStatsQuantile(s, q));
}

StallMethod
ParseStallMethod(const char *name)
{
	if (strcmp(name, "sigma") == 0)
		return STALL_SIGMA;
	if (strcmp(name, "log") == 0)
		return STALL_LOG;
	if (strcmp(name, "quantile") == 0)
		return STALL_QUANTILE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown stall detection method \"%s\"", name),
			 errhint("Use sigma (mean and standard deviation), log (the same of log dwell times) or quantile (median and 90th percentile).")));
	pg_unreachable();
}

/*
 * Where a method centres the baseline and how wide one deviation is, in the
 * method's space: seconds, or ln(1 + seconds) for log.  The quantile method
 * estimates sigma robustly as (p90 - median) / z(0.9).  False when the
 * baseline holds fewer than two dwell times.
 */
static bool
CenterAndScale(const DwellStats *s, StallMethod method, double *center, double *scale)
{
	double		n1 = (double) (s->count - 1);

	if (s->count < 2)
		return false;
	switch (method)
	{
		case STALL_SIGMA:
			*center = s->mean;
			*scale = sqrt(s->m2 / n1);
			break;
		case STALL_LOG:
			*center = s->log_mean;
			*scale = sqrt(s->log_m2 / n1);
			break;
		case STALL_QUANTILE:
			*center = DwellStatsQuantile(s, 0.5);
			*scale = (DwellStatsQuantile(s, 0.9) - *center) / Z90;
			break;
	}
	return true;
}

static Datum
ZScore(FunctionCallInfo fcinfo, double seconds)
{
	DwellStats *s = GetStats(fcinfo, 0);
	StallMethod method = PG_NARGS() > 2 ? ParseStallMethod(text_to_cstring(PG_GETARG_TEXT_PP(2))) : STALL_SIGMA;
	double		center,
				scale,
				x;

	if (isnan(seconds))
		PG_RETURN_NULL();
	if (!CenterAndScale(s, method, &center, &scale))
		PG_RETURN_NULL();
	x = method == STALL_LOG ? LogDwell(Max(seconds, 0.0)) : seconds;
	/* a baseline without spread: anything above it is infinitely far off */
	if (scale <= 0.0)
		PG_RETURN_FLOAT8(x > center ? get_float8_infinity() : x < center ? -get_float8_infinity() : 0.0);
	PG_RETURN_FLOAT8((x - center) / scale);
}

/* zscore(stats, seconds [, method]) */
Datum
dwell_stats_zscore(PG_FUNCTION_ARGS)
{
	return ZScore(fcinfo, PG_GETARG_FLOAT8(1));
}

/* zscore(stats, interval [, method]) */
Datum
dwell_stats_zscore_interval(PG_FUNCTION_ARGS)
{
	return ZScore(fcinfo, IntervalSeconds(PG_GETARG_INTERVAL_P(1)));
}

/* threshold(stats, k [, method]): the dwell in seconds beyond which a deal stalls. */
Datum
dwell_stats_threshold(PG_FUNCTION_ARGS)
{
	DwellStats *s = GetStats(fcinfo, 0);
	double		k = PG_GETARG_FLOAT8(1);
	StallMethod method = PG_NARGS() > 2 ? ParseStallMethod(text_to_cstring(PG_GETARG_TEXT_PP(2))) : STALL_SIGMA;
	double		center,
				scale;

	if (!(k > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stall threshold k must be greater than zero"),
				 errdetail("k was %g.", k),
				 errhint("k counts standard deviations above the baseline; the default is 1.5.")));
	if (isinf(k))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stall threshold k must be finite")));
	if (!CenterAndScale(s, method, &center, &scale))
		PG_RETURN_NULL();
	if (method == STALL_LOG)
		PG_RETURN_FLOAT8(expm1(center + k * scale));
	PG_RETURN_FLOAT8(center + k * scale);
}
