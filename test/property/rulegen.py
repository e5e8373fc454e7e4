#!/usr/bin/env python3
"""
Random rules for the salesops rule language, each with an independent oracle.

For every generated rule this module knows
  * a deliberately messy spelling (random keyword case, whitespace, redundant
    parentheses, quoted/unquoted/upper-case names, equivalent number
    spellings such as 2.5e3 for 2500, `!=` for `<>`, unary plus),
  * the canonical text README.md promises (upper-case keywords, minimal
    parentheses, AND/OR chains flattened, names quoted only when needed),
  * the document paths it reads, in order of first use (rule_attributes),
  * an SQL expression over `d.doc` (jsonb) and `d.at` (timestamptz) that
    computes the documented result with PostgreSQL's own operators: jsonb
    access and jsonb_typeof checks, numeric arithmetic, COLLATE "C"
    comparisons, LIKE/ILIKE, and the helpers of oracle.sql.

Standard library only; deterministic for a given seed.  Used by
gen_property.py (the property test) and ../fuzz/gen_fuzz.py (the corpus).

Semantics the oracle encodes (README "The rule language"), value kinds:
num (numeric), str (text), bool, date, ts (timestamptz), null (the NULL
literal), any (a document value, kept as jsonb; SQL NULL for a missing key
or a JSON null).  A value of the wrong kind where a kind is required is
NULL; comparisons of different kinds are NULL; ISO 8601 strings compare as
dates/timestamps against a date or timestamp; dates compare with timestamps
as midnight UTC; strings compare byte-wise; x / 0 and x % 0 are NULL.
"""
import datetime
import random
import re
from decimal import Decimal, getcontext

getcontext().prec = 4000

KEYWORDS = {'and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'between',
            'like', 'ilike', 'date', 'timestamp'}

# canonical precedences, lowest first (rule_parse.c's deparser, README "Precedence")
P_OR, P_AND, P_NOT, P_PRED, P_SUM, P_PRODUCT, P_UNARY, P_PRIMARY = range(1, 9)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def rule_str(s):
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------- numbers

def dec_scale(d):
    """PostgreSQL numeric display scale of a literal: digits after the point minus the exponent."""
    return max(0, -d.as_tuple().exponent)


def fmt_dec(d):
    """numeric_out of the numeric_in of a literal."""
    s = dec_scale(d)
    q = d.quantize(Decimal(1).scaleb(-s))
    out = format(q, 'f')
    if out.startswith('-') and q == 0:
        out = out[1:]
    return out


def spell_number(canon, rng):
    """An equivalent spelling of an unsigned canonical number (same value and scale)."""
    d = Decimal(canon)
    s = dec_scale(d)
    r = rng.random()
    if r < 0.55:
        return canon
    if r < 0.85:
        k = rng.randint(-s, 3)
        mant = (d.scaleb(-k)).quantize(Decimal(1).scaleb(-(s + k)))
        m = format(mant, 'f')
        return m + rng.choice(['e', 'E']) + rng.choice(['', '+'] if k >= 0 else ['']) + str(k)
    if r < 0.93:
        # leading zeros, or a bare leading/trailing point
        if canon.startswith('0.'):
            return canon[1:]
        if '.' not in canon:
            return rng.choice(['00' + canon, canon + '.'])
        return '0' + canon
    return canon


# ---------------------------------------------------------------- ISO 8601 (for literals only)

ISO_RE = re.compile(r'^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?'
                    r'([Zz]|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?$')


def iso_parse(s):
    """(is_date, UTC datetime) of a strict ISO 8601 string, or None."""
    m = ISO_RE.match(s)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    try:
        day = datetime.date(y, mo, d)
    except ValueError:
        return None
    if m[4] is None:
        return True, datetime.datetime(y, mo, d, tzinfo=datetime.timezone.utc)
    hh, mi, ss = int(m[4]), int(m[5]), int(m[6] or 0)
    if hh > 23 or mi > 59 or ss > 59:
        return None
    us = int((m[7] or '0')[:6].ljust(6, '0'))
    off = 0
    if m[10] is not None:
        oh, om = int(m[10]), int(m[11] or 0)
        if oh > 15 or om > 59:
            return None
        off = (oh * 60 + om) * (1 if m[9] == '+' else -1)
    t = datetime.datetime(day.year, day.month, day.day, hh, mi, ss, us, tzinfo=datetime.timezone.utc)
    return False, t - datetime.timedelta(minutes=off)


def fmt_ts(t):
    s = t.strftime('%Y-%m-%d %H:%M:%S')
    if t.year < 1000:
        s = '%04d' % t.year + s[s.index('-'):]
    if t.microsecond:
        s += ('.%06d' % t.microsecond).rstrip('0')
    return s + '+00'


# ---------------------------------------------------------------- names

def canon_name(k):
    if re.fullmatch(r'[a-z_][a-z0-9_]*', k) and k not in KEYWORDS:
        return k
    return '"' + k.replace('"', '""') + '"'


def can_be_bare(k, after_dot):
    """Can the key be written unquoted?  Unquoted names fold A-Z to lower case."""
    if not k or any('A' <= c <= 'Z' for c in k):
        return False
    first = k[0]
    # the lexer starts a name with a letter, '_' or any non-ASCII byte
    if first.isascii() and not (first.isalpha() or first == '_'):
        return False
    for c in k:
        if c.isascii() and not (c.isalnum() or c in '_$'):
            return False
    if k in KEYWORDS:
        # keywords are keys after a dot; "date" and "timestamp" also at the start
        return after_dot or k in ('date', 'timestamp')
    return True


def spell_name(k, after_dot, rng):
    if can_be_bare(k, after_dot) and rng.random() < 0.75:
        if rng.random() < 0.3:
            return ''.join(c.upper() if c.isascii() and rng.random() < 0.5 else c for c in k)
        return k
    return '"' + k.replace('"', '""') + '"'


def spell_kw(kw, rng):
    r = rng.random()
    if r < 0.5:
        return kw.upper()
    if r < 0.7:
        return kw.lower()
    return ''.join(c.upper() if rng.random() < 0.5 else c.lower() for c in kw)


