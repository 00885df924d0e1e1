/*
 * json.c - strict JSON validation and record splicing.
 *
 * One forward pass over the body: the parser checks every byte against
 * RFC 8259 (and UTF-8) while the splicer copies the spans of the members
 * it keeps.  Parsing functions take the current position and return the
 * position after what they consumed, or NULL once they have recorded an
 * error in the parser.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"

typedef const unsigned char *pos;

struct parser {
	pos base;
	pos end;
	struct json_error *err;
};

/*
 * Bytes that end a run of plain string content: the quote, the
 * backslash, control characters (which must be escaped) and every
 * non-ASCII byte (which starts a UTF-8 sequence to check).
 */
static const unsigned char string_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1	/* 0xf0 */
};

#define BYTES_01 UINT64_C(0x0101010101010101)
#define BYTES_80 UINT64_C(0x8080808080808080)

static pos parse_value(struct parser *, pos, int);

static pos
fail(struct parser *ps, pos at, const char *reason)
{
	ps->err->offset = (size_t)(at - ps->base);
	snprintf(ps->err->reason, sizeof(ps->err->reason), "%s", reason);
	return NULL;
}

static pos
fail_eof(struct parser *ps)
{
	return fail(ps, ps->end, "unexpected end of input");
}

static pos
fail_utf8(struct parser *ps, pos at)
{
	ps->err->offset = (size_t)(at - ps->base);
	snprintf(ps->err->reason, sizeof(ps->err->reason),
	    "invalid UTF-8 byte 0x%02x", *at);
	return NULL;
}

