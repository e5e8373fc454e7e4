/*
 * rule.h
 *		The rule language: a small, safe boolean-and-arithmetic expression
 *		language over a jsonb document, compiled into the type salesops.rule.
 *
 * This header is the room's C API for the other rooms: compile a rule from
 * text, evaluate a compiled rule against a document, and register resolvers
 * for named references (concepts, scales) that are expanded at compile time.
 *
 * A compiled rule is one varlena holding flat arrays (nodes, child indexes,
 * constants, attribute paths) and a byte blob, all addressed by offsets from
 * the start of the datum.  Nothing in it is a pointer, so a value read from a
 * table is evaluated in place; nothing is parsed again at evaluation time.
 * The canonical text is regenerated from the compiled form on output.
 */
#ifndef SALESOPS_RULE_H
#define SALESOPS_RULE_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Limits enforced by the compiler; each has its own error. */
#define RULE_MAX_TEXT_BYTES		65536
#define RULE_MAX_DEPTH			100

/* Bumped whenever the on-disk layout of RuleData changes. */
#define RULE_FORMAT_VERSION		1

/* Static and run-time value kinds. */
typedef enum RuleType
{
	RT_NULL = 0,				/* SQL NULL (literal or missing key) */
	RT_BOOL,
	RT_NUMBER,
	RT_STRING,
	RT_DATE,
	RT_TIMESTAMP,
	RT_JSON,					/* a jsonb object or array */
	RT_ANY						/* static only: known at evaluation time */
} RuleType;

/* Node operators. */
typedef enum RuleOp
{
	RO_CONST = 0,
	RO_ATTR,
	RO_AND,
	RO_OR,
	RO_NOT,
	RO_EQ,
	RO_NE,
	RO_LT,
	RO_LE,
	RO_GT,
	RO_GE,
	RO_ADD,
	RO_SUB,
	RO_MUL,
	RO_DIV,
	RO_MOD,
	RO_NEG,
	RO_IS_NULL,
	RO_IS_NOT_NULL,
	RO_IN,
	RO_NOT_IN,
	RO_BETWEEN,
	RO_NOT_BETWEEN,
	RO_LIKE,
	RO_NOT_LIKE,
	RO_ILIKE,
	RO_NOT_ILIKE,
	RO_FUNC,
	RO_POS						/* unary plus of an operand not known to be a number */
} RuleOp;

/* Whitelisted functions. */
typedef enum RuleFunc
{
	RF_ABS = 0,
	RF_CEIL,
	RF_FLOOR,
	RF_ROUND,
	RF_LEAST,
	RF_GREATEST,
	RF_COALESCE,
	RF_LOWER,
	RF_UPPER,
	RF_LENGTH,
	RF_TRIM,
	RF_DAYS_SINCE,
	RF_NUMBER,
	RF_STRING,
	RF_NFUNCS
} RuleFunc;

typedef struct RuleNode
{
	uint8		op;				/* RuleOp */
	uint8		type;			/* static RuleType of the result */
	uint16		nargs;			/* number of children */
	int32		arg;			/* first child in children[], or const/attr index */
	int32		func;			/* RuleFunc for RO_FUNC, else 0 */
} RuleNode;

typedef struct RuleConst
{
	uint8		type;			/* RuleType */
	uint8		pad[3];
	uint32		len;			/* bytes of string or numeric in the blob */
	int64		value;			/* bool, date (DateADT), timestamp (usec UTC), or blob offset */
} RuleConst;

typedef struct RuleKey
{
	uint32		offset;			/* into the blob */
	uint32		len;
} RuleKey;

typedef struct RuleAttr
{
	uint32		first_key;		/* index into keys[] */
	uint32		nkeys;
} RuleAttr;

typedef struct RuleData
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint16		format;			/* RULE_FORMAT_VERSION */
	uint8		result_type;	/* static RuleType of the whole rule */
	uint8		flags;			/* RULE_FLAG_* */
	int32		root;			/* index of the root node */
	int32		nnodes;
	int32		nchildren;
	int32		nconsts;
	int32		nattrs;
	int32		nkeys;
	int32		bloblen;
	/* MAXALIGNed sections follow: nodes, children, consts, attrs, keys, blob */
} RuleData;

#define RULE_FLAG_USES_TIME		0x01	/* evaluation reads the evaluation time */

#define DatumGetRuleP(X)		((RuleData *) PG_DETOAST_DATUM(X))
#define PG_GETARG_RULE_P(n)		DatumGetRuleP(PG_GETARG_DATUM(n))
#define PG_RETURN_RULE_P(x)		PG_RETURN_POINTER(x)

