/*
 * rule_eval.c
 *		Evaluation of a compiled rule against a jsonb document.
 *
 * SQL three-valued logic throughout.  A missing key is NULL; values of
 * incompatible kinds compare as NULL; arithmetic errors (division by zero,
 * overflow) give NULL.  Nothing here raises an error for anything a document
 * contains, so a bad document can never abort the transaction carrying it;
 * the reason for each NULL is kept in RuleValue.note for rule_explain.
 *
 * Values point into the document or the rule where they can; only computed
 * strings and numbers are palloc'd, in the caller's (per-row) context.
 */
#include "postgres.h"

#include "catalog/pg_collation_d.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/formatting.h"
#include "utils/fmgrprotos.h"

#include "rule/rule.h"

static inline void
set_null(RuleValue *out, RuleNote note)
{
	out->type = RT_NULL;
	out->note = note;
}

static inline void
set_bool(RuleValue *out, bool b)
{
	out->type = RT_BOOL;
	out->note = RN_NONE;
	out->b = b;
}

static inline void
set_number(RuleValue *out, Numeric num)
{
	out->type = RT_NUMBER;
	out->note = RN_NONE;
	out->v.num = num;
}

static inline void
set_string(RuleValue *out, const char *s, int len)
{
	out->type = RT_STRING;
	out->note = RN_NONE;
	out->v.str = s;
	out->len = len;
}

static void
trace_mismatch(RuleEvalContext *cxt, int node, const RuleValue *a, const RuleValue *b)
{
	if (cxt->trace)
	{
		cxt->trace[node].detail_type[0] = a->type;
		cxt->trace[node].detail_type[1] = b->type;
	}
}

static inline void
const_value(const RuleData *r, const RuleConst *c, RuleValue *out)
{
	out->note = RN_NONE;
	out->type = c->type;
	switch ((RuleType) c->type)
	{
		case RT_BOOL:
			out->b = (c->value != 0);
			break;
		case RT_NUMBER:
			out->v.num = (Numeric) (RuleBlob(r) + c->value);
			break;
		case RT_STRING:
			out->v.str = RuleBlob(r) + c->value;
			out->len = c->len;
			break;
		case RT_DATE:
			out->v.date = (DateADT) c->value;
			break;
		case RT_TIMESTAMP:
			out->v.ts = c->value;
			break;
		default:
			break;
	}
}

/*
 * Direct access to a jsonb object's entries.  jsonb_util.c keeps its own
 * helpers static; these follow the layout documented in utils/jsonb.h: an
 * object of n pairs has 2n JEntries (keys sorted by length, then bytes,
 * followed by the values), and every JB_OFFSET_STRIDE'th entry stores an
 * end offset instead of a length.
 */
static inline uint32
entry_offset(const JsonbContainer *c, int index)
{
	uint32		off = 0;
	int			i;

	for (i = index - 1; i >= 0; i--)
	{
		off += JBE_OFFLENFLD(c->children[i]);
		if (JBE_HAS_OFF(c->children[i]))
			break;
	}
	return off;
}

static inline uint32
entry_length(const JsonbContainer *c, int index, uint32 off)
{
	JEntry		e = c->children[index];

	return JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) - off : JBE_OFFLENFLD(e);
}

/*
 * Start offset of entry index of container c: from the context's cache when
 * c is the document itself and the entry is near what is known, else by the
 * backward walk.  Extending the cache forward costs one step per entry, so a
 * far entry of a very large object is not worth it.
 */
static inline uint32
doc_offset(RuleEvalContext *cxt, const JsonbContainer *c, int index)
{
	if (c == cxt->doc && cxt->offsets != NULL)
	{
		int			i = cxt->noffsets - 1;
		uint32		off;

		if (index <= i)
			return cxt->offsets[index];
		if (index - i <= 2 * JB_OFFSET_STRIDE)
		{
			off = cxt->offsets[i];
			for (; i < index; i++)
			{
				JEntry		e = c->children[i];

				off = JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : off + JBE_OFFLENFLD(e);
				cxt->offsets[i + 1] = off;
			}
			cxt->noffsets = index + 1;
			return off;
		}
	}
	return entry_offset(c, index);
}

