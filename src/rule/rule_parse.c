/*
 * rule_parse.c
 *		Lexer, recursive-descent parser, type checker, flattener and
 *		deparser of the rule language.
 *
 * Grammar, lowest precedence first (SQL's, minus what the language lacks):
 *
 *	 expr		:= and_expr { OR and_expr }
 *	 and_expr	:= not_expr { AND not_expr }
 *	 not_expr	:= NOT not_expr | predicate
 *	 predicate	:= sum [ cmp sum | IS [NOT] NULL | [NOT] IN ( expr, ... )
 *					   | [NOT] BETWEEN sum AND sum | [NOT] [I]LIKE sum ]
 *	 sum		:= product { (+|-) product }
 *	 product	:= unary { (*|/|%) unary }
 *	 unary		:= - unary | + unary | primary
 *	 primary	:= number | 'string' | TRUE | FALSE | NULL
 *				 | DATE 'iso' | TIMESTAMP 'iso' | ( expr )
 *				 | name ( expr, ... ) | name { . name }
 *
 * Unquoted names fold to lower case, as in SQL; "double quotes" keep any key.
 * The parser works on a token array, builds a tree of ParseNodes in the
 * caller's memory context, checks static types, and flattens the tree into
 * one RuleData varlena.  The deparser prints the canonical text from the
 * flat form: upper-case keywords, single spaces, minimal parentheses.
 */
#include "postgres.h"

#include <ctype.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "rule/rule.h"

/* ---------- tokens ---------- */

typedef enum TokKind
{
	TK_EOF,
	TK_NUMBER,
	TK_STRING,
	TK_IDENT,					/* unquoted name, already folded */
	TK_QIDENT,					/* "quoted" name */
	TK_KEYWORD,
	TK_OP
} TokKind;

typedef enum Keyword
{
	KW_NONE = 0,
	KW_AND,
	KW_OR,
	KW_NOT,
	KW_IN,
	KW_IS,
	KW_NULL,
	KW_TRUE,
	KW_FALSE,
	KW_BETWEEN,
	KW_LIKE,
	KW_ILIKE,
	KW_DATE,
	KW_TIMESTAMP
} Keyword;

static const char *const keyword_names[] = {
	"", "and", "or", "not", "in", "is", "null", "true", "false",
	"between", "like", "ilike", "date", "timestamp"
};

typedef struct Token
{
	TokKind		kind;
	int			pos;			/* byte offset in the rule text */
	int			srclen;			/* bytes in the rule text */
	char	   *str;			/* processed value (names, strings, numbers) */
	int			len;			/* bytes of str */
	Keyword		kw;
	char		op[3];			/* operator spelling, canonical */
} Token;

/* ---------- parse tree ---------- */

typedef struct ParseNode
{
	RuleOp		op;
	RuleType	type;			/* static result type */
	RuleFunc	func;
	int			nargs;
	struct ParseNode **args;
	int			pos;			/* for error messages */
	/* RO_CONST */
	RuleValue	value;
	/* RO_ATTR: keys as (str, len) pairs */
	int			nkeys;
	char	  **keys;
	int		   *keylens;
} ParseNode;

typedef struct ParseState
{
	const char *text;
	int			textlen;
	Token	   *tokens;
	int			ntokens;
	int			cur;
	int			depth;
} ParseState;

/* ---------- function whitelist ---------- */

#define TM(t)	(1u << (t))
#define TM_SCALAR	(TM(RT_BOOL) | TM(RT_NUMBER) | TM(RT_STRING) | TM(RT_DATE) | TM(RT_TIMESTAMP))
#define TM_TEMPORAL	(TM(RT_STRING) | TM(RT_DATE) | TM(RT_TIMESTAMP))

typedef struct FuncInfo
{
	const char *name;
	int			minargs;
	int			maxargs;		/* -1: variadic */
	uint32		argtypes;		/* accepted static kinds */
	RuleType	result;			/* RT_ANY: common type of the arguments */
	bool		uses_time;
} FuncInfo;

static const FuncInfo functions[RF_NFUNCS] = {
	[RF_ABS] = {"abs", 1, 1, TM(RT_NUMBER), RT_NUMBER, false},
	[RF_CEIL] = {"ceil", 1, 1, TM(RT_NUMBER), RT_NUMBER, false},
	[RF_FLOOR] = {"floor", 1, 1, TM(RT_NUMBER), RT_NUMBER, false},
	[RF_ROUND] = {"round", 1, 2, TM(RT_NUMBER), RT_NUMBER, false},
	[RF_LEAST] = {"least", 1, -1, TM_SCALAR, RT_ANY, false},
	[RF_GREATEST] = {"greatest", 1, -1, TM_SCALAR, RT_ANY, false},
	[RF_COALESCE] = {"coalesce", 1, -1, TM_SCALAR | TM(RT_JSON), RT_ANY, false},
	[RF_LOWER] = {"lower", 1, 1, TM(RT_STRING), RT_STRING, false},
	[RF_UPPER] = {"upper", 1, 1, TM(RT_STRING), RT_STRING, false},
	[RF_LENGTH] = {"length", 1, 1, TM(RT_STRING), RT_NUMBER, false},
	[RF_TRIM] = {"trim", 1, 1, TM(RT_STRING), RT_STRING, false},
	[RF_DAYS_SINCE] = {"days_since", 1, 2, TM_TEMPORAL, RT_NUMBER, true},
	[RF_NUMBER] = {"number", 1, 1, TM_SCALAR, RT_NUMBER, false},
	[RF_STRING] = {"string", 1, 1, TM_SCALAR, RT_STRING, false},
};

const char *
RuleFuncName(RuleFunc func)
{
	return functions[func].name;
}

const char *
RuleTypeName(RuleType type)
{
	switch (type)
	{
		case RT_NULL:
			return "null";
		case RT_BOOL:
			return "boolean";
		case RT_NUMBER:
			return "number";
		case RT_STRING:
			return "string";
		case RT_DATE:
			return "date";
		case RT_TIMESTAMP:
			return "timestamp";
		case RT_JSON:
			return "json";
		case RT_ANY:
			return "any";
	}
	return "?";
}

/* ---------- reference resolvers ---------- */

typedef struct Resolver
{
	char		name[NAMEDATALEN];
	RuleReferenceResolver fn;
	void	   *private;
} Resolver;

#define MAX_RESOLVERS 8
static Resolver resolvers[MAX_RESOLVERS];
static int	nresolvers = 0;

/*
 * Registered from _PG_init by the rooms that own named objects; the table is
 * process-lifetime by design (it holds function pointers, not data).
 */
void
RegisterRuleReferenceResolver(const char *name, RuleReferenceResolver resolver,
							  void *private)
{
	int			i;

	for (i = 0; i < nresolvers; i++)
		if (strcmp(resolvers[i].name, name) == 0)
		{
			resolvers[i].fn = resolver;
			resolvers[i].private = private;
			return;
		}
	if (nresolvers >= MAX_RESOLVERS)
		elog(ERROR, "too many rule reference resolvers");
	strlcpy(resolvers[nresolvers].name, name, NAMEDATALEN);
	resolvers[nresolvers].fn = resolver;
	resolvers[nresolvers].private = private;
	nresolvers++;
}

/* ---------- error reporting ---------- */

/*
 * The rule text around a byte position, on one line, and a caret under the
 * position; long rules are shown as a window, as PostgreSQL's parser does.
 */