# ---------------------------------------------------------------- expression nodes

class Node:
    kind = None          # num str bool date ts null any

    def prec(self):
        return P_PRIMARY

    def flat(self):
        """The tree as the parser builds it (AND/OR chains flattened)."""
        return self

    # canonical text of the flattened node
    def canon(self):
        raise NotImplementedError

    def canon_child(self, child, min_prec):
        t = child.canon()
        return '(' + t + ')' if child.prec() < min_prec else t

    # messy token list
    def toks(self, g):
        raise NotImplementedError

    def toks_child(self, g, child, min_prec):
        t = child.toks(g)
        need = child.prec() < min_prec
        extra = g.rng.random() < g.paren_rate
        if need or extra:
            t = ['('] + t + [')']
            if extra and g.rng.random() < 0.15:
                t = ['('] + t + [')']
        return t

    def attrs(self, acc):
        for c in self.children():
            c.attrs(acc)

    def children(self):
        return []

    def uses_time(self):
        return any(c.uses_time() for c in self.children())

    # SQL in the representation of this node's kind
    def sql(self):
        raise NotImplementedError

    def as_(self, want):
        """SQL of this value seen as kind `want` (NULL when the run-time kind differs)."""
        k = self.kind
        s = self.sql()
        if want == k:
            return s
        if k == 'null':
            return {'num': 'NULL::numeric', 'str': 'NULL::text', 'bool': 'NULL::boolean',
                    'jsonb': 'NULL::jsonb', 'tstz': 'NULL::timestamptz'}[want]
        if want == 'jsonb':
            if k == 'any':
                return s
            if k == 'num':
                return 'to_jsonb((%s)::numeric)' % s
            if k == 'str':
                return 'to_jsonb((%s)::text)' % s
            if k == 'bool':
                return 'to_jsonb((%s)::boolean)' % s
            raise AssertionError('no jsonb form for ' + k)
        if want == 'tstz':
            if k == 'date':
                return "((%s)::timestamp AT TIME ZONE 'UTC')" % s
            if k == 'ts':
                return s
            if k == 'str':
                return 'o_iso(%s)' % s
            if k == 'any':
                return 'o_iso(o_str(%s))' % s
            raise AssertionError('no temporal form for ' + k)
        if k == 'any':
            return {'num': 'o_num(%s)', 'str': 'o_str(%s)', 'bool': 'o_bool(%s)'}[want] % s
        raise AssertionError('%s as %s' % (k, want))

    def temporal(self):
        """(is_date SQL, timestamptz SQL) for days_since."""
        k = self.kind
        s = self.sql()
        if k == 'date':
            return 'true', self.as_('tstz')
        if k == 'ts':
            return 'false', s
        if k == 'str':
            return 'o_isdate(%s)' % s, 'o_iso(%s)' % s
        if k == 'any':
            return 'o_isdate(o_str(%s))' % s, 'o_iso(o_str(%s))' % s
        if k == 'null':
            return 'NULL::boolean', 'NULL::timestamptz'
        raise AssertionError(k)


class Num(Node):
    kind = 'num'

    def __init__(self, canon_text):
        self.d = Decimal(canon_text)

    def prec(self):
        return P_UNARY if self.d < 0 else P_PRIMARY

    def canon(self):
        return fmt_dec(self.d)

    def toks(self, g):
        c = fmt_dec(self.d)
        if self.d < 0:
            body = spell_number(c[1:], g.rng)
            r = g.rng.random()
            if r < 0.6:
                return ['-', body]
            if r < 0.8:
                return ['-', '(', body, ')']
            return ['-', '+', body]
        body = spell_number(c, g.rng)
        if g.rng.random() < 0.05:
            return ['+', body]
        return [body]

    def sql(self):
        return "'%s'::numeric" % fmt_dec(self.d)


class Str(Node):
    kind = 'str'

    def __init__(self, s):
        self.s = s

    def canon(self):
        return rule_str(self.s)

    def toks(self, g):
        return [rule_str(self.s)]

    def sql(self):
        return '(%s::text)' % sql_str(self.s)


class Bool(Node):
    kind = 'bool'

    def __init__(self, b):
        self.b = b

    def canon(self):
        return 'TRUE' if self.b else 'FALSE'

    def toks(self, g):
        return [spell_kw('true' if self.b else 'false', g.rng)]

    def sql(self):
        return 'true' if self.b else 'false'


class NullLit(Node):
    kind = 'null'

    def canon(self):
        return 'NULL'

    def toks(self, g):
        return [spell_kw('null', g.rng)]

    def sql(self):
        return 'NULL'


class DateLit(Node):
    kind = 'date'

    def __init__(self, s):
        p = iso_parse(s)
        assert p and p[0], s
        self.s = s

    def canon(self):
        return "DATE '%s'" % self.s

    def toks(self, g):
        return [spell_kw('date', g.rng), "'%s'" % self.s]

    def sql(self):
        return "DATE '%s'" % self.s


class TsLit(Node):
    kind = 'ts'

    def __init__(self, s):
        p = iso_parse(s)
        assert p, s
        self.s = s
        self.t = p[1]

    def canon(self):
        return "TIMESTAMP '%s'" % fmt_ts(self.t)

    def toks(self, g):
        return [spell_kw('timestamp', g.rng), "'%s'" % self.s]

    def sql(self):
        return "'%s'::timestamptz" % fmt_ts(self.t)


class Attr(Node):
    kind = 'any'

    def __init__(self, path):
        self.path = tuple(path)

    def canon(self):
        return '.'.join(canon_name(k) for k in self.path)

    def toks(self, g):
        out = []
        for i, k in enumerate(self.path):
            if i:
                out.append('.')
            out.append(spell_name(k, i > 0, g.rng))
        return out

    def attrs(self, acc):
        c = self.canon()
        if c not in acc:
            acc.append(c)

    def sql(self):
        return "NULLIF(d.doc%s, 'null'::jsonb)" % ''.join(' -> %s::text' % sql_str(k) for k in self.path)


