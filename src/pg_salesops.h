/*
 * pg_salesops.h
 *		Module-wide declarations: the initialisers each room exposes to
 *		_PG_init, so that GUCs are defined in one place and in a fixed order.
 */
#ifndef PG_SALESOPS_H
#define PG_SALESOPS_H

#define SALESOPS_GUC_PREFIX "salesops"


#endif							/* PG_SALESOPS_H */