/* Is key number i of the object (of count pairs) equal to the given key? */
static inline int
compare_key(RuleEvalContext *cxt, const JsonbContainer *c, const char *base, int i,
			const char *key, uint32 keylen)
{
	JEntry		e = c->children[i];
	uint32		off;
	uint32		len;

	/*
	 * jsonb's order: shorter keys first, then bytes.  Most entries store
	 * their length, so most probes are decided without walking back for the
	 * offset.
	 */
	if (!JBE_HAS_OFF(e))
	{
		len = JBE_OFFLENFLD(e);
		if (len != keylen)
			return len < keylen ? -1 : 1;
	}
	off = doc_offset(cxt, c, i);
	len = entry_length(c, i, off);
	if (len != keylen)
		return len < keylen ? -1 : 1;
	return memcmp(base + off, key, keylen);
}

/*
 * Index of a key in an object, or -1.  *hint is the index where the same key
 * was found last time: documents of one table mostly share their key set, so
 * the hint usually saves the binary search.
 */
static int
find_key(RuleEvalContext *cxt, const JsonbContainer *c, const char *key, uint32 keylen, int32 *hint)
{
	int			count = JsonContainerSize(c);
	const char *base = (const char *) &c->children[count * 2];
	int			lo = 0,
				hi = count;

	if (*hint >= 0 && *hint < count && compare_key(cxt, c, base, *hint, key, keylen) == 0)
		return *hint;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			cmp = compare_key(cxt, c, base, mid, key, keylen);

		if (cmp == 0)
		{
			*hint = mid;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Follow an attribute path through nested objects. */
static void
attr_value(RuleEvalContext *cxt, int attr, RuleValue *out)
{
	const RuleData *r = cxt->rule;
	const RuleAttr *a = &RuleAttrs(r)[attr];
	const RuleKey *keys = RuleKeys(r) + a->first_key;
	const char *blob = RuleBlob(r);
	JsonbContainer *c = cxt->doc;
	int32		scratch = -1;
	uint32		k;

	if (c == NULL)
	{
		set_null(out, RN_NOT_OBJECT);
		return;
	}
	for (k = 0;; k++)
	{
		int32	   *hint = cxt->key_hints ? &cxt->key_hints[a->first_key + k] : &scratch;
		int			i = find_key(cxt, c, blob + keys[k].offset, keys[k].len, hint);
		int			count = JsonContainerSize(c);
		int			vi = count + i;
		JEntry		e;
		uint32		off;
		char	   *base;

		if (i < 0)
		{
			set_null(out, RN_MISSING);
			return;
		}
		e = c->children[vi];
		off = doc_offset(cxt, c, vi);
		base = (char *) &c->children[count * 2];

		if (k + 1 < a->nkeys)
		{
			JsonbContainer *inner = (JsonbContainer *) (base + INTALIGN(off));

			if (!JBE_ISCONTAINER(e) || !JsonContainerIsObject(inner))
			{
				set_null(out, RN_NOT_OBJECT);
				return;
			}
			c = inner;
			continue;
		}

		out->note = RN_NONE;
		if (JBE_ISNULL(e))
			out->type = RT_NULL;
		else if (JBE_ISSTRING(e))
			set_string(out, base + off, entry_length(c, vi, off));
		else if (JBE_ISNUMERIC(e))
			set_number(out, (Numeric) (base + INTALIGN(off)));
		else if (JBE_ISBOOL_TRUE(e))
			set_bool(out, true);
		else if (JBE_ISBOOL_FALSE(e))
			set_bool(out, false);
		else
		{
			out->type = RT_JSON;
			out->v.json = (JsonbContainer *) (base + INTALIGN(off));
		}
		return;
	}
}

static inline TimestampTz
as_timestamp(const RuleValue *v)
{
	return v->type == RT_DATE ? (TimestampTz) v->v.date * USECS_PER_DAY : v->v.ts;
}

/* An ISO 8601 string seen as a date or timestamp; false when it is not one. */
static bool
coerce_temporal(const RuleValue *in, RuleValue *out)
{
	if (in->type == RT_DATE || in->type == RT_TIMESTAMP)
	{
		*out = *in;
		return true;
	}
	if (in->type == RT_STRING)
		return ParseIsoDatetime(in->v.str, in->len, out);
	return false;
}

/*
 * Compare two non-NULL values.  Returns false (and the note) when they are of
 * incompatible kinds; *cmp is <0, 0, >0 otherwise.
 */
static bool
compare_values(const RuleValue *a, const RuleValue *b, int *cmp, RuleNote *note)
{
	if (a->type == b->type)
	{
		switch ((RuleType) a->type)
		{
			case RT_NUMBER:
				*cmp = DatumGetInt32(DirectFunctionCall2(numeric_cmp,
														 NumericGetDatum(a->v.num),
														 NumericGetDatum(b->v.num)));
				return true;
			case RT_STRING:
				{
					int			c = memcmp(a->v.str, b->v.str, Min(a->len, b->len));

					*cmp = c != 0 ? c : (a->len > b->len) - (a->len < b->len);
					return true;
				}
			case RT_BOOL:
				*cmp = (int) a->b - (int) b->b;
				return true;
			case RT_DATE:
				*cmp = (a->v.date > b->v.date) - (a->v.date < b->v.date);
				return true;
			case RT_TIMESTAMP:
				*cmp = (a->v.ts > b->v.ts) - (a->v.ts < b->v.ts);
				return true;
			default:
				*note = RN_TYPE_MISMATCH;
				return false;
		}
	}
	if ((a->type == RT_DATE || a->type == RT_TIMESTAMP || b->type == RT_DATE || b->type == RT_TIMESTAMP) &&
		(a->type == RT_STRING || a->type == RT_DATE || a->type == RT_TIMESTAMP) &&
		(b->type == RT_STRING || b->type == RT_DATE || b->type == RT_TIMESTAMP))
	{
		RuleValue	ta,
					tb;

		if (!coerce_temporal(a, &ta) || !coerce_temporal(b, &tb))
		{
			*note = RN_BAD_DATETIME;
			return false;
		}
		if (ta.type == RT_DATE && tb.type == RT_DATE)
			*cmp = (ta.v.date > tb.v.date) - (ta.v.date < tb.v.date);
		else
		{
			TimestampTz x = as_timestamp(&ta),
						y = as_timestamp(&tb);

			*cmp = (x > y) - (x < y);
		}
		return true;
	}
	*note = RN_TYPE_MISMATCH;
	return false;
}

/* Three-valued comparison of two evaluated operands into out. */
static void
compare_op(RuleEvalContext *cxt, int node, RuleOp op, const RuleValue *a, const RuleValue *b, RuleValue *out)
{
	int			cmp;
	RuleNote	note = RN_NONE;

	if (a->type == RT_NULL || b->type == RT_NULL)
	{
		set_null(out, RN_NONE);
		return;
	}
	/* string equality: strings of different lengths differ without a look at their bytes */
	if ((op == RO_EQ || op == RO_NE || op == RO_IN) && a->type == RT_STRING && b->type == RT_STRING)
	{
		bool		eq = a->len == b->len && memcmp(a->v.str, b->v.str, a->len) == 0;

		set_bool(out, eq == (op != RO_NE));
		return;
	}
	if (!compare_values(a, b, &cmp, &note))
	{
		trace_mismatch(cxt, node, a, b);
		set_null(out, note);
		return;
	}
	switch (op)
	{
		case RO_EQ:
		case RO_IN:
			set_bool(out, cmp == 0);
			break;
		case RO_NE:
			set_bool(out, cmp != 0);
			break;
		case RO_LT:
			set_bool(out, cmp < 0);
			break;
		case RO_LE:
			set_bool(out, cmp <= 0);
			break;
		case RO_GT:
			set_bool(out, cmp > 0);
			break;
		case RO_GE:
			set_bool(out, cmp >= 0);
			break;
		default:
			elog(ERROR, "unexpected comparison operator %d", op);
	}
}

static inline bool
truth(const RuleValue *v, bool *isnull)
{
	if (v->type == RT_BOOL)
	{
		*isnull = false;
		return v->b;
	}
	*isnull = true;
	return false;
}

/*
 * LIKE with % and _; backslash escapes the next character.  Greedy match
 * with one backtrack point, which is exact for these two wildcards.
 */
static bool
like_match(const char *t, int tlen, const char *p, int plen)
{
	int			ti = 0,
				pi = 0,
				star_p = -1,
				star_t = 0;

	while (ti < tlen)
	{
		if (pi < plen && p[pi] == '%')
		{
			star_p = ++pi;
			star_t = ti;
			continue;
		}
		if (pi < plen)
		{
			int			tcl = Min(pg_mblen(t + ti), tlen - ti);

			if (p[pi] == '_')
			{
				ti += tcl;
				pi++;
				continue;
			}
			else
			{
				int			esc = (p[pi] == '\\' && pi + 1 < plen) ? 1 : 0;
				int			pcl = Min(pg_mblen(p + pi + esc), plen - pi - esc);

				if (tcl == pcl && memcmp(t + ti, p + pi + esc, tcl) == 0)
				{
					ti += tcl;
					pi += esc + pcl;
					continue;
				}
			}
		}
		if (star_p < 0)
			return false;
		/* backtracking is quadratic in the worst case: stay cancellable */
		CHECK_FOR_INTERRUPTS();
		star_t += Min(pg_mblen(t + star_t), tlen - star_t);
		ti = star_t;
		pi = star_p;
	}
	while (pi < plen && p[pi] == '%')
		pi++;
	return pi == plen;
}

/* Accepts what a person or a CSV export writes for a number; never raises. */
static Numeric
parse_number(const char *s, int len)
{
	int			i = 0,
				digits = 0,
				expo = 0;
	char	   *buf;

	while (len > 0 && s[len - 1] == ' ')
		len--;
	while (i < len && s[i] == ' ')
		i++;
	if (len - i > 1000)
		return NULL;
	buf = pnstrdup(s + i, len - i);
	s = buf;
	len = strlen(buf);
	i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return NULL;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		int			ed = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
		{
			if (expo < 100000)
				expo = expo * 10 + (s[i] - '0');
			i++, ed++;
		}
		if (ed == 0 || expo > 1000)
			return NULL;
	}
	if (i != len)
		return NULL;
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * + - * / % over two or more operands, folded from the left: a - b - c is
 * (a - b) - c.  Every operand is evaluated (explain shows them all); once the
 * running value is NULL it stays NULL, with the note of the step that made it
 * so.  A NULL operand gives NULL without a note, as in SQL.
 */
static void
eval_arithmetic(RuleEvalContext *cxt, int node, const RuleNode *n, const int32 *kids, RuleValue *out)
{
	RuleValue	b;
	int			i;

	EvalRule(cxt, kids[0], out);
	if (out->type == RT_NULL)
		set_null(out, RN_NONE);
	for (i = 1; i < n->nargs; i++)
	{
		bool		err = false;
		Numeric		res;

		EvalRule(cxt, kids[i], &b);
		if (out->type == RT_NULL)
			continue;
		if (b.type == RT_NULL)
		{
			set_null(out, RN_NONE);
			continue;
		}
		if (out->type != RT_NUMBER || b.type != RT_NUMBER)
		{
			trace_mismatch(cxt, node, out, &b);
			set_null(out, RN_TYPE_MISMATCH);
			continue;
		}
		switch ((RuleOp) n->op)
		{
			case RO_ADD:
				res = numeric_add_opt_error(out->v.num, b.v.num, &err);
				break;
			case RO_SUB:
				res = numeric_sub_opt_error(out->v.num, b.v.num, &err);
				break;
			case RO_MUL:
				res = numeric_mul_opt_error(out->v.num, b.v.num, &err);
				break;
			case RO_DIV:
				res = numeric_div_opt_error(out->v.num, b.v.num, &err);
				break;
			default:
				res = numeric_mod_opt_error(out->v.num, b.v.num, &err);
				break;
		}
		if (err)
		{
			/* the only other failure of division is a zero divisor */
			bool		zero = (n->op == RO_DIV || n->op == RO_MOD) &&
				DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(b.v.num),
												  NumericGetDatum(int64_to_numeric(0)))) == 0;

			set_null(out, zero ? RN_DIVISION_BY_ZERO : RN_OVERFLOW);
		}
		else
			set_number(out, res);
	}
}