class Neg(Node):
    kind = 'num'

    def __init__(self, x):
        self.x = x

    def children(self):
        return [self.x]

    def prec(self):
        return P_UNARY

    def canon(self):
        return '-' + self.canon_child(self.x, P_UNARY)

    def toks(self, g):
        return ['-'] + self.toks_child(g, self.x, P_UNARY)

    def sql(self):
        return '(-(%s))' % self.x.as_('num')


def make_neg(x):
    if isinstance(x, Num):
        return Num(fmt_dec(-x.d))
    return Neg(x)


class Arith(Node):
    kind = 'num'

    def __init__(self, op, l, r):
        self.op, self.l, self.r = op, l, r

    def children(self):
        return [self.l, self.r]

    def prec(self):
        return P_SUM if self.op in '+-' else P_PRODUCT

    def canon(self):
        p = self.prec()
        return '%s %s %s' % (self.canon_child(self.l, p), self.op, self.canon_child(self.r, p + 1))

    def toks(self, g):
        p = self.prec()
        return self.toks_child(g, self.l, p) + [self.op] + self.toks_child(g, self.r, p + 1)

    def sql(self):
        return "o_arith('%s', %s, %s)" % (self.op, self.l.as_('num'), self.r.as_('num'))


TEMPORAL = ('date', 'ts')


def comparable(a, b):
    if a in ('any', 'null') or b in ('any', 'null') or a == b:
        return True
    if a in TEMPORAL and b in TEMPORAL + ('str',):
        return True
    if b in TEMPORAL and a == 'str':
        return True
    return False


def cmp_sql(op, l, r):
    """Three-valued comparison of two rule values, as SQL boolean."""
    kl, kr = l.kind, r.kind
    if kl == 'null' or kr == 'null':
        return 'NULL::boolean'
    if kl in TEMPORAL or kr in TEMPORAL:
        return '(%s %s %s)' % (l.as_('tstz'), op, r.as_('tstz'))
    if kl == 'any' and kr == 'any':
        return '(o_cmp(%s, %s) %s 0)' % (l.sql(), r.sql(), op)
    k = kr if kl == 'any' else kl
    assert kl in (k, 'any') and kr in (k, 'any'), (kl, kr)
    if k == 'str':
        return '((%s) COLLATE "C" %s (%s) COLLATE "C")' % (l.as_('str'), op, r.as_('str'))
    return '((%s) %s (%s))' % (l.as_(k), op, r.as_(k))


class Cmp(Node):
    kind = 'bool'

    def __init__(self, op, l, r):
        self.op, self.l, self.r = op, l, r

    def children(self):
        return [self.l, self.r]

    def prec(self):
        return P_PRED

    def canon(self):
        return '%s %s %s' % (self.canon_child(self.l, P_SUM), self.op, self.canon_child(self.r, P_SUM))

    def toks(self, g):
        op = self.op
        if op == '<>' and g.rng.random() < 0.5:
            op = '!='
        return self.toks_child(g, self.l, P_SUM) + [op] + self.toks_child(g, self.r, P_SUM)

    def sql(self):
        return cmp_sql(self.op, self.l, self.r)


class IsNull(Node):
    kind = 'bool'

    def __init__(self, x, neg):
        self.x, self.neg = x, neg

    def children(self):
        return [self.x]

    def prec(self):
        return P_PRED

    def canon(self):
        return self.canon_child(self.x, P_SUM) + (' IS NOT NULL' if self.neg else ' IS NULL')

    def toks(self, g):
        t = self.toks_child(g, self.x, P_SUM) + [spell_kw('is', g.rng)]
        if self.neg:
            t.append(spell_kw('not', g.rng))
        return t + [spell_kw('null', g.rng)]

    def sql(self):
        x = self.x
        s = 'NULL' if x.kind == 'null' else x.sql()
        return '((%s) IS %sNULL)' % (s, 'NOT ' if self.neg else '')


class In(Node):
    kind = 'bool'

    def __init__(self, x, items, neg):
        self.x, self.items, self.neg = x, items, neg

    def children(self):
        return [self.x] + self.items

    def prec(self):
        return P_PRED

    def canon(self):
        return '%s %s (%s)' % (self.canon_child(self.x, P_SUM), 'NOT IN' if self.neg else 'IN',
                               ', '.join(i.flat().canon() for i in self.items))

    def toks(self, g):
        t = self.toks_child(g, self.x, P_SUM)
        if self.neg:
            t.append(spell_kw('not', g.rng))
        t += [spell_kw('in', g.rng), '(']
        for i, it in enumerate(self.items):
            if i:
                t.append(',')
            t += self.toks_child(g, it, 0)
        return t + [')']

    def flat(self):
        return In(self.x.flat(), [i.flat() for i in self.items], self.neg)

    def sql(self):
        s = '(%s)' % ' OR '.join(cmp_sql('=', self.x, it) for it in self.items)
        return '(NOT %s)' % s if self.neg else s


class Between(Node):
    kind = 'bool'

    def __init__(self, x, lo, hi, neg):
        self.x, self.lo, self.hi, self.neg = x, lo, hi, neg

    def children(self):
        return [self.x, self.lo, self.hi]

    def prec(self):
        return P_PRED

    def canon(self):
        return '%s %s %s AND %s' % (self.canon_child(self.x, P_SUM), 'NOT BETWEEN' if self.neg else 'BETWEEN',
                                    self.canon_child(self.lo, P_SUM), self.canon_child(self.hi, P_SUM))

    def toks(self, g):
        t = self.toks_child(g, self.x, P_SUM)
        if self.neg:
            t.append(spell_kw('not', g.rng))
        return (t + [spell_kw('between', g.rng)] + self.toks_child(g, self.lo, P_SUM) + [spell_kw('and', g.rng)]
                + self.toks_child(g, self.hi, P_SUM))

    def sql(self):
        s = '(%s AND %s)' % (cmp_sql('>=', self.x, self.lo), cmp_sql('<=', self.x, self.hi))
        return '(NOT %s)' % s if self.neg else s


