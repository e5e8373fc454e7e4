#!/usr/bin/env python3
"""
Inputs for the robustness fuzz of salesops.rule's input function
(test/checks/rule_fuzz.sh), as a COPY text file of (id, category, text).

Categories:
  valid     messy but valid rules from ../property/rulegen.py: must compile
  mutated   valid rules after 1-4 random edits: character replacements and
            code-point bit flips, deletions, insertions of characters and
            tokens, duplicated, swapped and repeated spans, truncation,
            splices of two rules, case flips, huge numbers, long strings
  tokens    random sequences of the language's tokens (mostly type errors)
  unicode   random strings of valid Unicode (a UTF8 database cannot hold
            invalid UTF-8), control characters included, NUL excluded
  special   a fixed list of pathological inputs: empty and blank text, 10,000
            parentheses, NOT and minus signs, 1e999999, texts around the
            65536-byte limit, chains of 13,000 ANDs, 5,000-key paths, ...

Usage: gen_fuzz.py --seed N --count N [--docs DOCS.sql] [--binary DIR] OUT.copy
(standard library only).  --binary also writes DIR/N.bin, one COPY (FORMAT
binary) file per payload for rule_recv (a row of an id and a rule whose
bytes are a version byte and text: valid ones, bytes flipped, invalid UTF-8,
NUL bytes, wrong versions, empty), and DIR/load.sql, the psql script that
loads each one with its own \\copy.
"""
import struct
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'property'))
import rulegen  # noqa: E402

TOKENS = ['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'BETWEEN', 'LIKE', 'ILIKE', 'DATE', 'TIMESTAMP',
          '=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '(', ')', ',', '.', '!', '#', ';', '::',
          '"', "'", "''", '""', 'a', 'b', 'x.y', '"Lead Source"', '"x""y"', 'acct.rev', 'date', 'timestamp',
          '0', '1', '-1', '1.5', '.5', '5.', '1e3', '1e', '1e+', '2.5E-3', '007', '1e999999', '1e-999999',
          "'x'", "''''", "'2026-01-01'", "'2026-02-30'", "'yesterday'", "'%'", "'\\'", 'abs', 'ceil', 'floor',
          'round', 'least', 'greatest', 'coalesce', 'lower', 'upper', 'length', 'trim', 'days_since', 'number',
          'string', 'nosuch', 'concept', 'abs(', 'round(', 'coalesce(', 'days_since(', ' ', '\t', '\n', 'é',
          'ключ', '😀', '$', '_', '\\', '@@', '||', '&&', '?', ':', '[', ']', '{', '}', '`', '--', '/*', '*/']

HUGE_NUMBERS = ['1e999999', '1e-999999', '1e131071', '1e131072', '1e-16383', '1e-16384', '1e16383', '1e100000',
                '1e2147483647', '1e2147483648', '1e-2147483648', '9' * 1000, '0.' + '0' * 16382 + '1',
                '1' + '0' * 20000, '.' + '9' * 17000, '1e+0000000000000000000005', '0e999999999']

CHAR_POOL = (list('abcxyzAZ_$019.,()=<>!+-*/%\'" \t\n\r\f\v#;:@?&|^~`[]{}\\')
             + ['é', 'ß', 'İ', 'ﬀ', 'Σ', 'ключ', '日', '😀', '\u00a0', '\u2028', '\u200b', '\ufeff', '\x01', '\x1b',
                '\x7f', '\u0085', '\U0010fffd'])


def rand_char(rng):
    r = rng.random()
    if r < 0.75:
        return rng.choice(CHAR_POOL)
    if r < 0.9:
        return chr(rng.randint(0x20, 0x7e))
    while True:
        c = rng.randint(1, 0x10ffff)
        if not 0xd800 <= c <= 0xdfff:
            return chr(c)


def flip(rng, c):
    """A code point with one bit flipped, still a valid non-NUL scalar value."""
    for _ in range(20):
        n = ord(c) ^ (1 << rng.randint(0, 20 if ord(c) > 0x7f else 6))
        if 0 < n <= 0x10ffff and not 0xd800 <= n <= 0xdfff:
            return chr(n)
    return c


