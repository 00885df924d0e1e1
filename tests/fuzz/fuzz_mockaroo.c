/*
 * fuzz_mockaroo.c - mockaroo_decide() and mockaroo_error_text().
 *
 * Input: two bytes of HTTP status (big-endian, modulo 1000), one byte of
 * libcurl result (modulo 100), one byte of options (body cap hit, the
 * attempt and the retries allowed), then the body.  The verdict must be
 * one of enum fetch_action; DELIVER only for a 2xx transfer that
 * completed; RETRY only while attempts remain; FAIL and STOP with a
 * documented exit status and a one-line reason.  An error text copied
 * out of a body is valid UTF-8 without control characters.
 */

#include <stdbool.h>
#include <string.h>

#include "fetch.h"
#include "fuzz.h"
#include "status.h"

static bool
one_line(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	if (n == 0 || n >= size)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Well-formed UTF-8 (Unicode 15, table 3-7). */
static bool
utf8_valid(const unsigned char *s)
{
	unsigned char lo, hi;
	int n, i;

	while (*s != '\0') {
		lo = 0x80;
		hi = 0xbf;
		if (*s < 0x80)
			n = 1;
		else if (*s >= 0xc2 && *s <= 0xdf)
			n = 2;
		else if (*s >= 0xe0 && *s <= 0xef) {
			n = 3;
			lo = *s == 0xe0 ? 0xa0 : 0x80;
			hi = *s == 0xed ? 0x9f : 0xbf;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 4;
			lo = *s == 0xf0 ? 0x90 : 0x80;
			hi = *s == 0xf4 ? 0x8f : 0xbf;
		} else
			return false;
		for (i = 1; i < n; i++)
			if (s[i] < (i == 1 ? lo : 0x80) ||
			    s[i] > (i == 1 ? hi : 0xbf))
				return false;
		s += n;
	}
	return true;
}

static void
check_error_text(const char *body, size_t len)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 17, 512 };
	char *out;
	size_t i;
	int strict;

	for (strict = 0; strict < 2; strict++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			FUZZ_CHECK((out = malloc(sizes[i])) != NULL);
			if (mockaroo_error_text(body, len, strict, out,
				sizes[i])) {
				FUZZ_CHECK(strnlen(out, sizes[i]) < sizes[i]);
				FUZZ_CHECK(
				    out[0] == '\0' || one_line(out, sizes[i]));
				FUZZ_CHECK(utf8_valid((unsigned char *)out));
			}
			free(out);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_answer a;
	struct fetch_verdict v;
	uint8_t opts;

	if (size < 4)
		return 0;
	memset(&a, 0, sizeof(a));
	a.status = ((long)data[0] << 8 | data[1]) % 1000;
	a.curl_code = data[2] % 100;
	opts = data[3];
	a.too_large = opts & 1;
	a.attempt = 1 + (opts >> 1 & 7);
	a.retries = opts >> 4 & 7;
	a.max_bytes = 64 << 20;
	a.url = "https://my.api.mockaroo.com/products.json";
	a.curl_error = (opts & 0x80) ? "Connection reset by peer" : NULL;
	a.body = size > 4 ? (const char *)data + 4 : NULL;
	a.len = size - 4;

	memset(&v, 0xa5, sizeof(v));
	mockaroo_decide(&a, &v);
	FUZZ_CHECK(v.action == FETCH_DELIVER || v.action == FETCH_RETRY ||
	    v.action == FETCH_FAIL || v.action == FETCH_STOP);
	FUZZ_CHECK(one_line(v.reason, sizeof(v.reason)));
	switch (v.action) {
	case FETCH_DELIVER:
		FUZZ_CHECK(a.status >= 200 && a.status < 300 &&
		    a.curl_code == 0 && !a.too_large && v.status == ST_OK);
		break;
	case FETCH_RETRY:
		FUZZ_CHECK(a.attempt <= a.retries && !a.too_large);
		break;
	default:
		FUZZ_CHECK(v.status == ST_DATA || v.status == ST_UNAVAILABLE ||
		    v.status == ST_TEMPFAIL || v.status == ST_NOPERM ||
		    v.status == ST_CONFIG);
		break;
	}
	check_error_text(a.body, a.len);
	return 0;
}
