/*
 * fuzz_splice.c - json_splice() and json_validate() against jansson.
 *
 * For every input, json_splice() must accept exactly when jansson
 * accepts an array of objects or one object, json_validate() exactly when
 * jansson accepts any value, and each landed record, parsed by jansson,
 * must hold the source record's members (json_equal) without "id" and
 * "shop_id", plus the enrichment's "id" (a user of the pool) and
 * "shop_id" ("shop_N", N below the shop count).  A failed splice must
 * leave the output and the record count as they were.
 *
 * Deliberate differences from jansson (json_loadb, JSON_DECODE_ANY |
 * JSON_ALLOW_NUL), and how this harness allows for each:
 *
 * - Numbers.  The splicer copies number text verbatim, so it accepts
 *   integers wider than 64 bits and reals beyond a double, which jansson
 *   refuses with json_error_numeric_overflow.  When jansson fails with
 *   that code, source and landed text are both re-parsed with every
 *   well-formed number token outside strings replaced by 0; malformed
 *   tokens are left alone, so they still fail.  Number values are then
 *   not compared, only their presence.
 * - \u0000.  Accepted anywhere in a string by both, but jansson refuses
 *   it in a member name (json_error_null_byte_in_key).  Then both texts
 *   are re-parsed with each \u0000 escape written as \u0001.
 * - Duplicate member names.  The splicer keeps every copy; jansson keeps
 *   the last.  Both texts go through jansson, so the last wins on both
 *   sides and the comparison holds.
 * - Nesting.  The splicer refuses more than JSON_MAX_DEPTH (256) open
 *   containers, the outermost included; jansson allows 2048.  Values
 *   jansson accepts deeper than 256 must be refused.
 * - Raw NUL bytes.  JSON has no place for one outside an escape, and
 *   both refuse it, except that jansson 2.14 accepts a number followed by
 *   a NUL at the end of the text ("1\0").  Any input with a raw NUL byte
 *   must be refused.
 * - One object.  A body that is one object is one record, as the
 *   splicer documents; any other non-array value is refused.
 *
 * Anything else on which the two disagree is a bug and aborts.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "enrich.h"
#include "fuzz.h"
#include "json.h"

#define POOL_SIZE 8
#define SHOPS 1000

static struct user_pool pool;

/* Length of the well-formed JSON number at p, or 0 if there is none. */
static size_t
number_length(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

	if (q < end && *q == '-')
		q++;
	if (q == end || *q < '0' || *q > '9')
		return 0;
	if (*q == '0')
		q++;
	else
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	if (q < end && *q == '.') {
		if (++q == end || *q < '0' || *q > '9')
			return 0;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || *q < '0' || *q > '9')
			return 0;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	return (size_t)(q - p);
}

static bool
number_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	    c == 'e' || c == 'E';
}

/*
 * The allowance rewrite: each well-formed number token outside strings
 * becomes 0 and each \u0000 escape \u0001.  A run of number bytes that
 * is not one well-formed number is copied as it is.
 */
static void
rewrite(const unsigned char *p, size_t len, struct buf *out)
{
	const unsigned char *end = p + len, *run;
	bool in_string = false;
	size_t n;

	while (p < end) {
		if (in_string) {
			if (*p == '\\' && end - p >= 6 &&
			    memcmp(p + 1, "u0000", 5) == 0) {
				FUZZ_CHECK(buf_append(out, "\\u0001", 6) == 0);
				p += 6;
				continue;
			}
			if (*p == '\\' && end - p >= 2) {
				FUZZ_CHECK(buf_append(out, p, 2) == 0);
				p += 2;
				continue;
			}
			in_string = *p != '"';
			FUZZ_CHECK(buf_append(out, p++, 1) == 0);
			continue;
		}
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			for (run = p; run < end && number_byte(*run); run++)
				;
			n = number_length(p, end);
			if (n == (size_t)(run - p))
				FUZZ_CHECK(buf_append(out, "0", 1) == 0);
			else
				FUZZ_CHECK(
				    buf_append(out, p, (size_t)(run - p)) == 0);
			p = run;
			continue;
		}
		in_string = *p == '"';
		FUZZ_CHECK(buf_append(out, p++, 1) == 0);
	}
}

/* Loads text with jansson, rewritten when *rewritten is set. */
static json_t *
load(const char *text, size_t len, bool rewritten, json_error_t *error)
{
	struct buf copy = BUF_INIT;
	json_t *v;

	if (!rewritten)
		return json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    error);
	rewrite((const unsigned char *)text, len, &copy);
	v = json_loadb(copy.data ? copy.data : "", copy.len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, error);
	buf_free(&copy);
	return v;
}

/* Containers open at the deepest point of v, v included. */
static int
depth(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;
	int d, deepest = 0;

	if (json_is_array(v)) {
		json_array_foreach(v, i, m) if ((d = depth(m)) > deepest)
		    deepest = d;
		return deepest + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key, m) if ((d = depth(m)) > deepest)
		    deepest = d;
		return deepest + 1;
	}
	return 0;
}

static bool
is_pool_user(const char *id)
{
	size_t i;

	for (i = 0; i < pool.count; i++)
		if (strcmp(pool.ids[i], id) == 0)
			return true;
	return false;
}