static inline RuleNode *
RuleNodes(const RuleData *r)
{
	return (RuleNode *) ((char *) r + MAXALIGN(sizeof(RuleData)));
}

static inline int32 *
RuleChildren(const RuleData *r)
{
	return (int32 *) ((char *) RuleNodes(r) + MAXALIGN(sizeof(RuleNode) * r->nnodes));
}

static inline RuleConst *
RuleConsts(const RuleData *r)
{
	return (RuleConst *) ((char *) RuleChildren(r) + MAXALIGN(sizeof(int32) * r->nchildren));
}

static inline RuleAttr *
RuleAttrs(const RuleData *r)
{
	return (RuleAttr *) ((char *) RuleConsts(r) + MAXALIGN(sizeof(RuleConst) * r->nconsts));
}

static inline RuleKey *
RuleKeys(const RuleData *r)
{
	return (RuleKey *) ((char *) RuleAttrs(r) + MAXALIGN(sizeof(RuleAttr) * r->nattrs));
}

static inline char *
RuleBlob(const RuleData *r)
{
	return (char *) RuleKeys(r) + MAXALIGN(sizeof(RuleKey) * r->nkeys);
}

/* Why a value is NULL, or which non-fatal problem evaluation met. */
typedef enum RuleNote
{
	RN_NONE = 0,
	RN_MISSING,					/* a key of the path is absent */
	RN_NOT_OBJECT,				/* a path step met a non-object */
	RN_TYPE_MISMATCH,			/* operands of incompatible kinds */
	RN_BAD_DATETIME,			/* a string is not an ISO 8601 date/timestamp */
	RN_BAD_NUMBER,				/* number() of a string that is not a number */
	RN_DIVISION_BY_ZERO,
	RN_OVERFLOW
} RuleNote;

/* A value during evaluation.  Strings point into the document or the rule. */
typedef struct RuleValue
{
	uint8		type;			/* RuleType, never RT_ANY */
	uint8		note;			/* RuleNote explaining a NULL */
	bool		b;
	int32		len;			/* string length in bytes */
	union
	{
		Numeric		num;
		const char *str;
		DateADT		date;
		TimestampTz ts;
		JsonbContainer *json;
	}			v;
} RuleValue;

/* Per-node trace, filled only when explaining. */
typedef struct RuleTrace
{
	bool		evaluated;
	RuleValue	value;
	uint8		detail_type[2];	/* the kinds met by a type mismatch */
} RuleTrace;

typedef struct RuleEvalContext
{
	const RuleData *rule;
	JsonbContainer *doc;		/* NULL when the document is not an object */
	TimestampTz at;				/* evaluation time */
	RuleTrace  *trace;			/* nnodes entries, or NULL */
	int32	   *key_hints;		/* nkeys entries where each key was last found, or NULL */

	/*
	 * Start offsets of the document's top-level entries, filled forward as
	 * evaluation needs them (offsets[0 .. noffsets - 1] are known), so that
	 * reading several keys of one document walks its entries once.  NULL for
	 * no cache; else room for 2 * (number of pairs) entries.
	 */
	uint32	   *offsets;
	int			noffsets;
} RuleEvalContext;

/* Compile-time resolution of named references such as concept('x'). */
typedef struct RuleLiteral
{
	RuleType	type;			/* RT_STRING or RT_NUMBER */
	const char *text;			/* NUL-terminated; numbers in canonical form */
} RuleLiteral;

/*
 * A resolver returns the text of a rule expression that replaces the call,
 * or raises an error.  It runs inside the rule's input function.
 */
typedef char *(*RuleReferenceResolver) (const char *name, int nargs,
										const RuleLiteral *args, void *private);

extern void RegisterRuleReferenceResolver(const char *name,
										  RuleReferenceResolver resolver,
										  void *private);

/* Compiler and deparser (rule_parse.c). */
extern RuleData *CompileRule(const char *text, int len);
extern void DeparseRule(StringInfo buf, const RuleData *rule, int node);
extern const char *RuleTypeName(RuleType type);
extern const char *RuleFuncName(RuleFunc func);
extern void DeparseRuleAttr(StringInfo buf, const RuleData *rule, int attr);
extern bool ParseIsoDatetime(const char *s, int len, RuleValue *out);

/* Evaluator (rule_eval.c). */
extern void EvalRule(RuleEvalContext *cxt, int node, RuleValue *out);
extern int	RuleTest(const RuleData *rule, Jsonb *doc, TimestampTz at);	/* -1 null, 0, 1 */
extern void RuleEvalInit(RuleEvalContext *cxt, const RuleData *rule, Jsonb *doc, TimestampTz at);
extern void RuleValueOut(StringInfo buf, const RuleValue *value, bool json);

#endif							/* SALESOPS_RULE_H */
