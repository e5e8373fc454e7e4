/*
 * pg_salesops.c
 *		Module entry point: PG_MODULE_MAGIC, _PG_init and the GUCs.
 *
 * The library is meant to be listed in shared_preload_libraries, so that
 * later rooms can register the background worker; every SQL function also
 * works when the library is merely loaded on first use.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "pg_salesops.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* each room's settings, before the prefix is reserved */
	PipelineDefineGucs();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved(SALESOPS_GUC_PREFIX);
#else
	EmitWarningsOnPlaceholders(SALESOPS_GUC_PREFIX);
#endif
}