static void
eval_function(RuleEvalContext *cxt, int node, const RuleNode *n, const int32 *kids, RuleValue *out)
{
	RuleValue	a;
	int			i;

	switch ((RuleFunc) n->func)
	{
		case RF_COALESCE:
			for (i = 0; i < n->nargs; i++)
			{
				EvalRule(cxt, kids[i], out);
				if (out->type != RT_NULL)
					return;
			}
			set_null(out, RN_NONE);
			return;
		case RF_LEAST:
		case RF_GREATEST:
			{
				bool		have = false;

				for (i = 0; i < n->nargs; i++)
				{
					int			cmp;
					RuleNote	note = RN_NONE;

					EvalRule(cxt, kids[i], &a);
					if (a.type == RT_NULL)
						continue;
					if (!have)
					{
						*out = a;
						have = true;
						continue;
					}
					if (!compare_values(&a, out, &cmp, &note))
					{
						trace_mismatch(cxt, node, out, &a);
						set_null(out, note);
						return;
					}
					if ((n->func == RF_LEAST && cmp < 0) || (n->func == RF_GREATEST && cmp > 0))
						*out = a;
				}
				if (!have)
					set_null(out, RN_NONE);
				out->note = RN_NONE;
				return;
			}
		case RF_DAYS_SINCE:
			{
				RuleValue	from,
							to;

				EvalRule(cxt, kids[0], &a);
				if (a.type == RT_NULL)
				{
					set_null(out, RN_NONE);
					return;
				}
				if (!coerce_temporal(&a, &from))
				{
					set_null(out, a.type == RT_STRING ? RN_BAD_DATETIME : RN_TYPE_MISMATCH);
					return;
				}
				if (n->nargs == 2)
				{
					EvalRule(cxt, kids[1], &a);
					if (a.type == RT_NULL)
					{
						set_null(out, RN_NONE);
						return;
					}
					if (!coerce_temporal(&a, &to))
					{
						set_null(out, a.type == RT_STRING ? RN_BAD_DATETIME : RN_TYPE_MISMATCH);
						return;
					}
				}
				else
				{
					to.type = RT_TIMESTAMP;
					to.v.ts = cxt->at;
				}
				/* whole days between dates; fractional days once a time of day is involved */
				if (from.type == RT_DATE)
				{
					int64		today = (to.type == RT_DATE) ? to.v.date :
					(to.v.ts >= 0 ? to.v.ts / USECS_PER_DAY : -((-to.v.ts + USECS_PER_DAY - 1) / USECS_PER_DAY));

					set_number(out, int64_to_numeric(today - from.v.date));
				}
				else
				{
					int64		diff = as_timestamp(&to) - from.v.ts;

					/* microseconds / 86400 = millionths of a day */
					set_number(out, int64_div_fast_to_numeric(diff / SECS_PER_DAY, 6));
				}
				return;
			}
		default:
			break;
	}

	/* the remaining functions are strict in their arguments */
	EvalRule(cxt, kids[0], &a);
	if (a.type == RT_NULL)
	{
		set_null(out, RN_NONE);
		return;
	}

	switch ((RuleFunc) n->func)
	{
		case RF_ABS:
		case RF_CEIL:
		case RF_FLOOR:
		case RF_ROUND:
			if (a.type != RT_NUMBER)
			{
				set_null(out, RN_TYPE_MISMATCH);
				return;
			}
			if (n->func == RF_ABS)
				set_number(out, DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(a.v.num))));
			else if (n->func == RF_CEIL)
				set_number(out, DatumGetNumeric(DirectFunctionCall1(numeric_ceil, NumericGetDatum(a.v.num))));
			else if (n->func == RF_FLOOR)
				set_number(out, DatumGetNumeric(DirectFunctionCall1(numeric_floor, NumericGetDatum(a.v.num))));
			else
			{
				int32		places = 0;

				if (n->nargs == 2)
				{
					RuleValue	p;
					bool		err = false;

					EvalRule(cxt, kids[1], &p);
					if (p.type == RT_NULL || p.type != RT_NUMBER)
					{
						set_null(out, p.type == RT_NULL ? RN_NONE : RN_TYPE_MISMATCH);
						return;
					}
					places = numeric_int4_opt_error(p.v.num, &err);
					if (err || places > 1000 || places < -1000)
					{
						set_null(out, RN_OVERFLOW);
						return;
					}
				}
				set_number(out, DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(a.v.num),
																	Int32GetDatum(places))));
			}
			return;
		case RF_LOWER:
		case RF_UPPER:
		case RF_TRIM:
		case RF_LENGTH:
			if (a.type != RT_STRING)
			{
				set_null(out, RN_TYPE_MISMATCH);
				return;
			}
			if (n->func == RF_LENGTH)
				set_number(out, int64_to_numeric(pg_mbstrlen_with_len(a.v.str, a.len)));
			else if (n->func == RF_TRIM)
			{
				const char *s = a.v.str;
				int			len = a.len;

				while (len > 0 && *s == ' ')
					s++, len--;
				while (len > 0 && s[len - 1] == ' ')
					len--;
				set_string(out, s, len);
			}
			else
			{
				char	   *s = (n->func == RF_LOWER) ? str_tolower(a.v.str, a.len, DEFAULT_COLLATION_OID)
				: str_toupper(a.v.str, a.len, DEFAULT_COLLATION_OID);

				set_string(out, s, strlen(s));
			}
			return;
		case RF_NUMBER:
			if (a.type == RT_NUMBER)
				*out = a;
			else if (a.type == RT_BOOL)
				set_number(out, int64_to_numeric(a.b ? 1 : 0));
			else if (a.type == RT_STRING)
			{
				Numeric		num = parse_number(a.v.str, a.len);

				if (num)
					set_number(out, num);
				else
					set_null(out, RN_BAD_NUMBER);
			}
			else
				set_null(out, RN_TYPE_MISMATCH);
			return;
		case RF_STRING:
			if (a.type == RT_STRING)
				*out = a;
			else
			{
				StringInfoData buf;

				initStringInfo(&buf);
				RuleValueOut(&buf, &a, true);
				/* JSON form, unquoted for scalars that print as JSON strings */
				if (a.type == RT_DATE || a.type == RT_TIMESTAMP)
					set_string(out, buf.data + 1, buf.len - 2);
				else
					set_string(out, buf.data, buf.len);
			}
			return;
		default:
			elog(ERROR, "unexpected rule function %d", n->func);
	}
}

