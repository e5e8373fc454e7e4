/*
 * stage_trigger.c
 *		The trigger that salesops.track_stages() attaches to a user's deals
 *		table: a change of its stage column becomes a call of
 *		salesops.move_deal(), so stage history is recorded without any
 *		change to the application.
 *
 * The trigger arguments carry the configuration: pipeline, deal column,
 * stage column, then the segment columns.  Column numbers, the equality of
 * the stage column's type and the prepared call of move_deal are resolved on
 * the first row and cached per trigger, in a hash keyed by the trigger's
 * OID.  A relcache invalidation of the table (ALTER TABLE, CREATE or DROP
 * TRIGGER) marks its entries stale, so nothing is looked up per row and
 * nothing stale is used.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "pipeline/pipeline.h"

PG_FUNCTION_INFO_V1(stage_history_trigger);

typedef struct TrackedTrigger
{
	Oid			tgoid;			/* hash key */
	Oid			relid;
	bool		valid;
	MemoryContext cxt;			/* owns everything below but the plan */
	Datum		pipeline;		/* text */
	AttrNumber	deal_att;
	AttrNumber	stage_att;
	Oid			stage_collation;
	bool		has_eq;
	FmgrInfo	stage_eq;		/* "=" of the stage column's type */
	int			nsegment;
	AttrNumber *segment_atts;
	SPIPlanPtr	plan;			/* SELECT salesops.move_deal(...) */
} TrackedTrigger;

static HTAB *tracked_triggers = NULL;

static void
InvalidateTracked(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	TrackedTrigger *t;

	hash_seq_init(&status, tracked_triggers);
	while ((t = (TrackedTrigger *) hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || t->relid == relid)
			t->valid = false;
	}
}

static AttrNumber
ColumnNumber(Relation rel, const char *name)
{
	int			att = SPI_fnumber(RelationGetDescr(rel), name);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, RelationGetRelationName(rel)),
				 errdetail("Stage tracking of the table names this column."),
				 errhint("Call salesops.track_stages() again after changing the table.")));
	return (AttrNumber) att;
}