def mutate(rng, s, corpus):
    n = len(s)
    # the operators that make long inputs are rarer: a few percent of inputs are over 10 kB
    op = rng.choices(range(16), weights=[10, 10, 10, 10, 10, 6, 5, 6, 6, 3, 2, 2, 3, 1, 4, 6])[0]
    i = rng.randint(0, n) if n else 0
    j = min(n, i + rng.randint(0, 12))
    if op == 0 and n:                        # replace a character
        i = min(i, n - 1)
        return s[:i] + rand_char(rng) + s[i + 1:]
    if op == 1 and n:                        # flip a bit of a code point
        i = min(i, n - 1)
        return s[:i] + flip(rng, s[i]) + s[i + 1:]
    if op == 2:                              # delete a span
        return s[:i] + s[j:]
    if op == 3:                              # insert a character
        return s[:i] + rand_char(rng) + s[i:]
    if op == 4:                              # insert a token
        return s[:i] + rng.choice(['', ' ']) + rng.choice(TOKENS) + rng.choice(['', ' ']) + s[i:]
    if op == 5:                              # duplicate a span
        return s[:j] + s[i:j] + s[j:]
    if op == 6 and n:                        # swap two spans
        k = rng.randint(0, n)
        l = min(n, k + rng.randint(0, 12))
        if j <= k:
            return s[:i] + s[k:l] + s[j:k] + s[i:j] + s[l:]
        return s
    if op == 7:                              # truncate
        return s[:i]
    if op == 8:                              # splice with another rule
        t = rng.choice(corpus)
        return s[:i] + t[rng.randint(0, len(t)):]
    if op == 9:                              # repeat a span many times
        return s[:i] + s[i:j] * rng.choice([2, 3, 5, 20, 60]) + s[j:]
    if op == 10:                             # deep parentheses around the whole or a part
        k = rng.choice([2, 10, 50, 98, 99, 100, 101, 200, 1000])
        if rng.random() < 0.5:
            return '(' * k + s + ')' * k
        return s[:i] + '(' * k + s[i:j] + ')' * k + s[j:]
    if op == 11:                             # a run of prefix operators
        return s[:i] + rng.choice(['NOT ', '-', '- ', '+', 'not(']) * rng.choice([2, 10, 50, 99, 100, 101, 500]) + s[i:]
    if op == 12:                             # a huge number
        return s[:i] + rng.choice(HUGE_NUMBERS) + s[j:]
    if op == 13:                             # a long string or name
        q = rng.choice(["'", '"'])
        return s[:i] + q + rng.choice(['x', 'é', "''", '""', '%', '\\']) * rng.choice([10, 100, 1000, 5000, 40000]) + q + s[j:]
    if op == 14:                             # flip case
        return s[:i] + s[i:j].swapcase() + s[j:]
    # an unbalanced quote or parenthesis
    return s[:i] + rng.choice(["'", '"', '(', ')', "''", 'DATE ', 'TIMESTAMP ']) + s[i:]