static char *
caret_detail(const char *text, int textlen, int pos)
{
	StringInfoData buf;
	int			start = 0,
				end = textlen,
				col,
				i;

	if (pos > textlen)
		pos = textlen;
	/* a window of about 60 characters before and 20 after */
	if (pg_mbstrlen_with_len(text, pos) > 60)
	{
		start = pos;
		for (i = 0; i < 55 && start > 0; i++)
		{
			start--;
			while (start > 0 && (text[start] & 0xC0) == 0x80)
				start--;
		}
	}
	if (textlen - pos > 80)
	{
		end = pos;
		for (i = 0; i < 20 && end < textlen; i++)
			end += pg_mblen(text + end);
	}

	initStringInfo(&buf);
	appendStringInfo(&buf, "At character %d of the rule:\n", pg_mbstrlen_with_len(text, pos) + 1);
	if (start > 0)
		appendStringInfoString(&buf, "...");
	for (i = start; i < end; i++)
		appendStringInfoChar(&buf, (text[i] == '\n' || text[i] == '\t' || text[i] == '\r') ? ' ' : text[i]);
	if (end < textlen)
		appendStringInfoString(&buf, "...");
	appendStringInfoChar(&buf, '\n');
	col = pg_mbstrlen_with_len(text + start, pos - start) + (start > 0 ? 3 : 0);
	for (i = 0; i < col; i++)
		appendStringInfoChar(&buf, ' ');
	appendStringInfoChar(&buf, '^');
	return buf.data;
}

static void
syntax_error(ParseState *ps, const Token *tok)
{
	if (tok->kind == TK_EOF)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("syntax error at end of rule"),
				 errdetail("%s", caret_detail(ps->text, ps->textlen, tok->pos))));
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("syntax error at or near \"%s\" in rule",
					pnstrdup(ps->text + tok->pos, tok->srclen)),
			 errdetail("%s", caret_detail(ps->text, ps->textlen, tok->pos))));
}

/* ---------- lexer ---------- */

static bool
is_ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool
is_ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static void
lex_error(ParseState *ps, int pos, const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s in rule", msg),
			 errdetail("%s", caret_detail(ps->text, ps->textlen, pos))));
}

static void
tokenize(ParseState *ps)
{
	const char *s = ps->text;
	int			n = ps->textlen;
	int			i = 0;
	int			cap = 16;

	ps->tokens = palloc(sizeof(Token) * cap);
	ps->ntokens = 0;

	for (;;)
	{
		Token	   *t;
		int			start;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f'))
			i++;
		if (ps->ntokens + 1 >= cap)
		{
			cap *= 2;
			ps->tokens = repalloc(ps->tokens, sizeof(Token) * cap);
		}
		t = &ps->tokens[ps->ntokens++];
		memset(t, 0, sizeof(Token));
		t->pos = start = i;
		if (i >= n)
		{
			t->kind = TK_EOF;
			return;
		}

		if (isdigit((unsigned char) s[i]) || (s[i] == '.' && i + 1 < n && isdigit((unsigned char) s[i + 1])))
		{
			while (i < n && isdigit((unsigned char) s[i]))
				i++;
			if (i < n && s[i] == '.')
			{
				i++;
				while (i < n && isdigit((unsigned char) s[i]))
					i++;
			}
			if (i < n && (s[i] == 'e' || s[i] == 'E'))
			{
				int			j = i + 1;

				if (j < n && (s[j] == '+' || s[j] == '-'))
					j++;
				if (j < n && isdigit((unsigned char) s[j]))
				{
					i = j;
					while (i < n && isdigit((unsigned char) s[i]))
						i++;
				}
			}
			/* "12abc" is one bad token, not a number followed by a name */
			if (i < n && is_ident_char((unsigned char) s[i]))
			{
				while (i < n && is_ident_char((unsigned char) s[i]))
					i++;
				t->kind = TK_NUMBER;
				t->srclen = i - start;
				syntax_error(ps, t);
			}
			t->kind = TK_NUMBER;
			t->str = pnstrdup(s + start, i - start);
			t->len = i - start;
		}
		else if (s[i] == '\'' || s[i] == '"')
		{
			char		q = s[i];
			StringInfoData buf;

			initStringInfo(&buf);
			i++;
			for (;;)
			{
				if (i >= n)
					lex_error(ps, start, q == '\'' ? "unterminated quoted string" : "unterminated quoted identifier");
				if (s[i] == q)
				{
					if (i + 1 < n && s[i + 1] == q)
					{
						appendStringInfoChar(&buf, q);
						i += 2;
						continue;
					}
					i++;
					break;
				}
				appendStringInfoChar(&buf, s[i]);
				i++;
			}
			t->kind = (q == '\'') ? TK_STRING : TK_QIDENT;
			if (q == '"' && buf.len == 0)
				lex_error(ps, start, "zero-length quoted name");
			t->str = buf.data;
			t->len = buf.len;
		}
		else if (is_ident_start((unsigned char) s[i]))
		{
			int			k;

			while (i < n && is_ident_char((unsigned char) s[i]))
				i++;
			t->str = pnstrdup(s + start, i - start);
			t->len = i - start;
			for (k = 0; k < t->len; k++)
				if (t->str[k] >= 'A' && t->str[k] <= 'Z')
					t->str[k] += 'a' - 'A';
			t->kind = TK_IDENT;
			for (k = 1; k < lengthof(keyword_names); k++)
				if (strcmp(t->str, keyword_names[k]) == 0)
				{
					t->kind = TK_KEYWORD;
					t->kw = (Keyword) k;
					break;
				}
		}
		else
		{
			char		c = s[i];
			char		c2 = (i + 1 < n) ? s[i + 1] : '\0';

			t->kind = TK_OP;
			if ((c == '<' && (c2 == '=' || c2 == '>')) || (c == '>' && c2 == '=') || (c == '!' && c2 == '='))
			{
				t->op[0] = c;
				t->op[1] = c2;
				if (c == '!')
				{
					t->op[0] = '<';
					t->op[1] = '>';
				}
				i += 2;
			}
			else if (strchr("=<>+-*/%(),.", c) != NULL)
			{
				t->op[0] = c;
				i++;
			}
			else
			{
				t->srclen = pg_mblen(s + i);
				syntax_error(ps, t);
			}
		}
		t->srclen = i - start;
	}
}

/* ---------- parser ---------- */

static ParseNode *parse_expr(ParseState *ps);
static ParseNode *parse_sum(ParseState *ps);

static inline Token *
peek(ParseState *ps)
{
	return &ps->tokens[ps->cur];
}

static inline Token *
peek2(ParseState *ps)
{
	return &ps->tokens[ps->cur + (ps->tokens[ps->cur].kind == TK_EOF ? 0 : 1)];
}

static inline Token *
advance(ParseState *ps)
{
	Token	   *t = &ps->tokens[ps->cur];

	if (t->kind != TK_EOF)
		ps->cur++;
	return t;
}

static inline bool
is_op(const Token *t, const char *op)
{
	return t->kind == TK_OP && strcmp(t->op, op) == 0;
}

static inline bool
is_kw(const Token *t, Keyword kw)
{
	return t->kind == TK_KEYWORD && t->kw == kw;
}

static void
expect_op(ParseState *ps, const char *op)
{
	if (!is_op(peek(ps), op))
		syntax_error(ps, peek(ps));
	advance(ps);
}

/* what: "The rule text" or "The canonical text of the rule" */
static void
text_too_long(const char *what, int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("rule text is too long"),
			 errdetail("%s has %d bytes; the limit is %d.", what, len, RULE_MAX_TEXT_BYTES),
			 errhint("Split the rule.")));
}

static void
nesting_too_deep(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
			 errmsg("rule nesting is too deep"),
			 errdetail("Rules may nest at most %d levels of parentheses, operators and function calls.",
					   RULE_MAX_DEPTH),
			 errhint("Split the rule.  A chain of one operator (a AND b AND c, a + b + c) counts as one level.")));
}

static void
enter(ParseState *ps)
{
	check_stack_depth();
	if (++ps->depth > RULE_MAX_DEPTH)
		nesting_too_deep();
}

static ParseNode *
make_node(RuleOp op, RuleType type, int nargs, int pos)
{
	ParseNode  *n = palloc0(sizeof(ParseNode));

	n->op = op;
	n->type = type;
	n->nargs = nargs;
	n->pos = pos;
	if (nargs > 0)
		n->args = palloc0(sizeof(ParseNode *) * nargs);
	return n;
}