/* Resolve a trigger's arguments and prepare its call; runs inside SPI. */
static void
BuildTracked(TrackedTrigger *t, TriggerData *td, Oid funcoid)
{
	Trigger    *trigger = td->tg_trigger;
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext old;
	StringInfoData query;
	Oid		   *argtypes;
	Form_pg_attribute stage_attr;
	TypeCacheEntry *typentry;
	char	   *schema;
	int			i;

	if (trigger->tgnargs < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trigger \"%s\" on relation \"%s\" lacks its pipeline, deal and stage arguments",
						trigger->tgname, RelationGetRelationName(rel)),
				 errhint("Attach the trigger with salesops.track_stages().")));

	t->relid = RelationGetRelid(rel);
	t->cxt = AllocSetContextCreate(CacheMemoryContext, "salesops stage tracking",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(t->cxt);

	t->pipeline = CStringGetTextDatum(trigger->tgargs[0]);
	t->deal_att = ColumnNumber(rel, trigger->tgargs[1]);
	t->stage_att = ColumnNumber(rel, trigger->tgargs[2]);
	stage_attr = TupleDescAttr(desc, t->stage_att - 1);
	t->stage_collation = stage_attr->attcollation;
	typentry = lookup_type_cache(stage_attr->atttypid, TYPECACHE_EQ_OPR_FINFO);
	t->has_eq = OidIsValid(typentry->eq_opr_finfo.fn_oid);
	if (t->has_eq)
		fmgr_info_copy(&t->stage_eq, &typentry->eq_opr_finfo, t->cxt);
	t->nsegment = trigger->tgnargs - 3;
	t->segment_atts = palloc(sizeof(AttrNumber) * Max(t->nsegment, 1));
	argtypes = palloc(sizeof(Oid) * (3 + t->nsegment));
	argtypes[0] = TEXTOID;
	argtypes[1] = TupleDescAttr(desc, t->deal_att - 1)->atttypid;
	argtypes[2] = stage_attr->atttypid;

	/* move_deal lives in the schema of this trigger function */
	schema = get_namespace_name(get_func_namespace(funcoid));
	initStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT %s.move_deal($1, $2::pg_catalog.text, $3::pg_catalog.text, pg_catalog.now(), ",
					 quote_identifier(schema));
	if (t->nsegment == 0)
		appendStringInfoString(&query, "NULL::pg_catalog.jsonb)");
	else
	{
		appendStringInfoString(&query, "pg_catalog.jsonb_build_object(");
		for (i = 0; i < t->nsegment; i++)
		{
			const char *name = trigger->tgargs[3 + i];

			t->segment_atts[i] = ColumnNumber(rel, name);
			argtypes[3 + i] = TupleDescAttr(desc, t->segment_atts[i] - 1)->atttypid;
			appendStringInfo(&query, "%s%s::pg_catalog.text, $%d",
							 i > 0 ? ", " : "", quote_literal_cstr(name), 4 + i);
		}
		appendStringInfoString(&query, "))");
	}
	MemoryContextSwitchTo(old);

	t->plan = SPI_prepare(query.data, 3 + t->nsegment, argtypes);
	if (t->plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", query.data, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(t->plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	t->valid = true;
}

static TrackedTrigger *
GetTracked(TriggerData *td, Oid funcoid)
{
	Oid			tgoid = td->tg_trigger->tgoid;
	TrackedTrigger *t;
	bool		found;

	if (tracked_triggers == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(TrackedTrigger);
		tracked_triggers = hash_create("salesops tracked triggers", 16, &ctl,
									   HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(InvalidateTracked, (Datum) 0);
	}
	t = (TrackedTrigger *) hash_search(tracked_triggers, &tgoid, HASH_ENTER, &found);
	if (found && t->valid)
		return t;
	if (found)
	{
		if (t->plan)
			SPI_freeplan(t->plan);
		if (t->cxt)
			MemoryContextDelete(t->cxt);
	}
	t->valid = false;
	t->plan = NULL;
	t->cxt = NULL;
	BuildTracked(t, td, funcoid);
	return t;
}

static bool
StageUnchanged(TrackedTrigger *t, TupleDesc desc, HeapTuple oldtup, Datum stage)
{
	bool		isnull;
	Datum		old = heap_getattr(oldtup, t->stage_att, desc, &isnull);
	Form_pg_attribute attr = TupleDescAttr(desc, t->stage_att - 1);

	if (isnull)
		return false;
	if (t->has_eq)
		return DatumGetBool(FunctionCall2Coll(&t->stage_eq, t->stage_collation, old, stage));
	return datumIsEqual(old, stage, attr->attbyval, attr->attlen);
}

/*
 * AFTER INSERT OR UPDATE OF <stage> FOR EACH ROW: record the row's stage
 * when it is new or changed.  A row without a stage is not in the pipeline
 * yet; an unknown stage or a NULL deal id fails the statement.
 */
Datum
stage_history_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TrackedTrigger *t;
	TupleDesc	desc;
	HeapTuple	row;
	Datum	   *values;
	char	   *nulls;
	bool		isnull;
	int			i;
	int			ret;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stage_history_trigger() was not called by the trigger manager")));
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("stage_history_trigger() must be fired AFTER INSERT OR UPDATE FOR EACH ROW"),
				 errhint("Attach the trigger with salesops.track_stages().")));

	desc = RelationGetDescr(td->tg_relation);
	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	t = GetTracked(td, fcinfo->flinfo->fn_oid);

	values = palloc(sizeof(Datum) * (3 + t->nsegment));
	nulls = palloc(3 + t->nsegment);
	memset(nulls, ' ', 3 + t->nsegment);

	values[2] = heap_getattr(row, t->stage_att, desc, &isnull);
	if (isnull ||
		(TRIGGER_FIRED_BY_UPDATE(td->tg_event) && StageUnchanged(t, desc, td->tg_trigtuple, values[2])))
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	values[0] = t->pipeline;
	values[1] = heap_getattr(row, t->deal_att, desc, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("deal id column \"%s\" of relation \"%s\" is null",
						NameStr(TupleDescAttr(desc, t->deal_att - 1)->attname),
						RelationGetRelationName(td->tg_relation)),
				 errdetail("A row with a stage needs a deal id for its stage history.")));
	for (i = 0; i < t->nsegment; i++)
	{
		values[3 + i] = heap_getattr(row, t->segment_atts[i], desc, &isnull);
		if (isnull)
			nulls[3 + i] = 'n';
	}

	ret = SPI_execute_plan(t->plan, values, nulls, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	return PointerGetDatum(NULL);
}