class Like(Node):
    kind = 'bool'

    def __init__(self, x, p, ilike, neg):
        self.x, self.p, self.ilike, self.neg = x, p, ilike, neg

    def children(self):
        return [self.x, self.p]

    def prec(self):
        return P_PRED

    def opname(self):
        return ('NOT ' if self.neg else '') + ('ILIKE' if self.ilike else 'LIKE')

    def canon(self):
        return '%s %s %s' % (self.canon_child(self.x, P_SUM), self.opname(), self.canon_child(self.p, P_SUM))

    def toks(self, g):
        t = self.toks_child(g, self.x, P_SUM)
        if self.neg:
            t.append(spell_kw('not', g.rng))
        return t + [spell_kw('ilike' if self.ilike else 'like', g.rng)] + self.toks_child(g, self.p, P_SUM)

    def sql(self):
        s = '((%s) %s (%s))' % (self.x.as_('str'), 'ILIKE' if self.ilike else 'LIKE', self.p.as_('str'))
        return '(NOT %s)' % s if self.neg else s


class Not(Node):
    kind = 'bool'

    def __init__(self, x):
        self.x = x

    def children(self):
        return [self.x]

    def prec(self):
        return P_NOT

    def flat(self):
        return Not(self.x.flat())

    def canon(self):
        return 'NOT ' + self.canon_child(self.x.flat(), P_NOT)

    def toks(self, g):
        return [spell_kw('not', g.rng)] + self.toks_child(g, self.x, P_NOT)

    def sql(self):
        return '(NOT %s)' % self.x.as_('bool')


class Chain(Node):
    kind = 'bool'

    def __init__(self, op, items):
        self.op, self.items = op, items

    def children(self):
        return self.items

    def prec(self):
        return P_AND if self.op == 'AND' else P_OR

    def flat(self):
        out = []
        for it in self.items:
            f = it.flat()
            if isinstance(f, Chain) and f.op == self.op:
                out.extend(f.items)
            else:
                out.append(f)
        return Chain(self.op, out)

    def canon(self):
        f = self.flat()
        return (' %s ' % self.op).join(self.canon_child(i, f.prec() + 1) for i in f.items)

    def toks(self, g):
        t = []
        for i, it in enumerate(self.items):
            if i:
                t.append(spell_kw(self.op.lower(), g.rng))
            t += self.toks_child(g, it, self.prec() + 1)
        return t

    def sql(self):
        return '(%s)' % (' %s ' % self.op).join(i.as_('bool') for i in self.items)


class Func(Node):
    def __init__(self, name, args, kind):
        self.name, self.args, self.kind = name, args, kind

    def children(self):
        return self.args

    def uses_time(self):
        return self.name == 'days_since' or super().uses_time()

    def flat(self):
        return Func(self.name, [a.flat() for a in self.args], self.kind)

    def canon(self):
        return '%s(%s)' % (self.name, ', '.join(a.flat().canon() for a in self.args))

    def toks(self, g):
        name = self.name
        if g.rng.random() < 0.3:
            name = name.upper()
        t = [name, '(']
        for i, a in enumerate(self.args):
            if i:
                t.append(',')
            t += self.toks_child(g, a, 0)
        return t + [')']

    def sql(self):
        n, a = self.name, self.args
        if n in ('abs', 'ceil', 'floor'):
            return '%s(%s)' % (n, a[0].as_('num'))
        if n == 'round':
            if len(a) == 1:
                return 'round(%s)' % a[0].as_('num')
            p = a[1].as_('num')
            # places are rounded to an integer; beyond +-1000 the result is NULL (rule_eval.c)
            return ('(CASE WHEN (%s) > -1000.5 AND (%s) < 1000.5 THEN round(%s, (%s)::int) END)'
                    % (p, p, a[0].as_('num'), p))
        if n in ('lower', 'upper'):
            return '%s(%s)' % (n, a[0].as_('str'))
        if n == 'trim':
            return "btrim(%s, ' ')" % a[0].as_('str')
        if n == 'length':
            return 'length(%s)::numeric' % a[0].as_('str')
        if n == 'number':
            k = a[0].kind
            if k == 'num':
                return a[0].sql()
            if k == 'bool':
                return '(CASE WHEN (%s) THEN 1::numeric WHEN NOT (%s) THEN 0::numeric END)' % (a[0].sql(), a[0].sql())
            if k == 'str':
                return 'o_parse_number(%s)' % a[0].sql()
            if k == 'any':
                return 'o_number(%s)' % a[0].sql()
            return 'NULL::numeric'
        if n == 'string':
            k = a[0].kind
            if k == 'str':
                return a[0].sql()
            if k == 'num':
                return '(%s)::text' % a[0].sql()
            if k == 'bool':
                return "(CASE WHEN (%s) THEN 'true' WHEN NOT (%s) THEN 'false' END)" % (a[0].sql(), a[0].sql())
            if k == 'date':
                return "to_char(%s, 'YYYY-MM-DD')" % a[0].sql()
            if k == 'ts':
                return 'o_ts_text(%s)' % a[0].sql()
            if k == 'any':
                return 'o_string(%s)' % a[0].sql()
            return 'NULL::text'
        if n == 'days_since':
            fd, ft = a[0].temporal()
            if len(a) == 2:
                td, tt = a[1].temporal()
            else:
                tt = 'd.at'
            return 'o_days(%s, %s, %s)' % (fd, ft, tt)
        if n == 'coalesce':
            if self.kind == 'any':
                return 'COALESCE(%s)' % ', '.join(x.as_('jsonb') for x in a)
            rep = {'num': 'num', 'str': 'str', 'bool': 'bool', 'date': None, 'ts': None}[self.kind]
            if rep is None:
                return 'COALESCE(%s)' % ', '.join(x.sql() if x.kind != 'null' else 'NULL' for x in a)
            return 'COALESCE(%s)' % ', '.join(x.as_(rep) for x in a)
        if n in ('least', 'greatest'):
            fn = n.upper()
            if self.kind == 'any':
                return 'o_minmax(%s, %s)' % ('true' if n == 'least' else 'false', ', '.join(x.as_('jsonb') for x in a))
            if self.kind == 'str':
                return '(%s(%s) COLLATE "default")' % (fn, ', '.join('(%s) COLLATE "C"' % x.as_('str') for x in a))
            if self.kind in TEMPORAL:
                return '%s(%s)' % (fn, ', '.join(x.sql() if x.kind != 'null' else 'NULL' for x in a))
            return '%s(%s)' % (fn, ', '.join(x.as_(self.kind) for x in a))
        raise AssertionError(n)