static ParseNode *
make_binary(RuleOp op, RuleType type, ParseNode *l, ParseNode *r, int pos)
{
	ParseNode  *n = make_node(op, type, 2, pos);

	n->args[0] = l;
	n->args[1] = r;
	return n;
}

static const char *
op_symbol(RuleOp op)
{
	switch (op)
	{
		case RO_AND:
			return "AND";
		case RO_OR:
			return "OR";
		case RO_NOT:
			return "NOT";
		case RO_EQ:
			return "=";
		case RO_NE:
			return "<>";
		case RO_LT:
			return "<";
		case RO_LE:
			return "<=";
		case RO_GT:
			return ">";
		case RO_GE:
			return ">=";
		case RO_ADD:
			return "+";
		case RO_SUB:
			return "-";
		case RO_MUL:
			return "*";
		case RO_DIV:
			return "/";
		case RO_MOD:
			return "%";
		case RO_NEG:
			return "-";
		case RO_POS:
			return "+";
		case RO_IS_NULL:
			return "IS NULL";
		case RO_IS_NOT_NULL:
			return "IS NOT NULL";
		case RO_IN:
			return "IN";
		case RO_NOT_IN:
			return "NOT IN";
		case RO_BETWEEN:
			return "BETWEEN";
		case RO_NOT_BETWEEN:
			return "NOT BETWEEN";
		case RO_LIKE:
			return "LIKE";
		case RO_NOT_LIKE:
			return "NOT LIKE";
		case RO_ILIKE:
			return "ILIKE";
		case RO_NOT_ILIKE:
			return "NOT ILIKE";
		default:
			return "?";
	}
}

/* Static check: the operand's kind is in the mask, or known only at run time. */
static void
check_operand(ParseState *ps, ParseNode *n, uint32 mask, const char *what)
{
	if (n->type == RT_ANY || n->type == RT_NULL || (TM(n->type) & mask))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s cannot take a %s", what, RuleTypeName(n->type)),
			 errdetail("%s", caret_detail(ps->text, ps->textlen, n->pos))));
}

static bool
comparable(RuleType a, RuleType b)
{
	if (a == RT_ANY || b == RT_ANY || a == RT_NULL || b == RT_NULL || a == b)
		return true;
	/* ISO 8601 strings compare as dates and timestamps; dates with timestamps */
	if ((a == RT_DATE || a == RT_TIMESTAMP) && (b == RT_DATE || b == RT_TIMESTAMP || b == RT_STRING))
		return true;
	if ((b == RT_DATE || b == RT_TIMESTAMP) && a == RT_STRING)
		return true;
	return false;
}

static void
check_comparable(ParseState *ps, ParseNode *l, ParseNode *r, const char *op, int pos)
{
	if (comparable(l->type, r->type))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_FUNCTION),
			 errmsg("operator does not exist: %s %s %s", RuleTypeName(l->type), op, RuleTypeName(r->type)),
			 errdetail("%s", caret_detail(ps->text, ps->textlen, pos)),
			 errhint("Convert one side with number() or string().")));
}

static ParseNode *
make_const_number(const char *s, int pos)
{
	ParseNode  *n = make_node(RO_CONST, RT_NUMBER, 0, pos);

	n->value.type = RT_NUMBER;
	n->value.v.num = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1)));
	return n;
}

static ParseNode *
parse_datetime_literal(ParseState *ps, Keyword kw, int pos)
{
	Token	   *t = advance(ps);	/* the string; caller checked */
	ParseNode  *n = make_node(RO_CONST, kw == KW_DATE ? RT_DATE : RT_TIMESTAMP, 0, pos);

	if (!ParseIsoDatetime(t->str, t->len, &n->value) ||
		(kw == KW_DATE && n->value.type != RT_DATE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("invalid %s literal in rule: \"%s\"", kw == KW_DATE ? "date" : "timestamp", t->str),
				 errdetail("%s", caret_detail(ps->text, ps->textlen, t->pos)),
				 errhint(kw == KW_DATE ? "Write dates as 'YYYY-MM-DD'." :
						 "Write timestamps as 'YYYY-MM-DD HH:MM:SS', optionally with fractional seconds and an offset such as +01:00 or Z.")));
	if (kw == KW_TIMESTAMP && n->value.type == RT_DATE)
	{
		n->value.v.ts = (TimestampTz) n->value.v.date * USECS_PER_DAY;
		n->value.type = RT_TIMESTAMP;
	}

	/*
	 * Canonical text shows a timestamp in UTC with a four-digit year, so an
	 * offset that carries it out of years 1-9999 would print text that does
	 * not read back.
	 */
	if (kw == KW_TIMESTAMP &&
		(n->value.v.ts < (TimestampTz) (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY ||
		 n->value.v.ts >= (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp literal out of range in rule: \"%s\"", t->str),
				 errdetail("%s", caret_detail(ps->text, ps->textlen, t->pos)),
				 errhint("Timestamp literals must fall in years 1 to 9999 in UTC.")));
	return n;
}

/* Turn a literal call argument into the resolver's view of it. */
static void
literal_for_resolver(ParseState *ps, ParseNode *arg, RuleLiteral *lit, const char *fname)
{
	if (arg->op == RO_CONST && arg->type == RT_STRING)
	{
		lit->type = RT_STRING;
		lit->text = pnstrdup(arg->value.v.str, arg->value.len);
	}
	else if (arg->op == RO_CONST && arg->type == RT_NUMBER)
	{
		lit->type = RT_NUMBER;
		lit->text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(arg->value.v.num)));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("arguments of %s() must be literals", fname),
				 errdetail("%s", caret_detail(ps->text, ps->textlen, arg->pos)),
				 errhint("Named references are resolved when the rule is compiled.")));
}

static ParseNode *parse_text(const char *text, int len, int depth);

static void
expansion_error_context(void *arg)
{
	errcontext("expanding the reference %s() in a rule", (const char *) arg);
}