static pos
skip_ws(pos p, pos end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * The first special byte of the word at p, given its flags m (see
 * skip_plain).  Only on a little-endian machine is the lowest flag also
 * the first byte in memory.
 */
static pos
first_special(pos p, uint64_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return p + __builtin_ctzll(m) / 8;
#else
	(void)m;
	while (!string_special[*p])
		p++;
	return p;
#endif
}

/*
 * Skips plain string content, eight bytes at a time while it can: a
 * word with no byte below 0x20, no quote, no backslash and no high bit
 * is all plain, which is most of any string.  (v - 0x0101..) & ~v &
 * 0x8080.. is non-zero exactly when some byte of v is zero, or (with
 * 0x2020..) below 0x20; a borrow can flag a byte above a flagged one,
 * never below, so the lowest flag is exact.
 */
static pos
skip_plain(pos p, pos end)
{
	uint64_t x, quote, backslash, m;

	while (end - p >= 8) {
		memcpy(&x, p, sizeof(x));
		quote = x ^ (BYTES_01 * '"');
		backslash = x ^ (BYTES_01 * '\\');
		m = (x - BYTES_01 * 0x20) & ~x;
		m |= (quote - BYTES_01) & ~quote;
		m |= (backslash - BYTES_01) & ~backslash;
		if ((m = (m | x) & BYTES_80) != 0)
			return first_special(p, m);
		p += 8;
	}
	while (p < end && !string_special[*p])
		p++;
	return p;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the four hex digits of the \u escape at p; -1 if one is not. */
static long
read_hex4(pos p)
{
	long v = 0;
	int i, d;

	for (i = 2; i < 6; i++) {
		if ((d = hex_value(p[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Checks the \u escape at p.  A surrogate must come as a high and low
 * pair: a lone one decodes to nothing a strict reader accepts.
 */
static pos
parse_unicode_escape(struct parser *ps, pos p)
{
	long cp, low;

	if (ps->end - p < 6)
		return fail_eof(ps);
	if ((cp = read_hex4(p)) < 0)
		return fail(ps, p, "invalid escape");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(ps, p, "lone surrogate escape");
	if (cp < 0xd800 || cp > 0xdbff)
		return p + 6;
	if (ps->end - p < 8)
		return fail_eof(ps);
	if (p[6] != '\\' || p[7] != 'u')
		return fail(ps, p, "lone surrogate escape");
	if (ps->end - p < 12)
		return fail_eof(ps);
	if ((low = read_hex4(p + 6)) < 0)
		return fail(ps, p + 6, "invalid escape");
	if (low < 0xdc00 || low > 0xdfff)
		return fail(ps, p, "lone surrogate escape");
	return p + 12;
}

static pos
parse_escape(struct parser *ps, pos p)
{
	if (ps->end - p < 2)
		return fail_eof(ps);
	switch (p[1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return p + 2;
	case 'u':
		return parse_unicode_escape(ps, p);
	default:
		return fail(ps, p, "invalid escape");
	}
}

/*
 * Checks the UTF-8 sequence starting at p (a byte >= 0x80) against the
 * well-formed table of Unicode 15, section 3.9: no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
static pos
parse_utf8(struct parser *ps, pos p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	ptrdiff_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return fail_utf8(ps, p);
	for (i = 1; i < n; i++) {
		if (p + i == ps->end)
			return fail_eof(ps);
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return fail_utf8(ps, p);
	}
	return p + n;
}

/* p is at the opening quote; *escaped is set when the string has one. */
static pos
parse_string(struct parser *ps, pos p, int *escaped)
{
	p++;
	for (;;) {
		p = skip_plain(p, ps->end);
		if (p == ps->end)
			return fail_eof(ps);
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			*escaped = 1;
			p = parse_escape(ps, p);
		} else if (*p < 0x20)
			return fail(ps, p, "control character in string");
		else
			p = parse_utf8(ps, p);
		if (p == NULL)
			return NULL;
	}
}

static pos
skip_digits(pos p, pos end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* Requires at least one digit at p, then skips the run. */
static pos
parse_digits(struct parser *ps, pos p, pos start)
{
	if (p == ps->end)
		return fail_eof(ps);
	if (*p < '0' || *p > '9')
		return fail(ps, start, "invalid number");
	return skip_digits(p + 1, ps->end);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. */
static pos
parse_number(struct parser *ps, pos p)
{
	pos start = p, end = ps->end;

	if (*p == '-' && ++p == end)
		return fail_eof(ps);
	if (*p == '0') {
		if (++p < end && *p >= '0' && *p <= '9')
			return fail(ps, start, "invalid number");
	} else if ((p = parse_digits(ps, p, start)) == NULL)
		return NULL;
	if (p < end && *p == '.' &&
	    (p = parse_digits(ps, p + 1, start)) == NULL)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		return parse_digits(ps, p, start);
	}
	return p;
}

static pos
parse_literal(struct parser *ps, pos p, const char *word, size_t n)
{
	size_t avail = (size_t)(ps->end - p);

	if (memcmp(p, word, avail < n ? avail : n) != 0)
		return fail(ps, p, "invalid literal");
	if (avail < n)
		return fail_eof(ps);
	return p + n;
}

/*
 * Opens the container at p, refusing one nested deeper than the cap;
 * depth counts every open array and object, this one and the
 * outermost included.
 */
static pos
open_container(struct parser *ps, pos p, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(ps, p, "nesting too deep");
	return skip_ws(p + 1, ps->end);
}

/*
 * Parses a member name at p and the ':' after it; *key_end is set to
 * the byte after the name's closing quote.
 */
static pos
parse_key(struct parser *ps, pos p, int *escaped, pos *key_end,
    const char *expected)
{
	if (p == ps->end)
		return fail_eof(ps);
	if (*p != '"')
		return fail(ps, p, expected);
	if ((p = parse_string(ps, p, escaped)) == NULL)
		return NULL;
	*key_end = p;
	p = skip_ws(p, ps->end);
	if (p == ps->end)
		return fail_eof(ps);
	if (*p != ':')
		return fail(ps, p, "expected ':'");
	return skip_ws(p + 1, ps->end);
}

/*
 * After a member or element: returns the position after the ',' (with
 * *more set) or after the closing byte, or NULL on anything else.
 */
static pos
parse_next(struct parser *ps, pos p, unsigned char close, int *more,
    const char *expected)
{
	p = skip_ws(p, ps->end);
	if (p == ps->end)
		return fail_eof(ps);
	*more = *p == ',';
	if (*p != ',' && *p != close)
		return fail(ps, p, expected);
	return *more ? skip_ws(p + 1, ps->end) : p + 1;
}

/* depth counts this object. */
static pos
parse_object(struct parser *ps, pos p, int depth)
{
	const char *expected = "expected a member name or '}'";
	int escaped, more = 1;
	pos key_end;

	if ((p = open_container(ps, p, depth)) == NULL)
		return NULL;
	if (p < ps->end && *p == '}')
		return p + 1;
	while (more) {
		if ((p = parse_key(ps, p, &escaped, &key_end, expected)) ==
			NULL ||
		    (p = parse_value(ps, p, depth)) == NULL ||
		    (p = parse_next(ps, p, '}', &more,
			 "expected ',' or '}'")) == NULL)
			return NULL;
		expected = "expected a member name";
	}
	return p;
}

/* depth counts this array. */
static pos
parse_array(struct parser *ps, pos p, int depth)
{
	int more = 1;

	if ((p = open_container(ps, p, depth)) == NULL)
		return NULL;
	if (p < ps->end && *p == ']')
		return p + 1;
	while (more)
		if ((p = parse_value(ps, p, depth)) == NULL ||
		    (p = parse_next(ps, p, ']', &more,
			 "expected ',' or ']'")) == NULL)
			return NULL;
	return p;
}

/* depth counts the containers around the value. */
static pos
parse_value(struct parser *ps, pos p, int depth)
{
	int escaped;

	if (p == ps->end)
		return fail_eof(ps);
	switch (*p) {
	case '"':
		return parse_string(ps, p, &escaped);
	case '{':
		return parse_object(ps, p, depth + 1);
	case '[':
		return parse_array(ps, p, depth + 1);
	case 't':
		return parse_literal(ps, p, "true", 4);
	case 'f':
		return parse_literal(ps, p, "false", 5);
	case 'n':
		return parse_literal(ps, p, "null", 4);
	case '-':
	case '+':
	case '.':
		return parse_number(ps, p);
	default:
		if (*p >= '0' && *p <= '9')
			return parse_number(ps, p);
		return fail(ps, p, "expected a value");
	}
}

/* Refuses a byte order mark, then skips leading whitespace. */
static pos
parse_start(struct parser *ps)
{
	pos p = ps->base;

	if (ps->end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return fail(ps, p, "byte order mark");
	p = skip_ws(p, ps->end);
	if (p == ps->end)
		return fail_eof(ps);
	return p;
}

static pos
parse_end(struct parser *ps, pos p)
{
	p = skip_ws(p, ps->end);
	if (p != ps->end)
		return fail(ps, p, "trailing data after the value");
	return p;
}

int
json_validate(const char *text, size_t len, struct json_error *jerr)
{
	struct json_error scratch = { 0 };
	struct parser ps;
	pos p;

	ps.base = (pos)(text != NULL ? text : "");
	ps.end = ps.base + (text != NULL ? len : 0);
	ps.err = jerr != NULL ? jerr : &scratch;
	if ((p = parse_start(&ps)) == NULL ||
	    (p = parse_value(&ps, p, 0)) == NULL || parse_end(&ps, p) == NULL)
		return SPLICE_INVALID;
	return SPLICE_OK;
}

/*
 * Record splicing.  Kept members are copied as spans of the body; runs
 * of kept members separated by a bare ',' are copied as one span.
 */

struct splicer {
	struct parser ps;
	const struct splice *sp;
	struct buf *out;
	size_t drop_min, drop_max; /* name lengths worth comparing */
	int nomem;
};

struct record {
	pos run, run_end; /* kept members not yet copied */
	int written;	  /* members copied or pending */
};

/* Appends n bytes at p, keeping out NUL-terminated as buf does. */
static inline int
put(struct splicer *s, const void *p, size_t n)
{
	struct buf *out = s->out;

	if (out->cap - out->len < n + 1 && buf_reserve(out, n) != 0) {
		s->nomem = 1;
		return -1;
	}
	memcpy(out->data + out->len, p, n);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* Decodes the escape at p (already validated) into UTF-8 at u. */
static size_t
decode_escape(pos *pp, unsigned char u[4])
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	pos p = *pp;
	long cp;

	if (p[1] != 'u') {
		*pp = p + 2;
		u[0] = (unsigned char)to[strchr(from, p[1]) - from];
		return 1;
	}
	cp = read_hex4(p);
	*pp = p + 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) +
		    (read_hex4(p + 6) - 0xdc00);
		*pp = p + 12;
	}
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Compares the validated string content [p, end) with name, unescaped. */
static int
escaped_equals(pos p, pos end, const char *name)
{
	const unsigned char *n = (const unsigned char *)name;
	unsigned char u[4];
	size_t i, k;

	while (p < end) {
		if (*p == '\\')
			k = decode_escape(&p, u);
		else {
			u[0] = *p++;
			k = 1;
		}
		for (i = 0; i < k; i++, n++)
			if (*n == '\0' || *n != u[i])
				return 0;
	}
	return *n == '\0';
}

/* Whether the member name at [key, key_end) (quotes included) is dropped. */
static int
is_dropped(const struct splicer *s, pos key, pos key_end, int escaped)
{
	size_t len = (size_t)(key_end - key) - 2, i;
	const char *name;

	/* An escape takes at least two bytes for one decoded byte or more,
	 * so a raw length below the shortest name rules escaped keys out
	 * too; only plain keys can be ruled out by the longest. */
	if (len < s->drop_min || (!escaped && len > s->drop_max))
		return 0;
	for (i = 0; i < s->sp->ndrop; i++) {
		name = s->sp->drop[i];
		if (escaped) {
			if (escaped_equals(key + 1, key_end - 1, name))
				return 1;
		} else if (name[0] == (char)key[1] &&
		    strncmp(name, (const char *)key + 1, len) == 0 &&
		    name[len] == '\0')
			return 1;
	}
	return 0;
}

static int
flush_run(struct splicer *s, struct record *r)
{
	if (r->run == NULL)
		return 0;
	if (put(s, r->run, (size_t)(r->run_end - r->run)) != 0)
		return -1;
	r->run = NULL;
	return 0;
}

/* Queues the kept member [start, end) for copying. */
static int
keep_member(struct splicer *s, struct record *r, pos start, pos end)
{
	if (r->run != NULL && start == r->run_end + 1 && *r->run_end == ',') {
		r->run_end = end;
		return 0;
	}
	if (flush_run(s, r) != 0 || (r->written > 0 && put(s, ",", 1) != 0))
		return -1;
	r->run = start;
	r->run_end = end;
	r->written++;
	return 0;
}

/* Closes the record: the enrichment members, then the brace. */
static int
finish_record(struct splicer *s, struct record *r)
{
	size_t mark;

	if (flush_run(s, r) != 0)
		return -1;
	mark = s->out->len;
	if (s->sp->enrich != NULL) {
		if (r->written > 0 && put(s, ",", 1) != 0)
			return -1;
		if (s->sp->enrich(s->sp->arg, s->out) != 0) {
			s->nomem = 1;
			return -1;
		}
		/* An enrichment that wrote nothing must not leave a comma. */
		if (s->out->len == mark + 1 && r->written > 0)
			buf_truncate(s->out, mark);
	}
	return put(s, "}", 1);
}

/* Splices the record object at p; depth counts the object. */
static pos
splice_record(struct splicer *s, pos p, int depth, size_t *records)
{
	struct parser *ps = &s->ps;
	const char *expected = "expected a member name or '}'";
	const char *sep = s->sp->separator;
	struct record r = { NULL, NULL, 0 };
	int escaped, more;
	pos key, key_end;

	if ((*records > 0 && sep != NULL && put(s, sep, strlen(sep)) != 0) ||
	    put(s, "{", 1) != 0)
		return NULL;
	if ((p = open_container(ps, p, depth)) == NULL)
		return NULL;
	more = p == ps->end || *p != '}';
	if (!more)
		p++;
	while (more) {
		key = p;
		escaped = 0;
		if ((p = parse_key(ps, p, &escaped, &key_end, expected)) ==
			NULL ||
		    (p = parse_value(ps, p, depth)) == NULL)
			return NULL;
		if (!is_dropped(s, key, key_end, escaped) &&
		    keep_member(s, &r, key, p) != 0)
			return NULL;
		if ((p = parse_next(ps, p, '}', &more,
			 "expected ',' or '}'")) == NULL)
			return NULL;
		expected = "expected a member name";
	}
	if (finish_record(s, &r) != 0)
		return NULL;
	(*records)++;
	return p;
}

/*
 * Reserves the output once for the rest of the body, scaled by what the
 * first record grew by, so a large response is not copied by repeated
 * doubling.  Only a hint: failing here leaves put() to report.
 */
static void
reserve_rest(struct splicer *s, pos record, pos p, size_t out_before)
{
	size_t in = (size_t)(p - record), grown = s->out->len - out_before;
	size_t rest = (size_t)(s->ps.end - p), estimate;

	if (in == 0 || rest / in > SIZE_MAX / 2 / (grown + 1))
		return;
	estimate = (rest / in + 1) * grown;
	(void)buf_reserve(s->out, estimate);
}

/* Splices the array of records at p. */
static pos
splice_array(struct splicer *s, pos p, size_t *records)
{
	struct parser *ps = &s->ps;
	size_t n = 0, out_before;
	pos record;
	int more = 1;
	char reason[64];

	if ((p = open_container(ps, p, 1)) == NULL)
		return NULL;
	if (p < ps->end && *p == ']')
		return p + 1;
	while (more) {
		n++;
		if (p == ps->end)
			return fail_eof(ps);
		if (*p == ']')
			return fail(ps, p, "expected a value");
		if (*p != '{') {
			snprintf(reason, sizeof(reason),
			    "record %zu is not an object", n);
			return fail(ps, p, reason);
		}
		record = p;
		out_before = s->out->len;
		if ((p = splice_record(s, p, 2, records)) == NULL ||
		    (p = parse_next(ps, p, ']', &more,
			 "expected ',' or ']'")) == NULL)
			return NULL;
		if (n == 1)
			reserve_rest(s, record, p, out_before);
	}
	return p;
}

static void
measure_drop_names(struct splicer *s)
{
	size_t i, len;

	s->drop_min = SIZE_MAX;
	s->drop_max = 0;
	for (i = 0; i < s->sp->ndrop; i++) {
		len = strlen(s->sp->drop[i]);
		if (len < s->drop_min)
			s->drop_min = len;
		if (len > s->drop_max)
			s->drop_max = len;
	}
}

int
json_splice(const struct splice *sp, const char *body, size_t len,
    struct buf *out, size_t *records, struct json_error *jerr)
{
	struct json_error scratch = { 0 };
	struct splicer s;
	size_t out_len = out->len, records_before = *records;
	pos p;

	s.ps.base = (pos)(body != NULL ? body : "");
	s.ps.end = s.ps.base + (body != NULL ? len : 0);
	s.ps.err = jerr != NULL ? jerr : &scratch;
	s.sp = sp;
	s.out = out;
	s.nomem = 0;
	measure_drop_names(&s);
	if ((p = parse_start(&s.ps)) == NULL)
		goto out;
	if (*p == '[')
		p = splice_array(&s, p, records);
	else if (*p == '{')
		p = splice_record(&s, p, 1, records);
	else
		p = fail(&s.ps, p, "expected an array of objects or an object");
	if (p != NULL)
		p = parse_end(&s.ps, p);
out:
	if (p != NULL)
		return SPLICE_OK;
	buf_truncate(out, out_len);
	*records = records_before;
	if (s.nomem) {
		s.ps.err->offset = 0;
		snprintf(s.ps.err->reason, sizeof(s.ps.err->reason),
		    "out of memory");
		return SPLICE_NOMEM;
	}
	return SPLICE_INVALID;
}

void
json_excerpt(const char *body, size_t len, size_t offset, char *out,
    size_t outsz)
{
	size_t start, stop, n = 0;
	unsigned char c;

	if (out == NULL || outsz == 0)
		return;
	if (body == NULL)
		len = 0;
	if (offset > len)
		offset = len;
	start = offset > 20 ? offset - 20 : 0;
	stop = len - offset > 20 ? offset + 20 : len;
	for (; start < stop && n + 1 < outsz; start++) {
		c = (unsigned char)body[start];
		out[n++] = (char)(c >= 0x20 && c < 0x7f ? c : '.');
	}
	out[n] = '\0';
}