# ---------------------------------------------------------------- the data

# Document keys: path -> preferred kind.  Dotted paths make nested objects.
KEYS = [
    (('n',), 'num'), (('m',), 'num'), (('qty',), 'num'), (('x y',), 'num'), (('Mixed',), 'num'),
    (('mixed',), 'num'), (('a$b',), 'num'), (('ключ',), 'num'),
    (('acct', 'rev'), 'num'), (('acct', 'sub', 'x'), 'num'),
    (('s',), 'str'), (('t',), 'str'), (('Lead Source',), 'str'), (('city',), 'str'),
    (('città',), 'str'), (('say "hi"',), 'str'), (('acct', 'name'), 'str'), (('acct', 'or'), 'str'),
    (('d',), 'date'), (('date',), 'date'), (('ts',), 'ts'),
    (('flag',), 'bool'), (('ok',), 'bool'), (('and',), 'bool'),
    (('arr',), 'json'),
]
PATHS_BY_KIND = {}
for _p, _k in KEYS:
    PATHS_BY_KIND.setdefault(_k, []).append(_p)
ALL_PATHS = [p for p, _ in KEYS] + [('acct',), ('acct', 'sub'), ('nosuch',), ('acct', 'nosuch', 'x'), ('n', 'x')]

DOC_NUMBERS = ['0', '1', '-1', '2', '3', '5', '7', '10', '42', '100', '500', '650', '0.1', '0.2', '0.3', '1.5',
               '1.50', '2.5', '-2.5', '1e30', '1e-20', '0.0', '-0', '123456789.123456789', '3.14159', '1000',
               '2500', '-7', '0.05', '99.999', '1E+2', '12', '1e70000', '-1e70000', '1e-9000']
DOC_STRINGS = ['', 'medical', 'Medical', 'MEDICAL', 'retail', 'shanghai', 'Shanghai', 'Beijing', 'abc', 'ABC',
               'a_b', 'a%b', 'axb', 'a\\_b', 'x\\\\y', '  padded  ', ' 12.5 ', '12', '1e3', '-3', '+.5', '5.',
               '.', '1e1001', '12abc', 'Ünïcödé', 'straße', 'ÉCOLE', 'école', '日本語', 'emoji 😀', 'it\'s',
               'say "hi"', 'tab\there', 'line\nbreak', 'true', 'null', 'x', 'xyz', 'medic', 'mediCAL',
               'İstanbul', 'ǅemal', 'ß', 'Σίσυφος', '100', '2026-11-20', '\tpadded\n', ' x ', 'x\t', '1e500',
               '2E+999', '1e-1000', '1e-1001', '5e1000', '1e0001000', ' -0.50 ', '1.5e', 'e5', '0x1A', 'Infinity',
               'NaN', '1,5', '\t12', '12 ', '+', '-.5e-3']
DOC_DATES = ['2026-11-20', '2026-11-01', '2026-10-31', '2024-02-29', '2023-02-29', '2026-02-30', '2026-13-01',
             '1999-12-31', '2000-01-01', '0001-01-01', '0000-01-01', '9999-12-31', '2026-12-04', '2026-1-5',
             '2026/11/20', '20261120', 'last week', '2026-11-20T10:00:00Z', ' 2026-11-20', '2026-11-20 ']
DOC_TIMESTAMPS = ['2026-11-20T10:00:00Z', '2026-11-20 10:00:00+00', '2026-11-20t10:00z', '2026-11-20T10:00',
                  '2026-11-20 23:59:59.999999+05:30', '2026-11-20T10:00:00.1234567Z', '2026-11-20T10:00:00.5+01',
                  '2026-10-31T23:59:59Z', '2026-11-01T00:00:00+01:00', '2026-11-01T00:00:00-0130',
                  '1999-12-31T23:00:00-02:00', '2026-11-20T24:00:00Z', '2026-11-20T10:60:00Z',
                  '2026-11-20T10:00:00+16:00', '2026-11-20T10:00:00+05:3', '2026-11-20T10:00:00.Z',
                  '2026-11-20T10:00:00 Z', '2026-12-04T09:59:59.999999Z', '2026-12-04', '2026-11-20T10Z',
                  '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.5Z', '2026-12-04T09:59:59.9999999Z',
                  '2026-12-04T10:00:00.0000004Z', '2026-12-04 10:00:00.000001+00:00', '2026-12-04T10:00:00.123456789Z']
KNOWN_BUG_STRINGS = ['2026-11-20T10:00:00+01:']     # see the report: accepted as +01
AT_VALUES = ['2026-12-04 10:00:00+00', '2026-11-20 00:00:00+00', '1999-12-31 12:34:56.789+00',
             '2000-01-01 00:00:00+00', '1970-01-01 00:00:00.000001+00', '2026-12-04 23:59:59.999999+00',
             '2024-02-29 12:00:00+00', '1969-12-31 23:59:59.5+00']

LIT_NUMBERS = ['0', '1', '-1', '2', '3', '5', '10', '42', '100', '500', '650', '0.1', '0.2', '0.3', '1.5',
               '1.50', '2.5', '-2.5', '1000000000000000000000000000000', '0.00000000000000000001', '0.0',
               '1000', '2500', '0.5', '7', '3.14159', '99.999', '12', '-0.05', '123456789.123456789']
LIT_STRINGS = ['medical', 'Medical', 'retail', 'shanghai', 'abc', 'ABC', '', 'a_b', '12', ' 12.5 ', 'straße',
               'ÉCOLE', 'école', "it's", 'x', 'xyz', '2026-11-20', 'true', 'Ünïcödé', 'say "hi"', '  padded  ',
               'medic', 'ß', 'İstanbul', '100', 'emoji 😀', 'padded', '2026-11-20 09:00:00.5+00']