static ParseNode *
parse_call(ParseState *ps, Token *name)
{
	ParseNode **args = NULL;
	int			nargs = 0,
				cap = 0,
				f;
	ParseNode  *n;

	expect_op(ps, "(");
	if (!is_op(peek(ps), ")"))
	{
		for (;;)
		{
			if (nargs >= cap)
			{
				cap = cap ? cap * 2 : 4;
				args = args ? repalloc(args, sizeof(ParseNode *) * cap) : palloc(sizeof(ParseNode *) * cap);
			}
			args[nargs++] = parse_expr(ps);
			if (!is_op(peek(ps), ","))
				break;
			advance(ps);
		}
	}
	expect_op(ps, ")");

	if (name->kind == TK_IDENT)
	{
		for (f = 0; f < RF_NFUNCS; f++)
			if (strcmp(functions[f].name, name->str) == 0)
				break;
	}
	else
		f = RF_NFUNCS;

	if (f == RF_NFUNCS)
	{
		int			r;

		for (r = 0; r < nresolvers; r++)
			if (strcmp(resolvers[r].name, name->str) == 0)
			{
				RuleLiteral *lits = palloc0(sizeof(RuleLiteral) * Max(nargs, 1));
				char	   *expansion;
				int			i;

				ErrorContextCallback errcb;

				for (i = 0; i < nargs; i++)
					literal_for_resolver(ps, args[i], &lits[i], name->str);
				/* errors inside the expansion say which reference they came from */
				errcb.callback = expansion_error_context;
				errcb.arg = name->str;
				errcb.previous = error_context_stack;
				error_context_stack = &errcb;
				expansion = resolvers[r].fn(name->str, nargs, lits, resolvers[r].private);
				n = parse_text(expansion, strlen(expansion), ps->depth);
				error_context_stack = errcb.previous;
				n->pos = name->pos;
				return n;
			}
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %s() does not exist in rule language", name->str),
				 errdetail("%s", caret_detail(ps->text, ps->textlen, name->pos)),
				 errhint("Available functions: abs, ceil, coalesce, days_since, floor, greatest, least, length, lower, number, round, string, trim, upper.")));
	}

	if (nargs < functions[f].minargs ||
		(functions[f].maxargs >= 0 && nargs > functions[f].maxargs))
	{
		const FuncInfo *fi = &functions[f];
		char	   *takes;

		if (fi->maxargs < 0)
			takes = psprintf("at least %d", fi->minargs);
		else if (fi->maxargs > fi->minargs)
			takes = psprintf("%d or %d", fi->minargs, fi->maxargs);
		else
			takes = psprintf("%d", fi->minargs);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("wrong number of arguments for function %s() in rule", fi->name),
				 errdetail("%s() takes %s argument%s, not %d. %s", fi->name, takes,
						   (fi->maxargs == 1 || (fi->maxargs < 0 && fi->minargs == 1)) ? "" : "s", nargs,
						   caret_detail(ps->text, ps->textlen, name->pos))));
	}

	n = make_node(RO_FUNC, functions[f].result, nargs, name->pos);
	n->func = (RuleFunc) f;
	for (int i = 0; i < nargs; i++)
	{
		char		what[64];

		snprintf(what, sizeof(what), "function %s()", functions[f].name);
		check_operand(ps, args[i], functions[f].argtypes, what);
		n->args[i] = args[i];
	}
	/* least, greatest, coalesce: statically typed when their arguments agree */
	if (functions[f].result == RT_ANY)
	{
		RuleType	common = RT_NULL;
		ParseNode  *known = NULL;

		for (int i = 0; i < nargs; i++)
		{
			if (args[i]->type == RT_NULL)
				continue;
			if (common == RT_NULL)
				common = args[i]->type;
			else if (common != args[i]->type)
				common = RT_ANY;
		}
		n->type = (common == RT_NULL) ? RT_ANY : common;

		/*
		 * Comparability splits the known kinds into classes (strings, dates
		 * and timestamps; numbers; booleans; JSON), so checking every
		 * argument against the first one of known kind checks every pair.
		 */
		for (int i = 0; i < nargs; i++)
		{
			if (args[i]->type == RT_ANY || args[i]->type == RT_NULL)
				continue;
			if (known == NULL)
				known = args[i];
			else if (!comparable(known->type, args[i]->type))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("arguments of %s() are of different kinds: %s and %s",
								functions[f].name, RuleTypeName(known->type), RuleTypeName(args[i]->type)),
						 errdetail("%s", caret_detail(ps->text, ps->textlen, args[i]->pos)),
						 errhint("Convert arguments with number() or string().")));
		}
	}
	return n;
}

static ParseNode *
parse_primary(ParseState *ps)
{
	Token	   *t = peek(ps);
	ParseNode  *n;

	switch (t->kind)
	{
		case TK_NUMBER:
			advance(ps);
			return make_const_number(t->str, t->pos);
		case TK_STRING:
			advance(ps);
			n = make_node(RO_CONST, RT_STRING, 0, t->pos);
			n->value.type = RT_STRING;
			n->value.v.str = t->str;
			n->value.len = t->len;
			return n;
		case TK_KEYWORD:
			if (t->kw == KW_TRUE || t->kw == KW_FALSE)
			{
				advance(ps);
				n = make_node(RO_CONST, RT_BOOL, 0, t->pos);
				n->value.type = RT_BOOL;
				n->value.b = (t->kw == KW_TRUE);
				return n;
			}
			if (t->kw == KW_NULL)
			{
				advance(ps);
				n = make_node(RO_CONST, RT_NULL, 0, t->pos);
				n->value.type = RT_NULL;
				return n;
			}
			if ((t->kw == KW_DATE || t->kw == KW_TIMESTAMP) && peek2(ps)->kind == TK_STRING)
			{
				advance(ps);
				return parse_datetime_literal(ps, t->kw, t->pos);
			}
			/* "date" and "timestamp" are also ordinary key names */
			if (t->kw != KW_DATE && t->kw != KW_TIMESTAMP)
				syntax_error(ps, t);
			/* FALLTHROUGH */
		case TK_IDENT:
		case TK_QIDENT:
			{
				int			cap = 4;

				advance(ps);
				if (is_op(peek(ps), "("))
					return parse_call(ps, t);
				n = make_node(RO_ATTR, RT_ANY, 0, t->pos);
				n->keys = palloc(sizeof(char *) * cap);
				n->keylens = palloc(sizeof(int) * cap);
				n->keys[0] = t->str;
				n->keylens[0] = t->len;
				n->nkeys = 1;
				while (is_op(peek(ps), "."))
				{
					Token	   *k;

					advance(ps);
					k = peek(ps);
					if (k->kind != TK_IDENT && k->kind != TK_QIDENT && k->kind != TK_KEYWORD)
						syntax_error(ps, k);
					advance(ps);
					if (n->nkeys >= cap)
					{
						cap *= 2;
						n->keys = repalloc(n->keys, sizeof(char *) * cap);
						n->keylens = repalloc(n->keylens, sizeof(int) * cap);
					}
					n->keys[n->nkeys] = k->str;
					n->keylens[n->nkeys] = k->len;
					n->nkeys++;
				}
				return n;
			}
		case TK_OP:
			if (is_op(t, "("))
			{
				advance(ps);
				n = parse_expr(ps);
				expect_op(ps, ")");
				return n;
			}
			break;
		default:
			break;
	}
	syntax_error(ps, t);
	return NULL;				/* keep compiler quiet */
}

static ParseNode *
parse_unary(ParseState *ps)
{
	Token	   *t = peek(ps);

	if (is_op(t, "-") || is_op(t, "+"))
	{
		ParseNode  *arg;

		advance(ps);
		enter(ps);
		arg = parse_unary(ps);
		ps->depth--;
		check_operand(ps, arg, TM(RT_NUMBER), is_op(t, "-") ? "operator -" : "operator +");
		if (is_op(t, "+"))
		{
			ParseNode  *n;

			/* a no-op on a number; on a document value it checks the kind */
			if (arg->type == RT_NUMBER || arg->type == RT_NULL)
				return arg;
			n = make_node(RO_POS, RT_NUMBER, 1, t->pos);
			n->args[0] = arg;
			return n;
		}
		/* fold the sign into a numeric literal */
		if (arg->op == RO_CONST && arg->type == RT_NUMBER)
		{
			arg->value.v.num = DatumGetNumeric(DirectFunctionCall1(numeric_uminus,
																   NumericGetDatum(arg->value.v.num)));
			arg->pos = t->pos;
			return arg;
		}
		{
			ParseNode  *n = make_node(RO_NEG, RT_NUMBER, 1, t->pos);

			n->args[0] = arg;
			return n;
		}
	}
	return parse_primary(ps);
}

/*
 * Append an operand to a run of one operator (AND, OR, +, ...) held in
 * *items (*nitems used of *cap).  With splice, an operand that is itself a
 * run of op contributes its operands, so that "(a AND b) AND c" and
 * "a AND b AND c" are one node alike.
 */
