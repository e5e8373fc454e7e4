/*
 * rule_type.c
 *		SQL interface of the type salesops.rule: input and output, binary
 *		I/O, equality, ordering and hashing, and the evaluation functions.
 */
#include "postgres.h"

#include "access/hash.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "rule/rule.h"

PG_FUNCTION_INFO_V1(rule_in);
PG_FUNCTION_INFO_V1(rule_out);
PG_FUNCTION_INFO_V1(rule_recv);
PG_FUNCTION_INFO_V1(rule_send);
PG_FUNCTION_INFO_V1(rule_eq);
PG_FUNCTION_INFO_V1(rule_ne);
PG_FUNCTION_INFO_V1(rule_lt);
PG_FUNCTION_INFO_V1(rule_le);
PG_FUNCTION_INFO_V1(rule_gt);
PG_FUNCTION_INFO_V1(rule_ge);
PG_FUNCTION_INFO_V1(rule_cmp);
PG_FUNCTION_INFO_V1(rule_hash);
PG_FUNCTION_INFO_V1(rule_hash_extended);
PG_FUNCTION_INFO_V1(rule_test);
PG_FUNCTION_INFO_V1(rule_test_at);
PG_FUNCTION_INFO_V1(rule_matches);
PG_FUNCTION_INFO_V1(rule_value);
PG_FUNCTION_INFO_V1(rule_value_at);
PG_FUNCTION_INFO_V1(rule_attributes);

/* The version byte of the binary format: the canonical text follows it. */
#define RULE_SEND_VERSION 1

Datum
rule_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);

	PG_RETURN_RULE_P(CompileRule(text, strlen(text)));
}

Datum
rule_out(PG_FUNCTION_ARGS)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	DeparseRule(&buf, rule, rule->root);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * The binary form is a version byte and the canonical text.  A value from a
 * client is untrusted, so it goes through the same compiler as text input;
 * a compiled datum is never accepted from outside.
 */
Datum
rule_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	char	   *text;
	int			nbytes;

	if (version != RULE_SEND_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary format version %d for type rule", version),
				 errdetail("This server reads version %d.", RULE_SEND_VERSION)));
	text = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	PG_RETURN_RULE_P(CompileRule(text, nbytes));
}

Datum
rule_send(PG_FUNCTION_ARGS)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);
	StringInfoData text;
	StringInfoData buf;

	initStringInfo(&text);
	DeparseRule(&text, rule, rule->root);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RULE_SEND_VERSION);
	pq_sendtext(&buf, text.data, text.len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Compilation is deterministic and its padding zeroed, so equal canonical
 * texts give equal bytes: compare and hash the compiled form directly.
 */
static int
rule_compare(FunctionCallInfo fcinfo)
{
	RuleData   *a = PG_GETARG_RULE_P(0);
	RuleData   *b = PG_GETARG_RULE_P(1);
	Size		la = VARSIZE(a),
				lb = VARSIZE(b);
	int			c;

	/* an arbitrary but total order: by size, then by bytes */
	if (la != lb)
		return la < lb ? -1 : 1;
	c = memcmp(VARDATA(a), VARDATA(b), la - VARHDRSZ);
	return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Datum
rule_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) == 0);
}

Datum
rule_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) != 0);
}

Datum
rule_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) < 0);
}

Datum
rule_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) <= 0);
}

Datum
rule_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) > 0);
}

Datum
rule_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rule_compare(fcinfo) >= 0);
}

Datum
rule_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(rule_compare(fcinfo));
}

Datum
rule_hash(PG_FUNCTION_ARGS)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);

	PG_RETURN_DATUM(hash_any((unsigned char *) VARDATA(rule), VARSIZE(rule) - VARHDRSZ));
}

Datum
rule_hash_extended(PG_FUNCTION_ARGS)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);

	PG_RETURN_DATUM(hash_any_extended((unsigned char *) VARDATA(rule), VARSIZE(rule) - VARHDRSZ,
									  PG_GETARG_INT64(1)));
}

static void
require_result(const RuleData *rule, RuleType want)
{
	RuleType	t = rule->result_type;
	StringInfoData text;

	if (t == want || t == RT_ANY || t == RT_NULL)
		return;
	initStringInfo(&text);
	DeparseRule(&text, rule, rule->root);
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("rule does not yield a %s", RuleTypeName(want)),
			 errdetail("The rule \"%s\" yields a %s.", text.data, RuleTypeName(t)),
			 want == RT_BOOL ? errhint("Use rule_value() for formulas.")
			 : errhint("Use rule_test() for conditions.")));
}