LIT_PATTERNS = ['%', '_', 'a%', '%c', 'shang%', '%a_b%', 'a\\_b', 'a\\%b', '%\\\\%', '_b%', 'ABC', 'é%', '%ß%',
                '%%', '%_%', 'm_d%c_l', 'medical', 'MED%', '%AL', '_', '__', '%i%', 'x%z', '%😀', 'ü%', '%Ö%',
                '\\x%', '%\\%%', 'Σ%', '%é', '%  ', '%0+00', '%.5+00', '%4+00']
LIT_DATES = ['2026-11-01', '2024-02-29', '1999-12-31', '2000-01-01', '2026-12-04', '2026-11-20', '0001-01-01',
             '9999-12-31', '2026-10-31']
LIT_TIMESTAMPS = ['2026-11-20 10:00:00+00', '2026-11-20T10:00:00Z', '2026-11-20 23:59:59.999999+05:30',
                  '1999-12-31T23:00:00-02:00', '2026-11-01', '2026-11-20 10:00', '2026-11-20T10:00:00.5+01',
                  '2026-12-04T09:59:59.999999Z', '1970-01-01 00:00:00Z', '2026-12-04T10:00:00Z',
                  '2026-12-04 10:00:00.123456Z', '2026-11-20 10:00:00.1234Z', '2026-11-20T10:00:00.5']


class Raw:
    """A JSON number kept in its exact spelling."""

    def __init__(self, s):
        self.s = s


