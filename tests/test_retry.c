/* test_retry.c - the retry policy and the pure parts of http.c. */

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "retry.h"
#include "t.h"

/* 2015-10-21 07:28:00 UTC */
#define NOW ((time_t)1445412480)

static const struct retry_policy policy = { 4, RETRY_BASE_MS, RETRY_CAP_MS };

static void
test_transient_curl(void)
{
	static const struct {
		int code;
		bool transient;
	} table[] = {
		{ CURLE_COULDNT_CONNECT, true },
		{ CURLE_COULDNT_RESOLVE_HOST, true },
		{ CURLE_COULDNT_RESOLVE_PROXY, true },
		{ CURLE_OPERATION_TIMEDOUT, true },
		{ CURLE_RECV_ERROR, true },
		{ CURLE_SEND_ERROR, true },
		{ CURLE_GOT_NOTHING, true },
		{ CURLE_PARTIAL_FILE, true },
		{ CURLE_HTTP2, true },
		{ CURLE_HTTP2_STREAM, true },
		{ CURLE_OK, false },
		{ CURLE_SSL_CACERT, false },
		{ CURLE_PEER_FAILED_VERIFICATION, false },
		{ CURLE_SSL_CACERT_BADFILE, false },
		{ CURLE_URL_MALFORMAT, false },
		{ CURLE_UNSUPPORTED_PROTOCOL, false },
		{ CURLE_WRITE_ERROR, false },
		{ CURLE_FILESIZE_EXCEEDED, false },
		{ CURLE_OUT_OF_MEMORY, false },
		{ CURLE_ABORTED_BY_CALLBACK, false },
		{ CURLE_LOGIN_DENIED, false },
		{ CURLE_TOO_MANY_REDIRECTS, false },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		T_INT(retry_transient_curl(table[i].code), table[i].transient);
}

static void
test_transient_http(void)
{
	static const long yes[] = { 408, 425, 429, 500, 502, 503, 504, 544 };
	static const long no[] = { 0, 100, 200, 201, 204, 301, 304, 400, 401,
		402, 403, 404, 409, 410, 413, 422, 451, 501, 505, 511 };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		T_INT(retry_transient_http(yes[i]), 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		T_INT(retry_transient_http(no[i]), 0);
}

static void
test_retry_after(void)
{
	static const struct {
		const char *value;
		long want;
	} table[] = {
		{ NULL, -1 },
		{ "", -1 },
		{ "   ", -1 },
		{ "0", 0 },
		{ "1", 1000 },
		{ " 7 ", 7000 },
		{ "120", 120000 },
		{ "99999999999999999999", 86400000 },
		{ "-1", -1 },
		{ "1.5", -1 },
		{ "5s", -1 },
		{ "soon", -1 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", 0 },
		{ "Wed, 21 Oct 2015 07:28:30 GMT", 30000 },
		{ "Wed, 21 Oct 2015 08:28:00 GMT", 3600000 },
		{ "Thu, 22 Oct 2015 07:28:00 GMT", 86400000 },
		{ "Wed, 21 Oct 2015 07:27:00 GMT", 0 }, /* past */
		{ "Tue, 20 Oct 2015 07:28:00 GMT", 0 }, /* past */
		{ "Wednesday, 21-Oct-15 07:28:05 GMT", 5000 },
		{ "Wed Oct 21 07:28:09 2015", 9000 },
		{ "Wed, 21 Oct 2015 07:28:30 GMT  ", 30000 },
		{ "Wed, 21 Oct 2015 07:28:30 PST", -1 },
		{ "Wed, 21 Foo 2015 07:28:30 GMT", -1 },
		{ "Wed, 32 Oct 2015 07:28:30 GMT", -1 },
		{ "Wed, 21 Oct 2015 25:28:30 GMT", -1 },
		{ "Wed, 21 Oct 2015 07:28:30 GMT junk", -1 },
		{ "Wed, 21 Oct 2015", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		long got = retry_after_ms(table[i].value, NOW);

		if (got != table[i].want)
			printf("retry_after_ms(\"%s\")\n",
			    table[i].value ? table[i].value : "(null)");
		T_INT(got, table[i].want);
	}
}

static void
test_delay(void)
{
	/* Full jitter: random modulo (ceiling + 1). */
	T_INT(retry_delay_ms(&policy, 1, -1, 0), 0);
	T_INT(retry_delay_ms(&policy, 1, -1, 500), 500);
	T_INT(retry_delay_ms(&policy, 1, -1, 501), 0);
	T_INT(retry_delay_ms(&policy, 1, -1, UINT64_MAX), UINT64_MAX % 501);
	T_INT(retry_delay_ms(&policy, 2, -1, 1000), 1000);
	T_INT(retry_delay_ms(&policy, 2, -1, 1001), 0);
	T_INT(retry_delay_ms(&policy, 3, -1, 2000), 2000);
	T_INT(retry_delay_ms(&policy, 4, -1, 4000), 4000);
	T_INT(retry_delay_ms(&policy, 6, -1, 16000), 16000);
	/* 500 * 2^6 = 32000 is over the cap. */
	T_INT(retry_delay_ms(&policy, 7, -1, 30000), 30000);
	T_INT(retry_delay_ms(&policy, 7, -1, 30001), 0);
	T_INT(retry_delay_ms(&policy, 1000, -1, 30000), 30000);
	T_INT(retry_delay_ms(&policy, 1000, -1, 30001), 0);
	T_INT(retry_delay_ms(&policy, 0, -1, 500), 500);
	/* Retry-After wins over the jitter, up to the cap. */
	T_INT(retry_delay_ms(&policy, 1, 0, 12345), 0);
	T_INT(retry_delay_ms(&policy, 1, 7000, 12345), 7000);
	T_INT(retry_delay_ms(&policy, 3, 30000, 0), 30000);
	T_INT(retry_delay_ms(&policy, 3, 86400000, 0), 30000);
}

static void
test_delay_bounds(void)
{
	uint64_t x = 88172645463325252ULL;
	long attempt, d, ceiling, i;
	int bad = 0;

	for (attempt = 1; attempt <= 10; attempt++) {
		ceiling = attempt >= 7 ? 30000 : 500L << (attempt - 1);
		for (i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			d = retry_delay_ms(&policy, attempt, -1, x);
			if (d < 0 || d > ceiling)
				bad++;
		}
	}
	T_INT(bad, 0);
}

static void
test_allowed(void)
{
	T_INT(retry_allowed(&policy, 1, 0, 0, 1000), 1);
	T_INT(retry_allowed(&policy, 4, 0, 0, 1000), 1);
	T_INT(retry_allowed(&policy, 5, 0, 0, 1000), 0);
	T_INT(retry_allowed(&policy, 0, 0, 0, 1000), 0);
	T_INT(retry_allowed(&policy, 1, 999, 0, 1000), 1);
	T_INT(retry_allowed(&policy, 1, 1000, 0, 1000), 0);
	T_INT(retry_allowed(&policy, 1, 0, 1000, 1000), 0);
	T_INT(retry_allowed(&policy, 1, 10, 5000, 1000), 0);
	{
		struct retry_policy none = { 0, RETRY_BASE_MS, RETRY_CAP_MS };

		T_INT(retry_allowed(&none, 1, 0, 0, 1000), 0);
	}
}

static void
test_append_key(void)
{
	static const struct {
		const char *key, *want;
	} table[] = {
		{ "", "" },
		{ "a.json", "a.json" },
		{ "bronze/new/2025-09-22T10:30:45_x.json",
		    "bronze/new/2025-09-22T10%3A30%3A45_x.json" },
		{ "a b/c~d_e-f.g", "a%20b/c~d_e-f.g" },
		{ "x/?#[]@!$&'()*+,;=%",
		    "x/%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
		{ "a//b/", "a//b/" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		buf_truncate(&b, 0);
		T_INT(buf_puts(&b, "/o/"), 0);
		T_INT(http_append_key(&b, table[i].key), 0);
		T_STR(b.data + 3, table[i].want);
	}
	buf_free(&b);
}

static void
test_append_query(void)
{
	struct buf b = BUF_INIT;

	T_INT(buf_puts(&b, "http://h/users.json"), 0);
	T_INT(http_append_query(&b, "count", "1000"), 0);
	T_INT(http_append_query(&b, "schema", "My Orders/2"), 0);
	T_INT(http_append_query(&b, "q", "a&b=c"), 0);
	T_STR(b.data,
	    "http://h/"
	    "users.json?count=1000&schema=My%20Orders%2F2&q=a%26b%3Dc");
	buf_free(&b);
	T_INT(buf_puts(&b, "http://h/g.json?"), 0);
	T_INT(http_append_query(&b, "array", "true"), 0);
	T_STR(b.data, "http://h/g.json?array=true");
	buf_free(&b);
	T_INT(buf_puts(&b, "http://h/g.json?x=1"), 0);
	T_INT(http_append_query(&b, "key", "ab:c"), 0);
	T_STR(b.data, "http://h/g.json?x=1&key=ab%3Ac");
	buf_free(&b);
}

static void
test_redact(void)
{
	static const struct {
		const char *url, *want;
	} table[] = {
		{ "http://h/users.json", "http://h/users.json" },
		{ "https://h/a.json?key=abcd1234", "https://h/a.json?key=***" },
		{ "https://h/a.json?count=1&key=abcd1234&schema=x",
		    "https://h/a.json?count=1&key=***&schema=x" },
		/* A name that merely contains a secret word is hidden too:
		 * showing too little beats leaking a credential. */
		{ "https://h/a.json?monkey=1&key=s#frag",
		    "https://h/a.json?monkey=***&key=***#frag" },
		{ "https://h/a.json?KEY=s&api_key=t&apikey=u&keys=v",
		    "https://h/"
		    "a.json?KEY=***&api_key=***&apikey=***&keys=***" },
		{ "https://h/a?X-Amz-Signature=s&access_token=t&password=p&n=1",
		    "https://h/"
		    "a?X-Amz-Signature=***&access_token=***&password=***&n=1" },
		{ "https://h/a.json?key=", "https://h/a.json?key=***" },
		{ "https://h/a.json?key", "https://h/a.json?key" },
		{ "https://user:pw@h:8080/p?x=1", "https://***@h:8080/p?x=1" },
		{ "https://a@b@h/p", "https://***@h/p" },
		{ "http://h/p/a@b", "http://h/p/a@b" },
		{ "", "" },
		{ "users.json?key=x", "users.json?key=***" },
	};
	char out[256];
	char tiny[12];
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		http_redact(table[i].url, out, sizeof(out));
		T_STR(out, table[i].want);
	}
	http_redact("https://h/?key=secret", tiny, sizeof(tiny));
	T_STR(tiny, "https://h/?");
	http_redact("https://u:secret@h/", tiny, 4);
	T_STR(tiny, "htt");
	http_redact(NULL, out, sizeof(out));
	T_STR(out, "");
}

/* The capture callbacks, driven without a transfer. */
static void
test_capture(void)
{
	struct http_result res;
	CURL *h;

	memset(&res, 0, sizeof(res));
	T_INT(http_global_init(NULL), 0);
	h = http_easy_new(NULL);
	T_OK(h != NULL);
	if (h == NULL)
		return;
	res.max_body = 10;
	http_easy_capture(h, &res);
	T_INT(res.max_body, 10);
	T_INT(res.status, 0);
	T_STR(res.retry_after, "");
	curl_easy_cleanup(h);
	http_result_free(&res);
	http_global_cleanup();
}

int
main(void)
{
	test_transient_curl();
	test_transient_http();
	test_retry_after();
	test_delay();
	test_delay_bounds();
	test_allowed();
	test_append_key();
	test_append_query();
	test_redact();
	test_capture();
	return t_done();
}
