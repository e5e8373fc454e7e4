/*
 * pipeline.h
 *		Stage-deviation statistics: the type salesops.dwell_stats, the
 *		settings of the pipeline room and the C API other rooms may use.
 *
 * A dwell_stats value summarises a set of dwell times (seconds a deal spent
 * in a stage): count, mean and M2 (Welford) of the seconds, minimum and
 * maximum, the same moments of ln(1 + seconds), and a fixed-size quantile
 * sketch.  It is both the aggregate's transition state and the stored
 * baseline, so partial states computed by parallel workers or by the nodes
 * of a distributed engine merge without loss.
 *
 * The sketch is a log-bucketed histogram in the manner of DDSketch: bucket i
 * holds the values whose y = 1 + seconds lies in (gamma^(i-1), gamma^i], so
 * that reporting 2 gamma^i / (gamma + 1) for a quantile that falls into the
 * bucket is within a relative error alpha of the true y.  The store keeps
 * DWELL_SKETCH_BUCKETS consecutive buckets ending at the bucket of the
 * maximum; lower values collapse into the lowest bucket.  Collapsing depends
 * only on the final maximum, so merging is exact, commutative and
 * associative: any split of the input gives the same sketch.
 */
#ifndef SALESOPS_PIPELINE_H
#define SALESOPS_PIPELINE_H

#include "fmgr.h"

/* Bumped whenever the layout of DwellStats or its binary form changes. */
#define DWELL_STATS_FORMAT		1

/* Relative accuracy of the sketch and its number of buckets. */
#define DWELL_SKETCH_ALPHA		0.02
#define DWELL_SKETCH_BUCKETS	512

/*
 * 512 buckets of ratio gamma = 1.02 / 0.98 span a factor of 7.5e8 between
 * the lowest and the highest bucket: from one second to 23 years at 2%
 * relative error, so that in practice nothing collapses.  A bucket counts up
 * to 4,294,967,295 dwell times; more raise an error rather than wrap.
 */
typedef struct DwellStats
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		format;			/* DWELL_STATS_FORMAT */
	uint8		flags;			/* reserved, zero */
	uint16		nbuckets;		/* DWELL_SKETCH_BUCKETS */
	int32		top;			/* sketch index of buckets[nbuckets - 1] */
	int64		count;			/* number of dwell times; 0 for the empty value */
	double		mean;			/* of the seconds */
	double		m2;				/* sum of squared deviations from the mean */
	double		min;
	double		max;
	double		log_mean;		/* of ln(1 + seconds) */
	double		log_m2;
	uint32		buckets[DWELL_SKETCH_BUCKETS];	/* buckets[p]: index top - nbuckets + 1 + p */
} DwellStats;

#define DatumGetDwellStatsP(X)		((DwellStats *) PG_DETOAST_DATUM(X))
#define PG_GETARG_DWELL_STATS_P(n)	DatumGetDwellStatsP(PG_GETARG_DATUM(n))
#define PG_RETURN_DWELL_STATS_P(x)	PG_RETURN_POINTER(x)

/* The stall detection methods of a pipeline. */
typedef enum StallMethod
{
	STALL_SIGMA = 0,			/* mean + k standard deviations of the seconds */
	STALL_LOG,					/* the same in ln(1 + seconds) */
	STALL_QUANTILE				/* median + k robust deviations from the sketch */
} StallMethod;

/* Settings (pipeline.c), defined by PipelineDefineGucs() of pg_salesops.h. */
extern int	pipeline_min_baseline_samples;
extern bool pipeline_notify_alerts;

/* dwell_stats.c */
extern DwellStats *DwellStatsCreate(void);
extern void DwellStatsAdd(DwellStats *s, double seconds);
extern void DwellStatsMerge(DwellStats *into, const DwellStats *from);
extern double DwellStatsQuantile(const DwellStats *s, double q);
extern StallMethod ParseStallMethod(const char *name);

#endif							/* SALESOPS_PIPELINE_H */