def json_text(v):
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, Raw):
        return v.s
    if isinstance(v, str):
        out = ['"']
        for c in v:
            if c == '"':
                out.append('\\"')
            elif c == '\\':
                out.append('\\\\')
            elif c == '\n':
                out.append('\\n')
            elif c == '\t':
                out.append('\\t')
            elif ord(c) < 0x20:
                out.append('\\u%04x' % ord(c))
            else:
                out.append(c)
        out.append('"')
        return ''.join(out)
    if isinstance(v, list):
        return '[' + ', '.join(json_text(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ', '.join(json_text(k) + ': ' + json_text(x) for k, x in v.items()) + '}'
    raise TypeError(v)


class Gen:
    def __init__(self, seed, known_bugs=False):
        self.rng = random.Random(seed)
        self.paren_rate = 0.12
        self.known_bugs = known_bugs

    # ------------------------------------------------------------ documents

    def value_of_kind(self, kind):
        r = self.rng
        if kind == 'num':
            return Raw(r.choice(DOC_NUMBERS))
        if kind == 'str':
            return r.choice(DOC_STRINGS)
        if kind == 'date':
            return r.choice(DOC_DATES + (KNOWN_BUG_STRINGS if self.known_bugs else []))
        if kind == 'ts':
            return r.choice(DOC_TIMESTAMPS + (KNOWN_BUG_STRINGS if self.known_bugs else []))
        if kind == 'bool':
            return r.random() < 0.5
        if kind == 'json':
            return r.choice([[], [Raw('1'), Raw('2')], {}, {'rev': Raw('5')}, ['a', None]])
        raise AssertionError(kind)

    def doc_value(self, pref):
        r = self.rng.random()
        if r < 0.12:
            return 'MISSING'
        if r < 0.20:
            return None
        if r < 0.68:
            return self.value_of_kind(pref)
        return self.value_of_kind(self.rng.choice(['num', 'str', 'date', 'ts', 'bool', 'json']))

    def document(self):
        doc = {}
        # filler keys of every length move the others around in jsonb's sorted key array
        for i in range(self.rng.randint(0, 6)):
            doc['f' * self.rng.randint(1, 4) + str(self.rng.randint(0, 9))] = Raw(str(i))
        acct_shape = self.rng.random()
        for path, kind in KEYS:
            v = self.doc_value(kind)
            if v == 'MISSING':
                continue
            if len(path) == 1:
                doc[path[0]] = v
                continue
            if acct_shape < 0.12:
                doc['acct'] = self.rng.choice(['acme', Raw('3'), [Raw('1')], None])
                continue
            if acct_shape < 0.2:
                continue
            o = doc.setdefault('acct', {})
            if not isinstance(o, dict):
                continue
            for k in path[1:-1]:
                o = o.setdefault(k, {})
                if not isinstance(o, dict):
                    break
            else:
                o[path[-1]] = v
        if isinstance(doc.get('acct'), dict) and 'sub' in doc['acct'] and self.rng.random() < 0.2:
            doc['acct']['sub'] = self.rng.choice(['flat', [Raw('1')], None])
        if self.rng.random() < 0.1:
            doc['n'] = {'x': Raw('1')}
        items = list(doc.items())
        self.rng.shuffle(items)
        return json_text(dict(items))

    def documents(self, n):
        docs = [self.document() for _ in range(n)]
        # a few documents that are not objects, and an empty one: every path is NULL
        docs += ['{}', '[1, 2]', '5', '"text"', 'null']
        return [(d, self.rng.choice(AT_VALUES)) for d in docs]

    # ------------------------------------------------------------ expressions

    def pick(self, *weighted):
        total = sum(w for w, _ in weighted)
        x = self.rng.random() * total
        for w, f in weighted:
            x -= w
            if x < 0:
                return f()
        return weighted[-1][1]()

    def attr(self, kind):
        r = self.rng
        if r.random() < 0.8 and kind in PATHS_BY_KIND:
            return Attr(r.choice(PATHS_BY_KIND[kind]))
        return Attr(r.choice(ALL_PATHS))

    def num(self, depth):
        r = self.rng
        if depth <= 0:
            return self.pick((5, lambda: self.attr('num')), (4, lambda: Num(r.choice(LIT_NUMBERS))),
                             (0.3, lambda: NullLit()))
        d = depth - 1
        return self.pick(
            (4, lambda: self.attr('num')),
            (3, lambda: Num(r.choice(LIT_NUMBERS))),
            (5, lambda: Arith(r.choice('+-*/%'), self.num(d), self.num(d))),
            (1, lambda: make_neg(self.num(d))),
            (1, lambda: Func(r.choice(['abs', 'ceil', 'floor']), [self.num(d)], 'num')),
            (1, lambda: Func('round', [self.num(d)] + ([self.small_places(d)] if r.random() < 0.6 else []), 'num')),
            (1.2, lambda: self.minmax_coalesce('num', d)),
            (1, lambda: Func('length', [self.str_(d)], 'num')),
            (0.8, lambda: Func('number', [self.pick((3, lambda: self.attr('str')), (2, lambda: self.attr('num')),
                                                    (1, lambda: self.attr('bool')), (1, lambda: self.str_(d)),
                                                    (0.5, lambda: self.bool_(d)), (0.3, lambda: DateLit(r.choice(LIT_DATES))))],
                                   'num')),
            (0.8, lambda: self.days_since(d)),
            (0.2, lambda: NullLit()),
        )

    def small_places(self, d):
        r = self.rng
        return self.pick((4, lambda: Num(r.choice(['0', '1', '2', '3', '-1', '-2', '1.5', '2.5', '-0.5']))),
                         (1, lambda: self.attr('num')),
                         (0.3, lambda: Num(r.choice(['1000', '-1000', '1001', '1000.4', '-1000.6']))))

    def days_since(self, d):
        r = self.rng
        a = [self.temporal(d)]
        if r.random() < 0.4:
            a.append(self.temporal(d))
        return Func('days_since', a, 'num')

    def temporal(self, depth):
        r = self.rng
        return self.pick((4, lambda: self.attr(r.choice(['date', 'ts']))),
                         (2, lambda: DateLit(r.choice(LIT_DATES))),
                         (2, lambda: TsLit(r.choice(LIT_TIMESTAMPS))),
                         (1, lambda: Str(r.choice(DOC_DATES + DOC_TIMESTAMPS[:8]))),
                         (0.5, lambda: self.attr('str')),
                         (0.2, lambda: NullLit()))

    def str_(self, depth):
        r = self.rng
        if depth <= 0:
            return self.pick((5, lambda: self.attr('str')), (3, lambda: Str(r.choice(LIT_STRINGS))))
        d = depth - 1
        return self.pick(
            (5, lambda: self.attr('str')),
            (3, lambda: Str(r.choice(LIT_STRINGS))),
            (2, lambda: Func(r.choice(['lower', 'upper', 'trim']), [self.str_(d)], 'str')),
            (1, lambda: self.minmax_coalesce('str', d)),
            (1.5, lambda: Func('string', [self.pick((2, lambda: self.num(d)), (1, lambda: self.attr(r.choice(['num', 'bool', 'json', 'str']))),
                                                    (0.5, lambda: self.bool_(d)),
                                                    (0.7, lambda: DateLit(r.choice(LIT_DATES))),
                                                    (1, lambda: TsLit(r.choice(LIT_TIMESTAMPS))))], 'str')),
            (0.1, lambda: NullLit()),
        )

    def pattern(self, depth):
        r = self.rng
        return self.pick((6, lambda: Str(r.choice(LIT_PATTERNS))), (2, lambda: self.attr('str')),
                         (1, lambda: Func(r.choice(['lower', 'upper']), [self.pattern(0)], 'str')))

    def minmax_coalesce(self, kind, d):
        """least/greatest/coalesce whose static kind is `kind` (or 'any' when kind is 'any')."""
        r = self.rng
        fn = r.choice(['least', 'greatest', 'coalesce'])
        n = r.choice([1, 2, 2, 3, 3, 4])
        gen = {'num': self.num, 'str': self.str_, 'bool': self.bool_}[kind] if kind != 'any' else None
        args = []
        if kind == 'any':
            for _ in range(n):
                args.append(self.pick((5, lambda: self.attr(r.choice(['num', 'str', 'bool', 'json']))),
                                      (1, lambda: Num(r.choice(LIT_NUMBERS))), (1, lambda: Str(r.choice(LIT_STRINGS))),
                                      (0.5, lambda: Bool(r.random() < 0.5)), (0.5, lambda: NullLit())))
            if all(a.kind == 'null' for a in args):
                args[0] = self.attr('num')
            # the compiler rejects arguments whose known kinds cannot be compared
            known = None
            for i in range(len(args)):
                if args[i].kind in ('any', 'null'):
                    continue
                if known is None:
                    known = args[i].kind
                elif not comparable(known, args[i].kind):
                    args[i] = self.attr(r.choice(['num', 'str']))
            return self.fix_kind(Func(fn, args, 'any'))
        for _ in range(n):
            args.append(self.pick((6, lambda: gen(d)), (0.5, lambda: NullLit())))
        if all(a.kind == 'null' for a in args):
            args[0] = gen(0) if kind != 'bool' else Bool(True)
        return self.fix_kind(Func(fn, args, kind))

    def fix_kind(self, f):
        """The static kind the compiler gives least/greatest/coalesce: the common kind, else any."""
        kinds = {a.kind for a in f.args if a.kind != 'null'}
        f.kind = kinds.pop() if len(kinds) == 1 else 'any'
        return f

    def any_(self, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.7:
            return self.attr(r.choice(['num', 'str', 'bool', 'json', 'date']))
        return self.minmax_coalesce('any', depth - 1)

    def scalar_pair(self, depth):
        """Two comparable operands, of matching kinds most of the time."""
        for _ in range(20):
            a, b = self.scalar_pair1(depth)
            if comparable(a.kind, b.kind):
                return a, b
        return self.attr('num'), Num('1')

    def scalar_pair1(self, depth):
        r = self.rng
        d = depth
        kind = r.choice(['num', 'num', 'num', 'str', 'str', 'temporal', 'bool', 'any', 'mixed'])
        if kind == 'num':
            return self.num(d), self.pick((2, lambda: Num(r.choice(LIT_NUMBERS))), (2, lambda: self.num(d)))
        if kind == 'str':
            return self.str_(d), self.pick((2, lambda: Str(r.choice(LIT_STRINGS + DOC_STRINGS[:20]))), (1, lambda: self.str_(d)))
        if kind == 'temporal':
            a = self.pick((3, lambda: self.attr(r.choice(['date', 'ts', 'date']))), (1, lambda: self.attr('str')),
                          (1, lambda: DateLit(r.choice(LIT_DATES))), (1, lambda: Str(r.choice(DOC_DATES))))
            b = self.pick((3, lambda: DateLit(r.choice(LIT_DATES))), (3, lambda: TsLit(r.choice(LIT_TIMESTAMPS))),
                          (1, lambda: self.attr('ts')))
            if a.kind not in TEMPORAL and b.kind not in TEMPORAL:
                b = DateLit(r.choice(LIT_DATES))
            return (a, b) if r.random() < 0.6 else (b, a)
        if kind == 'bool':
            return self.bool_(max(d - 1, 0)), self.pick((1, lambda: Bool(r.random() < 0.5)), (1, lambda: self.bool_(max(d - 1, 0))))
        if kind == 'any':
            return self.any_(d), self.any_(d)
        # an attribute of one kind against a literal of another: NULL at run time
        a = self.attr(r.choice(['num', 'str', 'bool', 'date']))
        b = self.pick((1, lambda: Num(r.choice(LIT_NUMBERS))), (1, lambda: Str(r.choice(LIT_STRINGS))),
                      (1, lambda: Bool(r.random() < 0.5)), (0.3, lambda: NullLit()))
        return (a, b) if r.random() < 0.5 else (b, a)

    def predicate(self, depth):
        r = self.rng
        d = max(depth - 1, 0)
        which = r.random()
        if which < 0.45:
            a, b = self.scalar_pair(d)
            return Cmp(r.choice(['=', '<>', '<', '<=', '>', '>=']), a, b)
        if which < 0.58:
            x, first = self.scalar_pair(d)
            items = [first]
            for _ in range(r.choice([0, 1, 2, 3, 4])):
                items.append(self.in_item(x, d))
            return In(x, items, r.random() < 0.35)
        if which < 0.70:
            x, lo = self.scalar_pair(d)
            _, hi = self.scalar_pair(d)
            if not (comparable(x.kind, hi.kind)):
                hi = lo
            return Between(x, lo, hi, r.random() < 0.3)
        if which < 0.80:
            return IsNull(self.pick((4, lambda: self.attr(r.choice(['num', 'str', 'bool', 'json', 'date']))),
                                    (2, lambda: self.num(d)), (1, lambda: self.str_(d)),
                                    (1, lambda: self.predicate(d)), (0.2, lambda: NullLit())), r.random() < 0.5)
        if which < 0.95:
            return Like(self.str_(d), self.pattern(d), r.random() < 0.4, r.random() < 0.3)
        return self.pick((2, lambda: self.attr('bool')), (1, lambda: Bool(r.random() < 0.5)),
                         (0.3, lambda: NullLit()), (1, lambda: self.minmax_coalesce('bool', d)))

    def in_item(self, x, d):
        r = self.rng
        for _ in range(10):
            k = x.kind if x.kind not in ('any', 'null') else r.choice(['num', 'str', 'bool'])
            if k in TEMPORAL:
                it = self.pick((1, lambda: DateLit(r.choice(LIT_DATES))), (1, lambda: TsLit(r.choice(LIT_TIMESTAMPS))),
                               (1, lambda: Str(r.choice(DOC_DATES))))
            elif k == 'num':
                it = self.pick((3, lambda: Num(r.choice(LIT_NUMBERS))), (1, lambda: self.num(d)), (0.3, lambda: NullLit()))
            elif k == 'str':
                it = self.pick((3, lambda: Str(r.choice(LIT_STRINGS + DOC_STRINGS[:20]))), (1, lambda: self.str_(d)),
                               (0.3, lambda: NullLit()))
            else:
                it = self.pick((2, lambda: Bool(r.random() < 0.5)), (1, lambda: self.predicate(d)))
            if comparable(x.kind, it.kind):
                return it
        return NullLit()

    def bool_(self, depth):
        r = self.rng
        if depth <= 0:
            return self.predicate(0)
        d = depth - 1
        return self.pick(
            (5, lambda: self.predicate(depth)),
            (2, lambda: Chain('AND', [self.bool_(d) for _ in range(r.choice([2, 2, 3, 4]))])),
            (2, lambda: Chain('OR', [self.bool_(d) for _ in range(r.choice([2, 2, 3, 4]))])),
            (1, lambda: Not(self.bool_(d))),
        )

    # ------------------------------------------------------------ whole rules

    def text(self, node):
        toks = node.toks(self)
        r = self.rng
        out = [r.choice(['', '', ' ', '  ', '\n'])]
        prev = ''
        for t in toks:
            # "5.AND" would be one bad token, like "12abc"
            if prev and (wordy(prev[-1]) or prev[0].isdigit() or prev[0] == '.') and wordy(t[0]):
                out.append(r.choice([' ', ' ', ' ', '  ', '\t', '\n']))
            elif prev:
                out.append(r.choice(['', '', ' ', ' ', ' ', '  ', '\n ']))
            out.append(t)
            prev = t
        out.append(r.choice(['', '', ' ', '\t', '\n']))
        return ''.join(out)

    def condition(self):
        r = self.rng
        depth = r.choice([1, 2, 2, 3, 3, 4])
        if r.random() < 0.03:
            # a condition whose kind is known only at run time
            while True:
                n = self.pick((1, lambda: self.attr('bool')),
                              (1, lambda: self.fix_kind(Func('coalesce', [self.attr('bool'), self.bool_(1)], 'any'))),
                              (1, lambda: self.minmax_coalesce('any', 1)))
                if n.kind in ('bool', 'any', 'null'):
                    return n
        return self.bool_(depth)

    def formula(self):
        r = self.rng
        while r.random() < 0.05:
            n = self.minmax_coalesce('any', 1)
            if n.kind in ('num', 'any', 'null'):
                return n
        return self.num(r.choice([1, 2, 2, 3, 3, 4]))


def wordy(c):
    return c.isalnum() or c in '_$' or not c.isascii()


def root_sql(node, want):
    """The oracle for rule_test (want='bool') or rule_value (want='num')."""
    if node.kind == 'null':
        return 'NULL::boolean' if want == 'bool' else 'NULL::numeric'
    return node.as_(want)


def attributes(node):
    acc = []
    node.attrs(acc)
    return acc