/*
 * Evaluate an operand.  Leaves (a literal, a document key) are read here
 * without the call and dispatch of EvalRule, unless a trace is being kept.
 */
static inline void
eval_operand(RuleEvalContext *cxt, int node, RuleValue *out)
{
	const RuleNode *n = &RuleNodes(cxt->rule)[node];

	if (cxt->trace == NULL)
	{
		if (n->op == RO_CONST)
		{
			const_value(cxt->rule, &RuleConsts(cxt->rule)[n->arg], out);
			return;
		}
		if (n->op == RO_ATTR)
		{
			attr_value(cxt, n->arg, out);
			return;
		}
	}
	EvalRule(cxt, node, out);
}

/* Evaluate one node of the compiled rule. */
void
EvalRule(RuleEvalContext *cxt, int node, RuleValue *out)
{
	const RuleData *r = cxt->rule;
	const RuleNode *n = &RuleNodes(r)[node];
	const int32 *kids = RuleChildren(r) + n->arg;
	RuleValue	a,
				b;
	int			i;

	switch ((RuleOp) n->op)
	{
		case RO_CONST:
			const_value(r, &RuleConsts(r)[n->arg], out);
			break;

		case RO_ATTR:
			attr_value(cxt, n->arg, out);
			break;

		case RO_AND:
		case RO_OR:
			{
				bool		sawnull = false;
				bool		decisive = (n->op == RO_OR);	/* the value that ends the chain */

				for (i = 0; i < n->nargs; i++)
				{
					bool		isnull;
					bool		t;

					EvalRule(cxt, kids[i], &a);
					t = truth(&a, &isnull);
					if (isnull)
						sawnull = true;
					else if (t == decisive)
					{
						set_bool(out, decisive);
						goto done;
					}
				}
				if (sawnull)
					set_null(out, RN_NONE);
				else
					set_bool(out, !decisive);
			}
			break;

		case RO_NOT:
			{
				bool		isnull;
				bool		t;

				eval_operand(cxt, kids[0], &a);
				t = truth(&a, &isnull);
				if (isnull)
					set_null(out, RN_NONE);
				else
					set_bool(out, !t);
			}
			break;

		case RO_EQ:
		case RO_NE:
		case RO_LT:
		case RO_LE:
		case RO_GT:
		case RO_GE:
			eval_operand(cxt, kids[0], &a);
			eval_operand(cxt, kids[1], &b);
			compare_op(cxt, node, n->op, &a, &b, out);
			break;

		case RO_IS_NULL:
		case RO_IS_NOT_NULL:
			eval_operand(cxt, kids[0], &a);
			set_bool(out, (a.type == RT_NULL) == (n->op == RO_IS_NULL));
			break;

		case RO_IN:
		case RO_NOT_IN:
			{
				bool		sawnull = false;

				eval_operand(cxt, kids[0], &a);
				if (a.type == RT_NULL)
				{
					set_null(out, RN_NONE);
					break;
				}
				for (i = 1; i < n->nargs; i++)
				{
					RuleValue	eq;

					eval_operand(cxt, kids[i], &b);
					compare_op(cxt, node, RO_EQ, &a, &b, &eq);
					if (eq.type == RT_NULL)
						sawnull = true;
					else if (eq.b)
					{
						set_bool(out, n->op == RO_IN);
						goto done;
					}
				}
				if (sawnull)
					set_null(out, RN_NONE);
				else
					set_bool(out, n->op == RO_NOT_IN);
			}
			break;

		case RO_BETWEEN:
		case RO_NOT_BETWEEN:
			{
				RuleValue	lo,
							hi;
				bool		nlo,
							nhi,
							tlo,
							thi;

				eval_operand(cxt, kids[0], &a);
				eval_operand(cxt, kids[1], &b);
				compare_op(cxt, node, RO_GE, &a, &b, &lo);
				eval_operand(cxt, kids[2], &b);
				compare_op(cxt, node, RO_LE, &a, &b, &hi);
				tlo = truth(&lo, &nlo);
				thi = truth(&hi, &nhi);
				/* x >= lo AND x <= hi, in three-valued logic */
				if ((!nlo && !tlo) || (!nhi && !thi))
					set_bool(out, n->op == RO_NOT_BETWEEN);
				else if (nlo || nhi)
					set_null(out, lo.type == RT_NULL ? lo.note : hi.note);
				else
					set_bool(out, n->op == RO_BETWEEN);
			}
			break;

		case RO_LIKE:
		case RO_NOT_LIKE:
		case RO_ILIKE:
		case RO_NOT_ILIKE:
			eval_operand(cxt, kids[0], &a);
			eval_operand(cxt, kids[1], &b);
			if (a.type == RT_NULL || b.type == RT_NULL)
				set_null(out, RN_NONE);
			else if (a.type != RT_STRING || b.type != RT_STRING)
			{
				trace_mismatch(cxt, node, &a, &b);
				set_null(out, RN_TYPE_MISMATCH);
			}
			else
			{
				bool		m;

				if (n->op == RO_ILIKE || n->op == RO_NOT_ILIKE)
				{
					char	   *ls = str_tolower(a.v.str, a.len, DEFAULT_COLLATION_OID);
					char	   *lp = str_tolower(b.v.str, b.len, DEFAULT_COLLATION_OID);

					m = like_match(ls, strlen(ls), lp, strlen(lp));
				}
				else
					m = like_match(a.v.str, a.len, b.v.str, b.len);
				set_bool(out, m == (n->op == RO_LIKE || n->op == RO_ILIKE));
			}
			break;

		case RO_ADD:
		case RO_SUB:
		case RO_MUL:
		case RO_DIV:
		case RO_MOD:
			eval_arithmetic(cxt, node, n, kids, out);
			break;

		case RO_NEG:
		case RO_POS:
			eval_operand(cxt, kids[0], &a);
			if (a.type == RT_NULL)
				set_null(out, RN_NONE);
			else if (a.type != RT_NUMBER)
				set_null(out, RN_TYPE_MISMATCH);
			else if (n->op == RO_POS)
				set_number(out, a.v.num);
			else
				set_number(out, DatumGetNumeric(DirectFunctionCall1(numeric_uminus, NumericGetDatum(a.v.num))));
			break;

		case RO_FUNC:
			eval_function(cxt, node, n, kids, out);
			break;
	}

done:
	if (cxt->trace)
	{
		cxt->trace[node].evaluated = true;
		cxt->trace[node].value = *out;
	}
}

/*
 * Evaluate a rule as a condition: 1 true, 0 false, -1 NULL (unknown, or not
 * a boolean).  The C entry point for the other rooms.
 */
/* A context without caches: no trace, no key hints, no offset cache. */
void
RuleEvalInit(RuleEvalContext *cxt, const RuleData *rule, Jsonb *doc, TimestampTz at)
{
	cxt->rule = rule;
	cxt->doc = JB_ROOT_IS_OBJECT(doc) ? &doc->root : NULL;
	cxt->at = at;
	cxt->trace = NULL;
	cxt->key_hints = NULL;
	cxt->offsets = NULL;
	cxt->noffsets = 0;
}

int
RuleTest(const RuleData *rule, Jsonb *doc, TimestampTz at)
{
	RuleEvalContext cxt;
	RuleValue	v;

	RuleEvalInit(&cxt, rule, doc, at);
	EvalRule(&cxt, rule->root, &v);
	if (v.type != RT_BOOL)
		return -1;
	return v.b ? 1 : 0;
}
