/*
 * rule_explain.c
 *		rule_explain(): evaluate a rule with tracing on and render the tree
 *		as jsonb, every node with its canonical text, the value it produced
 *		and, for a NULL that has a cause, the reason.
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "rule/rule.h"

PG_FUNCTION_INFO_V1(rule_explain);
PG_FUNCTION_INFO_V1(rule_explain_at);

static void
append_note(StringInfo buf, const RuleData *r, int node, const RuleTrace *t)
{
	const RuleNode *n = &RuleNodes(r)[node];
	const char *note = NULL;
	char	   *owned = NULL;

	switch ((RuleNote) t->value.note)
	{
		case RN_NONE:
			return;
		case RN_MISSING:
			note = "key is missing from the document";
			break;
		case RN_NOT_OBJECT:
			note = (n->op == RO_ATTR && RuleAttrs(r)[n->arg].nkeys > 1)
				? "path does not lead through objects"
				: "document is not an object";
			break;
		case RN_TYPE_MISMATCH:
			if (t->detail_type[0] != t->detail_type[1])
				note = owned = psprintf("type mismatch: %s compared with %s",
										RuleTypeName(t->detail_type[0]),
										RuleTypeName(t->detail_type[1]));
			else
				note = "type mismatch";
			break;
		case RN_BAD_DATETIME:
			note = "string is not an ISO 8601 date or timestamp";
			break;
		case RN_BAD_NUMBER:
			note = "string is not a number";
			break;
		case RN_DIVISION_BY_ZERO:
			note = "division by zero";
			break;
		case RN_OVERFLOW:
			note = "numeric overflow";
			break;
	}
	appendStringInfoString(buf, ", \"note\": ");
	escape_json(buf, note);
	if (owned)
		pfree(owned);
}

static void
render_node(StringInfo buf, const RuleData *r, int node, const RuleTrace *trace)
{
	const RuleNode *n = &RuleNodes(r)[node];
	const int32 *kids = RuleChildren(r) + n->arg;
	StringInfoData expr;
	int			i;

	initStringInfo(&expr);
	DeparseRule(&expr, r, node);
	appendStringInfoString(buf, "{\"expr\": ");
	escape_json(buf, expr.data);
	pfree(expr.data);

	if (!trace[node].evaluated)
		appendStringInfoString(buf, ", \"skipped\": true");
	else
	{
		appendStringInfoString(buf, ", \"value\": ");
		RuleValueOut(buf, &trace[node].value, true);
		append_note(buf, r, node, &trace[node]);
	}

	if (n->op != RO_CONST && n->op != RO_ATTR && n->nargs > 0)
	{
		appendStringInfoString(buf, ", \"args\": [");
		for (i = 0; i < n->nargs; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			render_node(buf, r, kids[i], trace);
		}
		appendStringInfoChar(buf, ']');
	}
	appendStringInfoChar(buf, '}');
}

static Datum
explain(FunctionCallInfo fcinfo, TimestampTz at)
{
	RuleData   *rule = PG_GETARG_RULE_P(0);
	Jsonb	   *doc = PG_GETARG_JSONB_P(1);
	RuleEvalContext cxt;
	RuleValue	v;
	StringInfoData buf;
	StringInfoData text;

	RuleEvalInit(&cxt, rule, doc, at);
	cxt.trace = palloc0(sizeof(RuleTrace) * rule->nnodes);
	EvalRule(&cxt, rule->root, &v);

	initStringInfo(&text);
	DeparseRule(&text, rule, rule->root);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"rule\": ");
	escape_json(&buf, text.data);
	appendStringInfoString(&buf, ", \"result\": ");
	RuleValueOut(&buf, &v, true);
	if (rule->flags & RULE_FLAG_USES_TIME)
	{
		RuleValue	t;

		t.type = RT_TIMESTAMP;
		t.v.ts = at;
		appendStringInfoString(&buf, ", \"evaluated_at\": ");
		RuleValueOut(&buf, &t, true);
	}
	appendStringInfoString(&buf, ", \"tree\": ");
	render_node(&buf, rule, rule->root, cxt.trace);
	appendStringInfoChar(&buf, '}');

	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

Datum
rule_explain(PG_FUNCTION_ARGS)
{
	return explain(fcinfo, GetCurrentTransactionStartTimestamp());
}

Datum
rule_explain_at(PG_FUNCTION_ARGS)
{
	return explain(fcinfo, PG_GETARG_TIMESTAMPTZ(2));
}