static void
run_append(ParseNode ***items, int *nitems, int *cap, RuleOp op, ParseNode *operand, bool splice)
{
	bool		inner = splice && operand->op == op;
	int			need = inner ? operand->nargs : 1;

	if (*nitems + need > PG_UINT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many operands of %s in rule", op_symbol(op))));
	if (*nitems + need > *cap)
	{
		*cap = Max(*cap * 2, *nitems + need + 4);
		*items = *items ? repalloc(*items, sizeof(ParseNode *) * *cap) : palloc(sizeof(ParseNode *) * *cap);
	}
	if (inner)
	{
		memcpy(*items + *nitems, operand->args, sizeof(ParseNode *) * operand->nargs);
		*nitems += operand->nargs;
	}
	else
		(*items)[(*nitems)++] = operand;
}

/*
 * Apply the left-associative operator op to l and r.  A run of the same
 * operator becomes one node with many operands, evaluated left to right:
 * "a + b + c" is add(a, b, c), so that a long sum is a shallow tree.  Only
 * the left operand is spliced: "a - (b - c)" stays two nodes.  *cap is the
 * size of l's operand array when this parse loop made l (0 when l came from
 * elsewhere and is not ours to grow).
 */
static ParseNode *
extend_chain(ParseNode *l, RuleOp op, ParseNode *r, int pos, int *cap)
{
	ParseNode  *n = l;

	if (l->op != op || *cap == 0)
	{
		n = make_node(op, RT_NUMBER, 0, l->op == op ? l->pos : pos);
		*cap = 0;
		run_append(&n->args, &n->nargs, cap, op, l, true);
	}
	run_append(&n->args, &n->nargs, cap, op, r, false);
	return n;
}

static ParseNode *
parse_product(ParseState *ps)
{
	ParseNode  *l = parse_unary(ps);
	int			cap = 0;

	for (;;)
	{
		Token	   *t = peek(ps);
		RuleOp		op;
		ParseNode  *r;

		if (is_op(t, "*"))
			op = RO_MUL;
		else if (is_op(t, "/"))
			op = RO_DIV;
		else if (is_op(t, "%"))
			op = RO_MOD;
		else
			return l;
		advance(ps);
		r = parse_unary(ps);
		check_operand(ps, l, TM(RT_NUMBER), psprintf("operator %s", t->op));
		check_operand(ps, r, TM(RT_NUMBER), psprintf("operator %s", t->op));
		l = extend_chain(l, op, r, t->pos, &cap);
	}
}

static ParseNode *
parse_sum(ParseState *ps)
{
	ParseNode  *l = parse_product(ps);
	int			cap = 0;

	for (;;)
	{
		Token	   *t = peek(ps);
		RuleOp		op;
		ParseNode  *r;

		if (is_op(t, "+"))
			op = RO_ADD;
		else if (is_op(t, "-"))
			op = RO_SUB;
		else
			return l;
		advance(ps);
		r = parse_product(ps);
		check_operand(ps, l, TM(RT_NUMBER), psprintf("operator %s", t->op));
		check_operand(ps, r, TM(RT_NUMBER), psprintf("operator %s", t->op));
		l = extend_chain(l, op, r, t->pos, &cap);
	}
}

static ParseNode *
parse_predicate(ParseState *ps)
{
	ParseNode  *l = parse_sum(ps);
	Token	   *t = peek(ps);
	bool		negated = false;
	Token	   *optok = t;

	if (t->kind == TK_OP)
	{
		RuleOp		op;
		ParseNode  *r;

		if (strcmp(t->op, "=") == 0)
			op = RO_EQ;
		else if (strcmp(t->op, "<>") == 0)
			op = RO_NE;
		else if (strcmp(t->op, "<") == 0)
			op = RO_LT;
		else if (strcmp(t->op, "<=") == 0)
			op = RO_LE;
		else if (strcmp(t->op, ">") == 0)
			op = RO_GT;
		else if (strcmp(t->op, ">=") == 0)
			op = RO_GE;
		else
			return l;
		advance(ps);
		r = parse_sum(ps);
		check_operand(ps, l, TM_SCALAR, psprintf("operator %s", op_symbol(op)));
		check_operand(ps, r, TM_SCALAR, psprintf("operator %s", op_symbol(op)));
		check_comparable(ps, l, r, op_symbol(op), t->pos);
		return make_binary(op, RT_BOOL, l, r, t->pos);
	}
	if (t->kind != TK_KEYWORD)
		return l;

	if (t->kw == KW_IS)
	{
		advance(ps);
		if (is_kw(peek(ps), KW_NOT))
		{
			advance(ps);
			negated = true;
		}
		if (!is_kw(peek(ps), KW_NULL))
			syntax_error(ps, peek(ps));
		advance(ps);
		{
			ParseNode  *n = make_node(negated ? RO_IS_NOT_NULL : RO_IS_NULL, RT_BOOL, 1, t->pos);

			n->args[0] = l;
			return n;
		}
	}

	if (t->kw == KW_NOT)
	{
		Token	   *t2 = peek2(ps);

		if (!(is_kw(t2, KW_IN) || is_kw(t2, KW_BETWEEN) || is_kw(t2, KW_LIKE) || is_kw(t2, KW_ILIKE)))
			return l;
		advance(ps);
		negated = true;
		t = peek(ps);
	}

	if (t->kw == KW_IN)
	{
		ParseNode **items = NULL;
		int			nitems = 0,
					cap = 0;
		ParseNode  *n;

		advance(ps);
		expect_op(ps, "(");
		for (;;)
		{
			ParseNode  *item;

			if (nitems >= cap)
			{
				cap = cap ? cap * 2 : 8;
				items = items ? repalloc(items, sizeof(ParseNode *) * cap) : palloc(sizeof(ParseNode *) * cap);
			}
			item = parse_expr(ps);
			check_operand(ps, item, TM_SCALAR, "IN list");
			check_comparable(ps, l, item, "=", item->pos);
			items[nitems++] = item;
			if (!is_op(peek(ps), ","))
				break;
			advance(ps);
		}
		expect_op(ps, ")");
		check_operand(ps, l, TM_SCALAR, "operator IN");
		n = make_node(negated ? RO_NOT_IN : RO_IN, RT_BOOL, nitems + 1, optok->pos);
		n->args[0] = l;
		memcpy(n->args + 1, items, sizeof(ParseNode *) * nitems);
		return n;
	}
	if (t->kw == KW_BETWEEN)
	{
		ParseNode  *n = make_node(negated ? RO_NOT_BETWEEN : RO_BETWEEN, RT_BOOL, 3, optok->pos);

		advance(ps);
		n->args[0] = l;
		n->args[1] = parse_sum(ps);
		if (!is_kw(peek(ps), KW_AND))
			syntax_error(ps, peek(ps));
		advance(ps);
		n->args[2] = parse_sum(ps);
		check_operand(ps, l, TM_SCALAR, "operator BETWEEN");
		check_operand(ps, n->args[1], TM_SCALAR, "operator BETWEEN");
		check_operand(ps, n->args[2], TM_SCALAR, "operator BETWEEN");
		check_comparable(ps, l, n->args[1], "BETWEEN", n->args[1]->pos);
		check_comparable(ps, l, n->args[2], "BETWEEN", n->args[2]->pos);
		return n;
	}
	if (t->kw == KW_LIKE || t->kw == KW_ILIKE)
	{
		RuleOp		op = (t->kw == KW_LIKE) ? (negated ? RO_NOT_LIKE : RO_LIKE)
		: (negated ? RO_NOT_ILIKE : RO_ILIKE);
		ParseNode  *r;

		advance(ps);
		r = parse_sum(ps);
		check_operand(ps, l, TM(RT_STRING), psprintf("operator %s", op_symbol(op)));
		check_operand(ps, r, TM(RT_STRING), psprintf("operator %s", op_symbol(op)));
		return make_binary(op, RT_BOOL, l, r, optok->pos);
	}
	return l;
}

static ParseNode *
parse_not(ParseState *ps)
{
	Token	   *t = peek(ps);

	if (is_kw(t, KW_NOT))
	{
		ParseNode  *n = make_node(RO_NOT, RT_BOOL, 1, t->pos);

		advance(ps);
		enter(ps);
		n->args[0] = parse_not(ps);
		ps->depth--;
		check_operand(ps, n->args[0], TM(RT_BOOL), "operator NOT");
		return n;
	}
	return parse_predicate(ps);
}

/* Parse a chain of AND or OR operands, flattening nested chains of the same operator. */
static ParseNode *
parse_chain(ParseState *ps, Keyword kw)
{
	RuleOp		op = (kw == KW_AND) ? RO_AND : RO_OR;
	ParseNode **items = NULL;
	int			nitems = 0,
				cap = 0;
	int			pos = peek(ps)->pos;
	ParseNode  *n;

	for (;;)
	{
		ParseNode  *item = (kw == KW_AND) ? parse_not(ps) : parse_chain(ps, KW_AND);

		run_append(&items, &nitems, &cap, op, item, true);
		if (!is_kw(peek(ps), kw))
			break;
		advance(ps);
	}
	if (nitems == 1)
		return items[0];
	for (int i = 0; i < nitems; i++)
		check_operand(ps, items[i], TM(RT_BOOL), kw == KW_AND ? "operator AND" : "operator OR");
	n = make_node(op, RT_BOOL, 0, pos);
	n->nargs = nitems;
	n->args = items;
	return n;
}

static ParseNode *
parse_expr(ParseState *ps)
{
	ParseNode  *n;

	enter(ps);
	n = parse_chain(ps, KW_OR);
	ps->depth--;
	return n;
}

static ParseNode *
parse_text(const char *text, int len, int depth)
{
	ParseState	ps;
	ParseNode  *n;

	if (len > RULE_MAX_TEXT_BYTES)
		text_too_long("The rule text", len);
	memset(&ps, 0, sizeof(ps));
	ps.text = text;
	ps.textlen = len;
	ps.depth = depth;
	tokenize(&ps);
	if (peek(&ps)->kind == TK_EOF)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("rule is empty"),
				 errhint("Write a condition such as sector = 'medical' AND employees >= 500.")));
	n = parse_expr(&ps);
	if (peek(&ps)->kind != TK_EOF)
		syntax_error(&ps, peek(&ps));
	return n;
}