/*
 * Per call site scratch in fn_extra: where each key of the rule was found in
 * the previous document (only a hint, checked before use, so a different
 * rule on the next row costs nothing but a miss), and room for the offsets
 * of the document's entries.
 */
typedef struct CallCache
{
	int			hints_cap;
	int32	   *hints;
	int			offsets_cap;
	uint32	   *offsets;
} CallCache;

static void
use_call_cache(FunctionCallInfo fcinfo, RuleEvalContext *cxt)
{
	CallCache  *cc = (CallCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	int			nkeys = cxt->rule->nkeys;
	int			nentries = cxt->doc ? 2 * JsonContainerSize(cxt->doc) : 0;

	if (cc == NULL)
	{
		cc = MemoryContextAllocZero(mcxt, sizeof(CallCache));
		fcinfo->flinfo->fn_extra = cc;
	}
	if (cc->hints_cap < nkeys)
	{
		int			n = Max(nkeys, 16);

		if (cc->hints)
			pfree(cc->hints);
		cc->hints = MemoryContextAlloc(mcxt, sizeof(int32) * n);
		memset(cc->hints, 0xff, sizeof(int32) * n); /* -1: no hint */
		cc->hints_cap = n;
	}
	if (cc->offsets_cap < nentries + 1)
	{
		int			n = Max(nentries + 1, 64);

		if (cc->offsets)
			pfree(cc->offsets);
		cc->offsets = MemoryContextAlloc(mcxt, sizeof(uint32) * n);
		cc->offsets_cap = n;
	}
	cxt->key_hints = nkeys > 0 ? cc->hints : NULL;
	if (cxt->doc)
	{
		cc->offsets[0] = 0;
		cxt->offsets = cc->offsets;
		cxt->noffsets = 1;
	}
}

/* Evaluate at the given time, or at the transaction start when the rule reads time. */
static void
evaluate(FunctionCallInfo fcinfo, int rulearg, int docarg, int atarg, RuleType want,
		 RuleValue *out)
{
	RuleData   *rule = PG_GETARG_RULE_P(rulearg);
	Jsonb	   *doc = PG_GETARG_JSONB_P(docarg);
	RuleEvalContext cxt;
	TimestampTz at;

	require_result(rule, want);
	if (atarg >= 0)
		at = PG_GETARG_TIMESTAMPTZ(atarg);
	else
		at = (rule->flags & RULE_FLAG_USES_TIME) ? GetCurrentTransactionStartTimestamp() : 0;
	RuleEvalInit(&cxt, rule, doc, at);
	use_call_cache(fcinfo, &cxt);
	EvalRule(&cxt, rule->root, out);
}

static Datum
test_result(FunctionCallInfo fcinfo, const RuleValue *v)
{
	if (v->type != RT_BOOL)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(v->b);
}

Datum
rule_test(PG_FUNCTION_ARGS)
{
	RuleValue	v;

	evaluate(fcinfo, 0, 1, -1, RT_BOOL, &v);
	return test_result(fcinfo, &v);
}

Datum
rule_test_at(PG_FUNCTION_ARGS)
{
	RuleValue	v;

	evaluate(fcinfo, 0, 1, 2, RT_BOOL, &v);
	return test_result(fcinfo, &v);
}

/* doc @@ rule */
Datum
rule_matches(PG_FUNCTION_ARGS)
{
	RuleValue	v;

	evaluate(fcinfo, 1, 0, -1, RT_BOOL, &v);
	return test_result(fcinfo, &v);
}

static Datum
value_result(FunctionCallInfo fcinfo, const RuleValue *v)
{
	if (v->type != RT_NUMBER)
		PG_RETURN_NULL();
	/* the number may point into the document or the rule: return a copy */
	PG_RETURN_NUMERIC(DatumGetNumericCopy(NumericGetDatum(v->v.num)));
}

Datum
rule_value(PG_FUNCTION_ARGS)
{
	RuleValue	v;

	evaluate(fcinfo, 0, 1, -1, RT_NUMBER, &v);
	return value_result(fcinfo, &v);
}

Datum
rule_value_at(PG_FUNCTION_ARGS)
{
	RuleValue	v;

	evaluate(fcinfo, 0, 1, 2, RT_NUMBER, &v);
	return value_result(fcinfo, &v);
}

Datum
rule_attributes(PG_FUNCTION_ARGS)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * Max(rule->nattrs, 1));
	int			i;

	for (i = 0; i < rule->nattrs; i++)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		DeparseRuleAttr(&buf, rule, i);
		elems[i] = PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, rule->nattrs, TEXTOID, -1, false, TYPALIGN_INT));
}