def specials():
    out = ['', ' ', '\t\n\r\f', '\v', '\x0b1', '()', '(())', 'a', '"a"', "'a'", 'NULL', 'TRUE',
           '(' * 10000 + 'a' + ')' * 10000, '(' * 99 + 'a' + ')' * 99, '(' * 100 + 'a' + ')' * 100,
           '(' * 101 + 'a' + ')' * 101, '(' * 10000, ')' * 10000, 'NOT ' * 10000 + 'a', 'NOT ' * 99 + 'a',
           '-' * 10000 + 'a', '- ' * 101 + '1 > a', '+' * 10000 + '1 > a', 'abs(' * 101 + 'a' + ')' * 101,
           'coalesce(' * 60 + 'a' + ')' * 60, 'f(' * 200, 'a IN (' + '(' * 200,
           'a IN (' + '1, ' * 21000 + '1)', 'a IN (' + '1, ' * 30000 + '1)',
           ' AND '.join(['a'] * 13000), ' OR '.join(['b'] * 13000), ' AND '.join(['a = 1'] * 10000),
           'coalesce(' + 'a, ' * 20000 + 'a) > 1', 'least(' + '1, ' * 20000 + '1) > a',
           "a = '" + 'x' * 65000 + "'", "a = '" + 'x' * 65531 + "'", "a = '" + 'x' * 65532 + "'",
           'a' * 65536, 'a' * 65537, 'a' * 65000 + ' = 1', '"' + 'é' * 30000 + '" = 1', '"' + '""' * 30000 + '" = 1',
           'a.' * 5000 + 'b = 1', 'a.' * 30000 + 'b = 1', '"".a = 1', 'a."" = 1', 'a. = 1', '.a = 1', 'a..b = 1',
           "DATE", "DATE '", "DATE ''", "DATE '2026-02-29'", "DATE '2024-02-29' = d", "DATE '0000-01-01' = d",
           "TIMESTAMP '2026-01-01T10:00:00+01:' = d", "TIMESTAMP '0001-01-01T00:00:00+15:00' < d",
           "TIMESTAMP '9999-12-31T23:59:59-15:59' > d", "TIMESTAMP '2026-01-01T10:00:00.9999999999Z' = d",
           "d > TIMESTAMP '2026-01-01 24:00'", "days_since(DATE '0001-01-01', DATE '9999-12-31') > 0",
           "days_since(TIMESTAMP '0001-01-01 00:00', TIMESTAMP '9999-12-31 23:59:59.999999') > 0",
           'a = 1e999999', 'a = 1e-999999', 'a = 1e2147483648', 'a = 1e100000', 'a = 1e70000', 'a = 1e-16383',
           'a IN (1e-16383, 1e-16383, 1e-16383, 1e-16383, 1e-16383)', 'a = ' + '9' * 65000,
           'a = 0.' + '0' * 65000 + '1', 'a * 1e131071 * 10 > 1', '1e131071 * 10 > a', '-1e131071 * 10 > a',
           'round(a, 2147483648) > 1', 'round(a, -2147483649) > 1', 'round(1, 1e100) > a',
           'round(1e-16383, 16383) > a', 'a % 0 = 1', '1 / 0 > a', '0 % 0 > a', 'number(a) > 1e-999',
           '1.e5 = a', '.e5 = a', '1e = a', '1e+ = a', '1.2.3 = a', '0x10 = a', '1_000 = a', '12abc = a',
           '!', '!=', '<>', '<=>', 'a == 1', 'a => 1', 'a || b', 'a && b', 'a::int = 1', 'a = 1;',
           'a = 1; DROP TABLE x', 'a = $$x$$', 'a = 1 -- c', 'a = 1 /* c */', '"unterminated', "'unterminated",
           '"', "'", '""', "''", '"""', "'''", "a LIKE '\\'", "a LIKE '%\\'", "'x' LIKE a", "a ILIKE 'İ%'",
           "a LIKE '" + '%' * 30000 + "'", "a LIKE '" + '%a' * 30000 + "b'", "a LIKE '" + '_' * 60000 + "'",
           'a IS NOT NOT NULL', 'a IS', 'a NOT', 'NOT', 'a BETWEEN 1', 'a BETWEEN 1 AND', 'a NOT IN ()',
           'a IN ()', 'a IN (,)', 'f()', 'abs()', 'nosuch(a)', 'concept(1)', 'lower(a, b)', 'days_since()',
           'ключ = 1', 'Ключ = 1', 'É = 1', 'a = \'😀\'', '😀 = 1', '\u00a0a = 1', 'a\u2028= 1', '\ufeffa = 1',
           'a\x01= 1', 'a = 1\x7f', "a = 'x\x00'".replace('\x00', ''), 'TRUE AND' * 8000, 'a = (' * 99 + '1' + ')' * 99,
           'string(TIMESTAMP \'0001-01-01T00:00:00+15:00\') = a', 'string(DATE \'0001-01-01\') = a',
           "greatest(DATE '2026-01-01', TIMESTAMP '2026-01-01 00:00') = a", "least(a, DATE '2026-01-01', 'x') = a",
           "coalesce(a, 1, 'x') = a", "coalesce(NULL, NULL) = a", 'coalesce(a) IS NULL', '-a IS NULL', '-(-(-a)) > 1',
           '--a > 1', '- -1 > a', '+-+-1 > a', "+'x' = a",
           'a+' * 2000 + 'a > 1', 'a*' * 7000 + 'a', 'a-' * 7999 + 'a > 1', 'a/' * 32000 + 'a', 'a%a+' * 16000 + 'a',
           '1-' * 20000 + '1 = a', 'a = ' + '-a*' * 16000 + 'a']
    return out


def copy_binary(rows):
    """A COPY (FORMAT binary) file of rows of (int4, raw bytes)."""
    out = [b'PGCOPY\n\xff\r\n\x00', struct.pack('!ii', 0, 0)]
    for i, payload in rows:
        out.append(struct.pack('!hii', 2, 4, i))
        out.append(struct.pack('!i', len(payload)) + payload)
    out.append(struct.pack('!h', -1))
    return b''.join(out)