/* ---------- flattening ---------- */

typedef struct Builder
{
	RuleNode   *nodes;
	int			nnodes,
				capnodes;
	int32	   *children;
	int			nchildren,
				capchildren;
	RuleConst  *consts;
	int			nconsts,
				capconsts;
	RuleAttr   *attrs;
	int			nattrs,
				capattrs;
	RuleKey    *keys;
	int			nkeys,
				capkeys;
	StringInfoData blob;
	uint8		flags;
} Builder;

#define GROW(arr, n, cap, extra) \
	do { \
		if ((n) + (extra) > (cap)) \
		{ \
			(cap) = Max((cap) * 2, (n) + (extra) + 8); \
			(arr) = (arr) ? repalloc((arr), sizeof(*(arr)) * (cap)) : palloc(sizeof(*(arr)) * (cap)); \
		} \
	} while (0)

static uint32
blob_append(Builder *b, const void *data, int len, bool align)
{
	uint32		off;

	if (align)
		while (b->blob.len % MAXIMUM_ALIGNOF != 0)
			appendStringInfoChar(&b->blob, '\0');
	off = b->blob.len;
	appendBinaryStringInfo(&b->blob, data, len);
	return off;
}

static int
add_attr(Builder *b, ParseNode *n)
{
	int			a,
				k;

	/* one entry per distinct path */
	for (a = 0; a < b->nattrs; a++)
	{
		RuleAttr   *ra = &b->attrs[a];

		if (ra->nkeys != n->nkeys)
			continue;
		for (k = 0; k < n->nkeys; k++)
		{
			RuleKey    *rk = &b->keys[ra->first_key + k];

			if (rk->len != n->keylens[k] || memcmp(b->blob.data + rk->offset, n->keys[k], rk->len) != 0)
				break;
		}
		if (k == n->nkeys)
			return a;
	}
	GROW(b->attrs, b->nattrs, b->capattrs, 1);
	GROW(b->keys, b->nkeys, b->capkeys, n->nkeys);
	b->attrs[b->nattrs].first_key = b->nkeys;
	b->attrs[b->nattrs].nkeys = n->nkeys;
	for (k = 0; k < n->nkeys; k++)
	{
		b->keys[b->nkeys].len = n->keylens[k];
		b->keys[b->nkeys].offset = blob_append(b, n->keys[k], n->keylens[k], false);
		b->nkeys++;
	}
	return b->nattrs++;
}

static int
add_const(Builder *b, ParseNode *n)
{
	RuleConst  *c;

	GROW(b->consts, b->nconsts, b->capconsts, 1);
	c = &b->consts[b->nconsts];
	memset(c, 0, sizeof(RuleConst));
	c->type = n->value.type;
	switch (n->value.type)
	{
		case RT_BOOL:
			c->value = n->value.b ? 1 : 0;
			break;
		case RT_NUMBER:
			c->len = VARSIZE(n->value.v.num);
			c->value = blob_append(b, n->value.v.num, c->len, true);
			break;
		case RT_STRING:
			c->len = n->value.len;
			c->value = blob_append(b, n->value.v.str, c->len, false);
			break;
		case RT_DATE:
			c->value = n->value.v.date;
			break;
		case RT_TIMESTAMP:
			c->value = n->value.v.ts;
			break;
		default:
			break;
	}
	return b->nconsts++;
}

/*
 * Lay the parse tree out in the builder's arrays, children before parents.
 * level is the node's depth in the tree (the root is 1).  The parser bounds
 * its own recursion, but operators of different precedence in a row
 * (a * b + c * d - e ...) deepen the tree without recursing there; the same
 * limit applies to the tree, so that evaluating and explaining a rule is
 * bounded too.
 */
static int
flatten(Builder *b, ParseNode *n, int level)
{
	int			idx,
				first = 0,
				i;
	int32	   *kids = NULL;

	check_stack_depth();
	if (level > RULE_MAX_DEPTH)
		nesting_too_deep();
	if (n->nargs > 0)
	{
		kids = palloc(sizeof(int32) * n->nargs);
		for (i = 0; i < n->nargs; i++)
			kids[i] = flatten(b, n->args[i], level + 1);
		GROW(b->children, b->nchildren, b->capchildren, n->nargs);
		first = b->nchildren;
		memcpy(b->children + first, kids, sizeof(int32) * n->nargs);
		b->nchildren += n->nargs;
	}
	GROW(b->nodes, b->nnodes, b->capnodes, 1);
	idx = b->nnodes++;
	b->nodes[idx].op = n->op;
	b->nodes[idx].type = n->type;
	b->nodes[idx].nargs = n->nargs;
	b->nodes[idx].func = n->func;
	if (n->op == RO_CONST)
		b->nodes[idx].arg = add_const(b, n);
	else if (n->op == RO_ATTR)
		b->nodes[idx].arg = add_attr(b, n);
	else
		b->nodes[idx].arg = first;
	if (n->op == RO_FUNC && functions[n->func].uses_time)
		b->flags |= RULE_FLAG_USES_TIME;
	return idx;
}

RuleData *
CompileRule(const char *text, int len)
{
	ParseNode  *tree;
	Builder		b;
	RuleData	hdr;
	RuleData   *r;
	Size		size;
	int			root;

	tree = parse_text(text, len, 0);

	memset(&b, 0, sizeof(b));
	initStringInfo(&b.blob);
	root = flatten(&b, tree, 1);

	memset(&hdr, 0, sizeof(hdr));
	hdr.format = RULE_FORMAT_VERSION;
	hdr.result_type = tree->type;
	hdr.flags = b.flags;
	hdr.root = root;
	hdr.nnodes = b.nnodes;
	hdr.nchildren = b.nchildren;
	hdr.nconsts = b.nconsts;
	hdr.nattrs = b.nattrs;
	hdr.nkeys = b.nkeys;
	hdr.bloblen = b.blob.len;

	size = MAXALIGN(sizeof(RuleData)) +
		MAXALIGN(sizeof(RuleNode) * b.nnodes) +
		MAXALIGN(sizeof(int32) * b.nchildren) +
		MAXALIGN(sizeof(RuleConst) * b.nconsts) +
		MAXALIGN(sizeof(RuleAttr) * b.nattrs) +
		MAXALIGN(sizeof(RuleKey) * b.nkeys) +
		b.blob.len;
	/* zeroed, so that padding is deterministic for equality and hashing */
	r = palloc0(size);
	memcpy(r, &hdr, sizeof(hdr));
	SET_VARSIZE(r, size);
	if (b.nnodes)
		memcpy(RuleNodes(r), b.nodes, sizeof(RuleNode) * b.nnodes);
	if (b.nchildren)
		memcpy(RuleChildren(r), b.children, sizeof(int32) * b.nchildren);
	if (b.nconsts)
		memcpy(RuleConsts(r), b.consts, sizeof(RuleConst) * b.nconsts);
	if (b.nattrs)
		memcpy(RuleAttrs(r), b.attrs, sizeof(RuleAttr) * b.nattrs);
	if (b.nkeys)
		memcpy(RuleKeys(r), b.keys, sizeof(RuleKey) * b.nkeys);
	if (b.blob.len)
		memcpy(RuleBlob(r), b.blob.data, b.blob.len);

	/*
	 * The canonical text is what pg_dump writes and what a restore reads
	 * back, so it must be within the limit too: spacing and plain-decimal
	 * numbers can make it longer than the text that was typed.
	 */
	{
		StringInfoData canon;

		initStringInfo(&canon);
		DeparseRule(&canon, r, r->root);
		if (canon.len > RULE_MAX_TEXT_BYTES)
			text_too_long("The canonical text of the rule", canon.len);
		pfree(canon.data);
	}
	return r;
}