static void
check_enrichment(json_t *rec)
{
	json_t *id = json_object_get(rec, ENRICH_USER_FIELD);
	json_t *shop = json_object_get(rec, ENRICH_SHOP_FIELD);
	const char *s;
	char *end;
	unsigned long n;

	FUZZ_CHECK(json_is_string(id) && is_pool_user(json_string_value(id)));
	FUZZ_CHECK(json_is_string(shop));
	s = json_string_value(shop);
	FUZZ_CHECK(strncmp(s, "shop_", 5) == 0 && s[5] >= '0' && s[5] <= '9');
	n = strtoul(s + 5, &end, 10);
	FUZZ_CHECK(*end == '\0' && n < SHOPS);
}

/* The landed record must be the source's, less the dropped names, plus
 * the enrichment. */
static void
check_record(json_t *src, json_t *landed)
{
	json_t *want, *got;

	FUZZ_CHECK(json_is_object(src) && json_is_object(landed));
	check_enrichment(landed);
	FUZZ_CHECK((want = json_copy(src)) != NULL);
	FUZZ_CHECK((got = json_copy(landed)) != NULL);
	json_object_del(want, ENRICH_USER_FIELD);
	json_object_del(want, ENRICH_SHOP_FIELD);
	json_object_del(got, ENRICH_USER_FIELD);
	json_object_del(got, ENRICH_SHOP_FIELD);
	FUZZ_CHECK(json_equal(want, got));
	json_decref(want);
	json_decref(got);
}

/* The records that body holds, as jansson sees them. */
static size_t
source_records(json_t *src)
{
	return json_is_object(src) ? 1 : json_array_size(src);
}

static json_t *
source_record(json_t *src, size_t i)
{
	return json_is_object(src) ? src : json_array_get(src, i);
}

static bool
splice_shape(json_t *src)
{
	json_t *m;
	size_t i;

	if (json_is_object(src))
		return true;
	if (!json_is_array(src))
		return false;
	json_array_foreach(src, i, m) if (!json_is_object(m)) return false;
	return true;
}

/* out holds "[" and the records spliced (each body twice): compare. */
static void
check_landed(json_t *src, const struct buf *out, size_t records, bool rewritten)
{
	struct buf text = BUF_INIT;
	struct json_error jerr;
	json_error_t error;
	json_t *landed;
	size_t i, n = source_records(src);

	FUZZ_CHECK(records == 2 * n);
	FUZZ_CHECK(buf_append(&text, out->data, out->len) == 0 &&
	    buf_append(&text, "]", 1) == 0);
	/* What lands must pass our own validation... */
	FUZZ_CHECK(json_validate(text.data, text.len, &jerr) == SPLICE_OK);
	/* ...and jansson's, with the same allowances as the source. */
	landed = load(text.data, text.len, rewritten, &error);
	FUZZ_CHECK(landed != NULL && json_is_array(landed));
	FUZZ_CHECK(json_array_size(landed) == records);
	for (i = 0; i < records; i++)
		check_record(source_record(src, i % n),
		    json_array_get(landed, i));
	json_decref(landed);
	buf_free(&text);
}

static void
check_error(const struct json_error *jerr, size_t size)
{
	size_t n = strnlen(jerr->reason, sizeof(jerr->reason));

	FUZZ_CHECK(n > 0 && n < sizeof(jerr->reason));
	FUZZ_CHECK(jerr->offset <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char
	    *const drop[] = { ENRICH_USER_FIELD, ENRICH_SHOP_FIELD };
	const char *body = (const char *)data;
	struct enricher e;
	struct splice sp = { drop, 2, enricher_append, &e, "," };
	struct buf out = BUF_INIT;
	struct json_error jerr;
	json_error_t error;
	json_t *src;
	size_t records = 0;
	bool rewritten = false, valid, want_splice;
	int r, code;

	if (pool.count == 0)
		FUZZ_CHECK(
		    user_pool_build(&pool, DEFAULT_POOL_SEED, POOL_SIZE) == 0);
	enricher_begin(&e, &pool, SHOPS, UINT64_C(42), size);

	src = load(body, size, false, &error);
	code = json_error_code(&error);
	if (src == NULL &&
	    (code == json_error_numeric_overflow ||
		code == json_error_null_byte_in_key)) {
		rewritten = true;
		src = load(body, size, true, &error);
	}
	valid = src != NULL && depth(src) <= JSON_MAX_DEPTH &&
	    memchr(body, '\0', size) == NULL;
	want_splice = valid && splice_shape(src);

	memset(&jerr, 0, sizeof(jerr));
	r = json_validate(body, size, &jerr);
	FUZZ_CHECK(r == (valid ? SPLICE_OK : SPLICE_INVALID));
	if (r != SPLICE_OK)
		check_error(&jerr, size);

	FUZZ_CHECK(buf_append(&out, "[", 1) == 0);
	memset(&jerr, 0, sizeof(jerr));
	r = json_splice(&sp, body, size, &out, &records, &jerr);
	FUZZ_CHECK(r == (want_splice ? SPLICE_OK : SPLICE_INVALID));
	if (r == SPLICE_OK) {
		/* Again into the same batch: the separator goes between. */
		r = json_splice(&sp, body, size, &out, &records, &jerr);
		FUZZ_CHECK(r == SPLICE_OK);
		check_landed(src, &out, records, rewritten);
	} else {
		check_error(&jerr, size);
		FUZZ_CHECK(out.len == 1 && out.data[0] == '[' &&
		    out.data[1] == '\0' && records == 0);
	}
	buf_free(&out);
	json_decref(src);
	return 0;
}
