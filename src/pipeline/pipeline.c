/*
 * pipeline.c
 *		Settings of the pipeline room, and the projection of a deal's
 *		segment onto the keys that define its baseline.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "pg_salesops.h"
#include "pipeline/pipeline.h"

PG_FUNCTION_INFO_V1(segment_key);

int			pipeline_min_baseline_samples = 30;
bool		pipeline_notify_alerts = true;

void
PipelineDefineGucs(void)
{
	DefineCustomIntVariable(SALESOPS_GUC_PREFIX ".min_baseline_samples",
							"Completed dwell times a segment needs before its own baseline is used.",
							"A segment with fewer completed dwell times in a stage is judged against the baseline of the whole stage.",
							&pipeline_min_baseline_samples,
							30, 2, 100000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable(SALESOPS_GUC_PREFIX ".notify_alerts",
							 "Sends NOTIFY salesops_alert for each alert raised or escalated.",
							 "Turn off for bulk back-fills; alerts and their notification records are written either way.",
							 &pipeline_notify_alerts,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

/*
 * The key list of one call site, parsed once: the distinct keys in jsonb's
 * own key order (shorter first, then bytewise), so that the result object
 * is built already sorted.  Kept in fn_extra and reused while the list is
 * the same, which in a join is every row of a pipeline.
 */
typedef struct SegmentKeys
{
	Size		arraysize;		/* the key array this was made from ... */
	char	   *arraybytes;		/* ... and its bytes, to recognise it */
	int			nkeys;
	JsonbValue *keys;			/* jbvString */
	JsonbPair  *pairs;			/* scratch for the result, one per key */
} SegmentKeys;

static int
CompareKeys(const void *a, const void *b)
{
	const JsonbValue *ka = (const JsonbValue *) a;
	const JsonbValue *kb = (const JsonbValue *) b;

	if (ka->val.string.len != kb->val.string.len)
		return ka->val.string.len < kb->val.string.len ? -1 : 1;
	return memcmp(ka->val.string.val, kb->val.string.val, ka->val.string.len);
}

static SegmentKeys *
GetSegmentKeys(FunctionCallInfo fcinfo, ArrayType *array)
{
	SegmentKeys *sk = (SegmentKeys *) fcinfo->flinfo->fn_extra;
	Size		size = VARSIZE(array);
	MemoryContext old;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (sk != NULL && sk->arraysize == size && memcmp(sk->arraybytes, array, size) == 0)
		return sk;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (sk == NULL)
		sk = palloc0(sizeof(SegmentKeys));
	else
	{
		pfree(sk->arraybytes);
		if (sk->keys)
			pfree(sk->keys);
		if (sk->pairs)
			pfree(sk->pairs);
	}
	sk->arraysize = size;
	sk->arraybytes = palloc(size);
	memcpy(sk->arraybytes, array, size);

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	sk->keys = palloc(sizeof(JsonbValue) * Max(n, 1));
	sk->pairs = palloc(sizeof(JsonbPair) * Max(n, 1));
	sk->nkeys = 0;
	for (i = 0; i < n; i++)
	{
		text	   *t;
		JsonbValue *k;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		k = &sk->keys[sk->nkeys++];
		k->type = jbvString;
		k->val.string.len = VARSIZE_ANY_EXHDR(t);
		k->val.string.val = pnstrdup(VARDATA_ANY(t), k->val.string.len);
	}
	if (sk->nkeys > 1)
	{
		int			kept = 1;

		qsort(sk->keys, sk->nkeys, sizeof(JsonbValue), CompareKeys);
		for (i = 1; i < sk->nkeys; i++)
			if (CompareKeys(&sk->keys[i], &sk->keys[kept - 1]) != 0)
				sk->keys[kept++] = sk->keys[i];
		sk->nkeys = kept;
	}
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = sk;
	return sk;
}

/* The general path, for segments whose selected values are objects or arrays. */
static Jsonb *
SegmentKeyNested(Jsonb *segment, SegmentKeys *sk)
{
	JsonbParseState *state = NULL;
	int			i;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < sk->nkeys; i++)
	{
		JsonbValue *v = findJsonbValueFromContainer(&segment->root, JB_FOBJECT, &sk->keys[i]);

		if (v == NULL)
			continue;
		pushJsonbValue(&state, WJB_KEY, &sk->keys[i]);
		pushJsonbValue(&state, WJB_VALUE, v);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/*
 * segment_key(segment jsonb, keys text[]): the object holding only the
 * listed keys of the segment, those it has.  A NULL segment or key list
 * gives the empty object: the deal belongs to the whole stage.  Runs once
 * or twice per open deal when stalled deals are computed, hence the care.
 */
Datum
segment_key(PG_FUNCTION_ARGS)
{
	Jsonb	   *segment;
	SegmentKeys *sk;
	JsonbValue	object;
	JsonbValue *values;
	int			i;

	object.type = jbvObject;
	object.val.object.nPairs = 0;
	object.val.object.pairs = NULL;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_JSONB_P(JsonbValueToJsonb(&object));
	segment = PG_GETARG_JSONB_P(0);
	sk = GetSegmentKeys(fcinfo, PG_GETARG_ARRAYTYPE_P(1));
	if (!JB_ROOT_IS_OBJECT(segment) || sk->nkeys == 0)
		PG_RETURN_JSONB_P(JsonbValueToJsonb(&object));

	values = palloc(sizeof(JsonbValue) * sk->nkeys);
	object.val.object.pairs = sk->pairs;
	for (i = 0; i < sk->nkeys; i++)
	{
		JsonbValue *v = &values[object.val.object.nPairs];

		if (getKeyJsonValueFromContainer(&segment->root, sk->keys[i].val.string.val,
										 sk->keys[i].val.string.len, v) == NULL)
			continue;
		if (v->type == jbvBinary)
			PG_RETURN_JSONB_P(SegmentKeyNested(segment, sk));
		sk->pairs[object.val.object.nPairs].key = sk->keys[i];
		sk->pairs[object.val.object.nPairs].value = *v;
		sk->pairs[object.val.object.nPairs].order = object.val.object.nPairs;
		object.val.object.nPairs++;
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(&object));
}