def binary_payloads(rng, corpus, n):
    bad = [b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xc3', b'\xff', b'\x80', b'\x00', b'\xe2\x82']
    out = [b'', b'\x01', b'\x00a = 1', b'\x02a = 1', b'\xffa = 1', b'\x01\x00', b'\x01a = 1\x00',
           b'\x01a = \xc3', b'\x01' + b'a' * 70000, b'\x01 ', b"\x01'\xc3\xa9' = a", b'\x01' + '😀 = 1'.encode()]
    while len(out) < n:
        t = rng.choice(corpus).encode('utf-8')
        r = rng.random()
        if r < 0.3:
            out.append(b'\x01' + t)
            continue
        b = bytearray(b'\x01' + t)
        for _ in range(rng.randint(1, 3)):
            i = rng.randint(0, len(b))
            k = rng.random()
            if k < 0.4 and i < len(b):
                b[i] ^= 1 << rng.randint(0, 7)
            elif k < 0.7:
                b[i:i] = rng.choice(bad)
            elif k < 0.85:
                del b[i:]
            else:
                b[i:i] = bytes([rng.randint(0, 255)])
        out.append(bytes(b))
    return out[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--docs', help='also write the documents rules are evaluated against, as SQL')
    ap.add_argument('--binary', help='also write binary COPY payloads for rule_recv into this directory')
    ap.add_argument('--binary-count', type=int, default=400)
    ap.add_argument('out')
    a = ap.parse_args()
    rng = random.Random(a.seed)
    g = rulegen.Gen(a.seed)
    g.paren_rate = 0.2
    corpus = [g.text(g.condition() if rng.random() < 0.8 else g.formula()) for _ in range(3000)]
    corpus += ["sector = 'medical' AND employees >= 500", '"Lead Source" IN (\'Google\', \'Organic Search\')',
               "account.revenue * 1000000 >= 500000 AND NOT (status = 'churned')", 'close_value > list_price * 1.15',
               "last_visit >= date '2026-11-01'", 'days_since(last_visit) <= 30', "lower(city) LIKE 'shang%'"]
    inputs = [('special', s) for s in specials()]
    n_valid = a.count // 10
    n_first = len(inputs) + n_valid
    while len(inputs) < a.count:
        r = rng.random()
        if len(inputs) < n_first:
            node = g.condition() if rng.random() < 0.75 else g.formula()
            inputs.append(('valid', g.text(node)))
        elif r < 0.70:
            s = rng.choice(corpus)
            for _ in range(rng.choice([1, 1, 2, 3, 4])):
                s = mutate(rng, s, corpus)
                if len(s) > 70000:
                    s = s[:rng.randint(60000, 70000)]
            inputs.append(('mutated', s))
        elif r < 0.90:
            inputs.append(('tokens', ' '.join(rng.choice(TOKENS) for _ in range(rng.randint(1, 25)))))
        else:
            inputs.append(('unicode', ''.join(rand_char(rng) for _ in range(rng.randint(0, 60)))))
    with open(a.out, 'w', encoding='utf-8') as f:
        for i, (cat, s) in enumerate(inputs[:a.count]):
            s = s.replace('\x00', '')
            esc = (s.replace('\\', '\\\\').replace('\n', '\\n').replace('\r', '\\r').replace('\t', '\\t')
                   .replace('\x0b', '\\v').replace('\x08', '\\b').replace('\x0c', '\\f'))
            f.write('%d\t%s\t%s\n' % (i + 1, cat, esc))
    if a.docs:
        docs = [d for d, _ in g.documents(4)[:4]]
        docs += ['{"a": 1e70000, "b": 1e-9000, "c": 0, "d": "2026-01-01", "s": "aaaaaaaaaaaaaaaaaaaaaaaab", '
                 '"x": {"y": {"z": "0001-01-01T00:00:00+15:00"}}, "\\"": "\\\\", "": ""}',
                 '{"a": "9999-12-31T23:59:59-15:59", "b": "2026-01-01T10:00:00+01:", "c": -1e70000, '
                 '"d": "0001-01-01", "s": "%_\\\\", "a$b": true, "ключ": [1, {"a": 2}]}',
                 '[1, {"a": 1}]', '"a"', 'null']
        with open(a.docs, 'w', encoding='utf-8') as f:
            f.write('INSERT INTO fuzz_doc (id, doc, at) VALUES\n')
            ats = ['2026-12-04 10:00:00+00', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00']
            f.write(',\n'.join("(%d, %s::jsonb, '%s')" % (i + 1, rulegen.sql_str(d), ats[i % len(ats)])
                                for i, d in enumerate(docs)))
            f.write(';\n')
    if a.binary:
        os.makedirs(a.binary, exist_ok=True)
        with open(os.path.join(a.binary, 'load.sql'), 'w') as script:
            for i, p in enumerate(binary_payloads(rng, corpus, a.binary_count)):
                path = os.path.join(a.binary, '%d.bin' % (i + 1))
                with open(path, 'wb') as f:
                    f.write(copy_binary([(i + 1, p)]))
                script.write("\\copy fuzz_bin (id, r) FROM '%s' WITH (FORMAT binary)\n" % path)
    print('%d inputs' % min(len(inputs), a.count))


if __name__ == '__main__':
    main()
