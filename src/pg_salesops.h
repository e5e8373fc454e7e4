/*
 * pg_salesops.h
 *		Module-wide declarations: the initialisers each room exposes to
 *		_PG_init, so that GUCs are defined in one place and in a fixed order.
 */
#ifndef PG_SALESOPS_H
#define PG_SALESOPS_H

#define SALESOPS_GUC_PREFIX "salesops"

/* pipeline room (src/pipeline/pipeline.c): salesops.min_baseline_samples, salesops.notify_alerts */
extern void PipelineDefineGucs(void);


#endif							/* PG_SALESOPS_H */