/* ---------- ISO 8601 dates and timestamps ---------- */

static bool
read_digits(const char *s, int len, int *i, int ndigits, int *out)
{
	int			v = 0,
				k;

	if (*i + ndigits > len)
		return false;
	for (k = 0; k < ndigits; k++)
	{
		char		c = s[*i + k];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*i += ndigits;
	*out = v;
	return true;
}

/*
 * Strict ISO 8601: YYYY-MM-DD gives a date; YYYY-MM-DD[T ]HH:MM[:SS[.f]]
 * with an optional Z or +HH[:MM] gives a timestamp in UTC.  A timestamp
 * without an offset is taken as UTC, so results never depend on TimeZone.
 * Never raises: documents are untrusted and a bad string is a NULL.
 */
bool
ParseIsoDatetime(const char *s, int len, RuleValue *out)
{
	int			i = 0,
				y,
				m,
				d,
				hh = 0,
				mi = 0,
				ss = 0,
				oh = 0,
				om = 0;
	int64		frac = 0;
	int			sign = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			jd;

	if (!read_digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
		!read_digits(s, len, &i, 2, &m) || i >= len || s[i++] != '-' ||
		!read_digits(s, len, &i, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	jd = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	if (i == len)
	{
		out->type = RT_DATE;
		out->v.date = jd;
		return true;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return false;
	i++;
	if (!read_digits(s, len, &i, 2, &hh) || i >= len || s[i++] != ':' ||
		!read_digits(s, len, &i, 2, &mi))
		return false;
	if (i < len && s[i] == ':')
	{
		i++;
		if (!read_digits(s, len, &i, 2, &ss))
			return false;
		if (i < len && s[i] == '.')
		{
			int			nd = 0;
			int64		scale = 100000;

			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9')
			{
				if (nd < 6)
				{
					frac += (s[i] - '0') * scale;
					scale /= 10;
				}
				nd++;
				i++;
			}
			if (nd == 0)
				return false;
		}
	}
	if (hh > 23 || mi > 59 || ss > 59)
		return false;
	if (i < len)
	{
		if (s[i] == 'Z' || s[i] == 'z')
			i++;
		else if (s[i] == '+' || s[i] == '-')
		{
			sign = (s[i] == '+') ? 1 : -1;
			i++;
			if (!read_digits(s, len, &i, 2, &oh))
				return false;
			if (i < len && s[i] == ':')
			{
				i++;
				if (!read_digits(s, len, &i, 2, &om))
					return false;
			}
			else if (i < len && !read_digits(s, len, &i, 2, &om))
				return false;
			if (oh > 15 || om > 59)
				return false;
		}
	}
	if (i != len)
		return false;
	out->type = RT_TIMESTAMP;
	out->v.ts = (TimestampTz) jd * USECS_PER_DAY +
		((int64) hh * 3600 + mi * 60 + ss) * USECS_PER_SEC + frac -
		(int64) sign * (oh * 3600 + om * 60) * USECS_PER_SEC;
	return true;
}

/* ---------- deparsing ---------- */

enum
{
	PREC_OR = 1,
	PREC_AND,
	PREC_NOT,
	PREC_PRED,
	PREC_SUM,
	PREC_PRODUCT,
	PREC_UNARY,
	PREC_PRIMARY
};

static int
node_prec(const RuleData *r, int node)
{
	const RuleNode *n = &RuleNodes(r)[node];

	switch ((RuleOp) n->op)
	{
		case RO_OR:
			return PREC_OR;
		case RO_AND:
			return PREC_AND;
		case RO_NOT:
			return PREC_NOT;
		case RO_ADD:
		case RO_SUB:
			return PREC_SUM;
		case RO_MUL:
		case RO_DIV:
		case RO_MOD:
			return PREC_PRODUCT;
		case RO_NEG:
		case RO_POS:
			return PREC_UNARY;
		case RO_CONST:
			{
				const RuleConst *c = &RuleConsts(r)[n->arg];

				/* a negative literal prints with its sign */
				if (c->type == RT_NUMBER &&
					DatumGetBool(DirectFunctionCall2(numeric_lt,
													 NumericGetDatum((Numeric) (RuleBlob(r) + c->value)),
													 DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))))
					return PREC_UNARY;
				return PREC_PRIMARY;
			}
		case RO_ATTR:
		case RO_FUNC:
			return PREC_PRIMARY;
		default:
			return PREC_PRED;
	}
}

static bool
is_keyword_name(const char *s, int len)
{
	int			k;

	for (k = 1; k < lengthof(keyword_names); k++)
		if ((int) strlen(keyword_names[k]) == len && memcmp(keyword_names[k], s, len) == 0)
			return true;
	return false;
}

static void
deparse_name(StringInfo buf, const char *s, int len)
{
	bool		bare = len > 0 && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
	int			i;

	for (i = 0; bare && i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			bare = false;
	if (bare && !is_keyword_name(s, len))
	{
		appendBinaryStringInfo(buf, s, len);
		return;
	}
	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (s[i] == '"')
			appendStringInfoChar(buf, '"');
		appendStringInfoChar(buf, s[i]);
	}
	appendStringInfoChar(buf, '"');
}

void
DeparseRuleAttr(StringInfo buf, const RuleData *r, int attr)
{
	const RuleAttr *a = &RuleAttrs(r)[attr];
	uint32		k;

	for (k = 0; k < a->nkeys; k++)
	{
		const RuleKey *key = &RuleKeys(r)[a->first_key + k];

		if (k > 0)
			appendStringInfoChar(buf, '.');
		deparse_name(buf, RuleBlob(r) + key->offset, key->len);
	}
}

static void
deparse_string(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '\'');
	for (i = 0; i < len; i++)
	{
		if (s[i] == '\'')
			appendStringInfoChar(buf, '\'');
		appendStringInfoChar(buf, s[i]);
	}
	appendStringInfoChar(buf, '\'');
}

/* Output a value as rule text (json = false) or as a JSON value (json = true). */
/*
 * Print numeric_out's text as a rule literal.  Plain decimal notation unless
 * the number is long and mostly zeros (1e100000, 1e-16383): then digits and
 * an exponent, so that the canonical text of a rule is never much longer than
 * its input and always reads back.  The digits kept are exactly those that
 * carry the value and its display scale: numeric_in gives back the same
 * number, trailing fractional zeros included.
 */
static void
append_number_literal(StringInfo buf, const char *s)
{
	int			len = strlen(s);
	const char *digits = s;
	const char *point;
	int			exponent;
	int			ndigits;
	StringInfoData mant;

	if (len <= 32 || strcmp(s, "NaN") == 0)
	{
		appendStringInfoString(buf, s);
		return;
	}
	initStringInfo(&mant);
	if (*digits == '-')
	{
		appendStringInfoChar(&mant, '-');
		digits++;
	}
	point = strchr(digits, '.');
	if (point)
	{
		/* every fractional digit stays: it is the display scale */
		const char *p = digits;

		exponent = -(int) strlen(point + 1);
		/* leading zeros carry nothing */
		while (*p == '0' || *p == '.')
			p++;
		for (; *p; p++)
			if (*p != '.')
				appendStringInfoChar(&mant, *p);
		if (mant.len == 0 || mant.data[mant.len - 1] == '-')
			appendStringInfoChar(&mant, '0');
	}
	else
	{
		/* an integer: trailing zeros become the exponent */
		ndigits = strlen(digits);
		exponent = 0;
		while (ndigits > 1 && digits[ndigits - 1] == '0')
		{
			ndigits--;
			exponent++;
		}
		appendBinaryStringInfo(&mant, digits, ndigits);
	}
	if (exponent != 0)
		appendStringInfo(&mant, "e%d", exponent);
	appendStringInfoString(buf, mant.len < len ? mant.data : s);
	pfree(mant.data);
}

void
RuleValueOut(StringInfo buf, const RuleValue *v, bool json)
{
	switch ((RuleType) v->type)
	{
		case RT_NULL:
			appendStringInfoString(buf, json ? "null" : "NULL");
			break;
		case RT_BOOL:
			appendStringInfoString(buf, json ? (v->b ? "true" : "false") : (v->b ? "TRUE" : "FALSE"));
			break;
		case RT_NUMBER:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->v.num)));

				if (json)
					appendStringInfoString(buf, s);
				else
					append_number_literal(buf, s);
				pfree(s);
			}
			break;
		case RT_STRING:
			if (json)
			{
				char	   *s = pnstrdup(v->v.str, v->len);

				escape_json(buf, s);
				pfree(s);
			}
			else
				deparse_string(buf, v->v.str, v->len);
			break;
		case RT_DATE:
			{
				int			y,
							m,
							d;

				j2date(v->v.date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
				appendStringInfo(buf, json ? "\"%04d-%02d-%02d\"" : "DATE '%04d-%02d-%02d'", y, m, d);
			}
			break;
		case RT_TIMESTAMP:
			{
				int64		days = v->v.ts / USECS_PER_DAY;
				int64		us = v->v.ts % USECS_PER_DAY;
				int			y,
							m,
							d;
				char		frac[16] = "";

				if (us < 0)
				{
					us += USECS_PER_DAY;
					days--;
				}
				j2date((int) days + POSTGRES_EPOCH_JDATE, &y, &m, &d);
				if (us % USECS_PER_SEC != 0)
				{
					int			l;

					snprintf(frac, sizeof(frac), ".%06d", (int) (us % USECS_PER_SEC));
					for (l = strlen(frac); frac[l - 1] == '0'; l--)
						frac[l - 1] = '\0';
				}
				appendStringInfo(buf, json ? "\"%04d-%02d-%02d %02d:%02d:%02d%s+00\"" :
								 "TIMESTAMP '%04d-%02d-%02d %02d:%02d:%02d%s+00'",
								 y, m, d,
								 (int) (us / USECS_PER_HOUR), (int) ((us / USECS_PER_MINUTE) % 60),
								 (int) ((us / USECS_PER_SEC) % 60), frac);
			}
			break;
		case RT_JSON:
			if (json)
				JsonbToCString(buf, v->v.json, 0);
			else
				appendStringInfoString(buf, "NULL");
			break;
		case RT_ANY:
			elog(ERROR, "unexpected rule value kind");
	}
}

