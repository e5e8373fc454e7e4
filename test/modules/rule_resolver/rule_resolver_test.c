/*
 * rule_resolver_test.c
 *		Test module for RegisterRuleReferenceResolver: a resolver named
 *		"segment" that expands segment('name') into a fixed rule text.
 *
 * Loaded with LOAD after pg_salesops (which the server preloads), so the
 * registration function resolves against the already loaded library.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "rule/rule.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *
resolve_segment(const char *name, int nargs, const RuleLiteral *args, void *private)
{
	if (nargs != 1 || args[0].type != RT_STRING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segment() takes one string")));
	if (strcmp(args[0].text, "large_medical") == 0)
		return pstrdup("sector = 'medical' AND employees >= 500");
	if (strcmp(args[0].text, "hot") == 0)
		return pstrdup("visits > 3 OR segment('large_medical')");
	if (strcmp(args[0].text, "loop") == 0)
		return pstrdup("segment('loop')");
	if (strcmp(args[0].text, "broken") == 0)
		return pstrdup("visits >");
	if (strcmp(args[0].text, "wide") == 0)
	{
		/* 10,000 operands of AND: seven of these make one run too long */
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "x");
		for (int i = 1; i < 10000; i++)
			appendStringInfoString(&buf, " AND x");
		return buf.data;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("segment \"%s\" does not exist", args[0].text)));
	return NULL;
}

void
_PG_init(void)
{
	RegisterRuleReferenceResolver("segment", resolve_segment, NULL);
}