/* Print child, parenthesised when its precedence is below min_prec. */
static void
deparse_child(StringInfo buf, const RuleData *r, int node, int min_prec)
{
	bool		paren = node_prec(r, node) < min_prec;

	if (paren)
		appendStringInfoChar(buf, '(');
	DeparseRule(buf, r, node);
	if (paren)
		appendStringInfoChar(buf, ')');
}

void
DeparseRule(StringInfo buf, const RuleData *r, int node)
{
	const RuleNode *n = &RuleNodes(r)[node];
	const int32 *kids = RuleChildren(r) + n->arg;
	int			i;

	check_stack_depth();
	switch ((RuleOp) n->op)
	{
		case RO_CONST:
			{
				const RuleConst *c = &RuleConsts(r)[n->arg];
				RuleValue	v;

				memset(&v, 0, sizeof(v));
				v.type = c->type;
				if (c->type == RT_BOOL)
					v.b = c->value != 0;
				else if (c->type == RT_NUMBER)
					v.v.num = (Numeric) (RuleBlob(r) + c->value);
				else if (c->type == RT_STRING)
				{
					v.v.str = RuleBlob(r) + c->value;
					v.len = c->len;
				}
				else if (c->type == RT_DATE)
					v.v.date = (DateADT) c->value;
				else if (c->type == RT_TIMESTAMP)
					v.v.ts = c->value;
				RuleValueOut(buf, &v, false);
			}
			break;
		case RO_ATTR:
			DeparseRuleAttr(buf, r, n->arg);
			break;
		case RO_AND:
		case RO_OR:
			for (i = 0; i < n->nargs; i++)
			{
				if (i > 0)
					appendStringInfo(buf, " %s ", op_symbol(n->op));
				/* equal precedence would be a nested chain, flattened by the parser */
				deparse_child(buf, r, kids[i], n->op == RO_AND ? PREC_AND + 1 : PREC_OR + 1);
			}
			break;
		case RO_NOT:
			appendStringInfoString(buf, "NOT ");
			deparse_child(buf, r, kids[0], PREC_NOT);
			break;
		case RO_NEG:
		case RO_POS:
			appendStringInfoChar(buf, n->op == RO_NEG ? '-' : '+');
			deparse_child(buf, r, kids[0], PREC_UNARY);
			break;
		case RO_ADD:
		case RO_SUB:
		case RO_MUL:
		case RO_DIV:
		case RO_MOD:
			{
				int			p = (n->op == RO_ADD || n->op == RO_SUB) ? PREC_SUM : PREC_PRODUCT;

				deparse_child(buf, r, kids[0], p);
				for (i = 1; i < n->nargs; i++)
				{
					appendStringInfo(buf, " %s ", op_symbol(n->op));
					/* left-associative: an equal-precedence right operand needs parentheses */
					deparse_child(buf, r, kids[i], p + 1);
				}
			}
			break;
		case RO_EQ:
		case RO_NE:
		case RO_LT:
		case RO_LE:
		case RO_GT:
		case RO_GE:
		case RO_LIKE:
		case RO_NOT_LIKE:
		case RO_ILIKE:
		case RO_NOT_ILIKE:
			deparse_child(buf, r, kids[0], PREC_SUM);
			appendStringInfo(buf, " %s ", op_symbol(n->op));
			deparse_child(buf, r, kids[1], PREC_SUM);
			break;
		case RO_IS_NULL:
		case RO_IS_NOT_NULL:
			deparse_child(buf, r, kids[0], PREC_SUM);
			appendStringInfo(buf, " %s", op_symbol(n->op));
			break;
		case RO_IN:
		case RO_NOT_IN:
			deparse_child(buf, r, kids[0], PREC_SUM);
			appendStringInfo(buf, " %s (", op_symbol(n->op));
			for (i = 1; i < n->nargs; i++)
			{
				if (i > 1)
					appendStringInfoString(buf, ", ");
				DeparseRule(buf, r, kids[i]);
			}
			appendStringInfoChar(buf, ')');
			break;
		case RO_BETWEEN:
		case RO_NOT_BETWEEN:
			deparse_child(buf, r, kids[0], PREC_SUM);
			appendStringInfo(buf, " %s ", op_symbol(n->op));
			deparse_child(buf, r, kids[1], PREC_SUM);
			appendStringInfoString(buf, " AND ");
			deparse_child(buf, r, kids[2], PREC_SUM);
			break;
		case RO_FUNC:
			appendStringInfo(buf, "%s(", functions[n->func].name);
			for (i = 0; i < n->nargs; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				DeparseRule(buf, r, kids[i]);
			}
			appendStringInfoChar(buf, ')');
			break;
	}
}
