/* test_fetch.c - what one Mockaroo answer means (mockaroo_decide). */

#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "status.h"
#include "t.h"

#define URL "http://h/users.json?key=***"
#define BADKEY "{\"error\":\"Invalid API Key\"}"
#define QUOTA "{\"error\":\"Free plans are limited to 200 requests per day.\"}"
#define ACUTE "{\"error\":\"abc\xc3\xa9\"}"
#define EURO "{\"error\":\"ab\xe2\x82\xac\"}"
#define CONTROL "{\"error\":\"a\\nb\\u0000c\"}"
#define SILVER \
	"{\"error\": \"Silver plans are limited to 1,000,000 " \
	"records per day.\"}"

struct row {
	long status;
	const char *body;
	int curl_code;
	const char *curl_error;
	int too_large;
	long attempt;
	long retries;
	enum fetch_action action;
	int exit_status;
	const char *reason;
};

static const struct row table[] = {
	/* Success, whatever the body: the batch validates it. */
	{ 200, "[{\"a\":1}]", 0, NULL, 0, 1, 4, FETCH_DELIVER, ST_OK,
	    "HTTP 200" },
	{ 200, "<html>oops</html>", 0, NULL, 0, 1, 4, FETCH_DELIVER, ST_OK,
	    "HTTP 200" },
	{ 200, "[]", 0, NULL, 0, 1, 4, FETCH_DELIVER, ST_OK, "HTTP 200" },
	{ 203, "{\"error\":\"x\",\"price\":1}", 0, NULL, 0, 1, 4, FETCH_DELIVER,
	    ST_OK, "HTTP 203" },
	/* A record object with an "error" field alone is an error. */
	{ 200, "{\"error\":\"something broke\"}", 0, NULL, 0, 1, 4, FETCH_FAIL,
	    ST_DATA, "HTTP 200 from " URL ": something broke" },

	/* The bad key, whatever its status: stop all. */
	{ 401, BADKEY, 0, NULL, 0, 1, 4, FETCH_STOP, ST_NOPERM,
	    "HTTP 401 from " URL ": Invalid API Key (check the API key)" },
	{ 403, BADKEY, 0, NULL, 0, 1, 4, FETCH_STOP, ST_NOPERM,
	    "HTTP 403 from " URL ": Invalid API Key (check the API key)" },
	{ 200, BADKEY, 0, NULL, 0, 1, 4, FETCH_STOP, ST_NOPERM,
	    "HTTP 200 from " URL ": Invalid API Key (check the API key)" },
	{ 500, "{\"error\":\"invalid api key\"}", 0, NULL, 0, 1, 4, FETCH_STOP,
	    ST_NOPERM,
	    "HTTP 500 from " URL ": invalid api key (check the API key)" },
	{ 401, "", 0, NULL, 0, 1, 4, FETCH_STOP, ST_NOPERM,
	    "HTTP 401 from " URL " (check the API key)" },
	{ 403, "Forbidden", 0, NULL, 0, 1, 4, FETCH_STOP, ST_NOPERM,
	    "HTTP 403 from " URL ": Forbidden (check the API key)" },

	/* The daily quota, whatever its status: stop all, try tomorrow. */
	{ 429, QUOTA, 0, NULL, 0, 1, 4, FETCH_STOP, ST_TEMPFAIL,
	    "daily quota reached: Free plans are limited to 200 requests per "
	    "day. (HTTP 429)" },
	{ 403, QUOTA, 0, NULL, 0, 1, 4, FETCH_STOP, ST_TEMPFAIL,
	    "daily quota reached: Free plans are limited to 200 requests per "
	    "day. (HTTP 403)" },
	{ 402, SILVER, 0, NULL, 0, 1, 4, FETCH_STOP, ST_TEMPFAIL,
	    "daily quota reached: Silver plans are limited to 1,000,000 "
	    "records per day. (HTTP 402)" },
	{ 200, QUOTA, 0, NULL, 0, 1, 4, FETCH_STOP, ST_TEMPFAIL,
	    "daily quota reached: Free plans are limited to 200 requests per "
	    "day. (HTTP 200)" },
	{ 429, QUOTA, 0, NULL, 0, 5, 4, FETCH_STOP, ST_TEMPFAIL,
	    "daily quota reached: Free plans are limited to 200 requests per "
	    "day. (HTTP 429)" },

	/* A passing rate limit and server faults: retry, then give up. */
	{ 429, "", 0, NULL, 0, 1, 4, FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 429 from " URL },
	{ 429, "{\"error\":\"Too many requests\"}", 0, NULL, 0, 4, 4,
	    FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 429 from " URL ": Too many requests" },
	{ 429, "", 0, NULL, 0, 5, 4, FETCH_FAIL, ST_UNAVAILABLE,
	    "HTTP 429 from " URL ", gave up after 5 attempts" },
	{ 503, "<html><body>down</body></html>", 0, NULL, 0, 1, 4, FETCH_RETRY,
	    ST_UNAVAILABLE, "HTTP 503 from " URL },
	{ 503, "Service Unavailable", 0, NULL, 0, 3, 2, FETCH_FAIL,
	    ST_UNAVAILABLE,
	    "HTTP 503 from " URL ": Service Unavailable, gave up after 3 "
	    "attempts" },
	{ 500, "", 0, NULL, 0, 1, 0, FETCH_FAIL, ST_UNAVAILABLE,
	    "HTTP 500 from " URL ", gave up after 1 attempt" },
	{ 502, "", 0, NULL, 0, 2, 4, FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 502 from " URL },
	{ 504, "", 0, NULL, 0, 2, 4, FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 504 from " URL },
	{ 408, "", 0, NULL, 0, 2, 4, FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 408 from " URL },
	{ 425, "", 0, NULL, 0, 2, 4, FETCH_RETRY, ST_UNAVAILABLE,
	    "HTTP 425 from " URL },
	{ 501, "", 0, NULL, 0, 1, 4, FETCH_FAIL, ST_UNAVAILABLE,
	    "HTTP 501 from " URL },

	/* A wrong URL: every request would meet it. */
	{ 404, "Not Found", 0, NULL, 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "HTTP 404 from " URL ": Not Found (check mockaroo.url)" },
	{ 404, "", 0, NULL, 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "HTTP 404 from " URL ": no such route (check mockaroo.url)" },
	{ 404, "<html>nope</html>", 0, NULL, 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "HTTP 404 from " URL ": no such route (check mockaroo.url)" },
	{ 405, "", 0, NULL, 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "HTTP 405 from " URL ": no such route (check mockaroo.url)" },
	{ 301, "", 0, NULL, 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "HTTP 301 from " URL ": redirects are not followed (set "
	    "mockaroo.url to the final address)" },

	/* Other refusals: this response fails, the rest go on. */
	{ 400, "{\"error\":\"Schema not found\"}", 0, NULL, 0, 1, 4, FETCH_FAIL,
	    ST_DATA, "HTTP 400 from " URL ": Schema not found" },
	{ 422, "bad\r\nthing", 0, NULL, 0, 1, 4, FETCH_FAIL, ST_DATA,
	    "HTTP 422 from " URL ": bad  thing" },
	{ 400, "[1,2]", 0, NULL, 0, 1, 4, FETCH_FAIL, ST_DATA,
	    "HTTP 400 from " URL },

	/* Transfer faults. */
	{ 0, "", CURLE_COULDNT_CONNECT, "Failed to connect to h port 80", 0, 1,
	    4, FETCH_RETRY, ST_UNAVAILABLE,
	    "Failed to connect to h port 80 (" URL ")" },
	{ 0, "", CURLE_COULDNT_CONNECT, "Failed to connect to h port 80", 0, 5,
	    4, FETCH_FAIL, ST_UNAVAILABLE,
	    "Failed to connect to h port 80 (" URL "), gave up after 5 "
	    "attempts" },
	{ 0, "", CURLE_COULDNT_RESOLVE_HOST, "", 0, 1, 4, FETCH_RETRY,
	    ST_UNAVAILABLE, "Couldn't resolve host name (" URL ")" },
	{ 200, "[{", CURLE_OPERATION_TIMEDOUT, "Operation timed out", 0, 1, 4,
	    FETCH_RETRY, ST_UNAVAILABLE, "Operation timed out (" URL ")" },
	{ 200, "[{", CURLE_PARTIAL_FILE, "transfer closed", 0, 2, 1, FETCH_FAIL,
	    ST_UNAVAILABLE,
	    "transfer closed (" URL "), gave up after 2 attempts" },
	{ 200, "", CURLE_RECV_ERROR, "Connection reset by peer", 0, 1, 4,
	    FETCH_RETRY, ST_UNAVAILABLE, "Connection reset by peer (" URL ")" },
	{ 0, "", CURLE_SEND_ERROR, "Send failure", 0, 1, 4, FETCH_RETRY,
	    ST_UNAVAILABLE, "Send failure (" URL ")" },
	{ 0, "", CURLE_GOT_NOTHING, "Empty reply from server", 0, 1, 4,
	    FETCH_RETRY, ST_UNAVAILABLE, "Empty reply from server (" URL ")" },
	{ 0, "", CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem", 0,
	    1, 4, FETCH_STOP, ST_UNAVAILABLE,
	    "SSL certificate problem (" URL ")" },
	{ 0, "", CURLE_URL_MALFORMAT, "bad URL", 0, 1, 4, FETCH_STOP, ST_CONFIG,
	    "mockaroo.url " URL ": bad URL" },
	{ 200, "[{", CURLE_WRITE_ERROR, "", 1, 1, 4, FETCH_FAIL, ST_DATA,
	    "the response from " URL " is larger than http.max_response_bytes "
	    "(1000 bytes)" },
	{ 200, "", CURLE_FILESIZE_EXCEEDED, "", 1, 1, 4, FETCH_FAIL, ST_DATA,
	    "the response from " URL " is larger than http.max_response_bytes "
	    "(1000 bytes)" },
	{ 200, "[{", CURLE_WRITE_ERROR, "", 0, 1, 4, FETCH_STOP, ST_TEMPFAIL,
	    "out of memory receiving the response from " URL },
};

static void
test_table(void)
{
	struct fetch_answer a;
	struct fetch_verdict v;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];

		memset(&a, 0, sizeof(a));
		a.status = r->status;
		a.body = r->body;
		a.len = strlen(r->body);
		a.curl_code = r->curl_code;
		a.curl_error = r->curl_error;
		a.too_large = r->too_large;
		a.max_bytes = 1000;
		a.url = URL;
		a.attempt = r->attempt;
		a.retries = r->retries;
		memset(&v, 0x5a, sizeof(v));
		mockaroo_decide(&a, &v);
		if ((int)v.action != (int)r->action ||
		    v.status != r->exit_status ||
		    strcmp(v.reason, r->reason) != 0)
			printf("row %zu (HTTP %ld, curl %d):\n", i, r->status,
			    r->curl_code);
		T_INT(v.action, r->action);
		T_INT(v.status, r->exit_status);
		T_STR(v.reason, r->reason);
	}
}

static void
test_null_body(void)
{
	struct fetch_answer a;
	struct fetch_verdict v;

	memset(&a, 0, sizeof(a));
	a.status = 503;
	a.url = URL;
	a.attempt = 1;
	a.retries = 1;
	mockaroo_decide(&a, &v);
	T_INT(v.action, FETCH_RETRY);
	T_STR(v.reason, "HTTP 503 from " URL);
}

static void
test_error_text(void)
{
	char out[64];
	static const char *const big_tail = "\"}";
	char big[70000];

	T_INT(mockaroo_error_text(BADKEY, strlen(BADKEY), 1, out, sizeof(out)),
	    1);
	T_STR(out, "Invalid API Key");
	T_INT(mockaroo_error_text("{\"error\":\"a\",\"b\":1}", 19, 1, out,
		  sizeof(out)),
	    0);
	T_INT(mockaroo_error_text("{\"error\":\"a\",\"b\":1}", 19, 0, out,
		  sizeof(out)),
	    1);
	T_STR(out, "a");
	T_INT(mockaroo_error_text("{\"error\":42}", 12, 0, out, sizeof(out)),
	    0);
	T_INT(mockaroo_error_text("[{\"error\":\"a\"}]", 15, 0, out,
		  sizeof(out)),
	    0);
	T_INT(mockaroo_error_text("{\"error\":\"a\"", 12, 0, out, sizeof(out)),
	    0);
	T_INT(mockaroo_error_text(NULL, 0, 0, out, sizeof(out)), 0);
	/* Cut to the buffer without splitting a UTF-8 sequence. */
	T_INT(mockaroo_error_text(ACUTE, strlen(ACUTE), 0, out, 5), 1);
	T_STR(out, "abc");
	T_INT(mockaroo_error_text(ACUTE, strlen(ACUTE), 0, out, 6), 1);
	T_STR(out, "abc\xc3\xa9");
	T_INT(mockaroo_error_text(EURO, strlen(EURO), 0, out, 5), 1);
	T_STR(out, "ab");
	T_INT(mockaroo_error_text(CONTROL, strlen(CONTROL), 0, out,
		  sizeof(out)),
	    1);
	T_STR(out, "a b c");
	/* A big body is records, never an error envelope. */
	memset(big, ' ', sizeof(big));
	/* NOLINTBEGIN(bugprone-not-null-terminated-result): big is a body
	 * with a length, not a string. */
	memcpy(big, "{\"error\":\"", 10);
	memcpy(big + sizeof(big) - 2, big_tail, 2);
	/* NOLINTEND(bugprone-not-null-terminated-result) */
	T_INT(mockaroo_error_text(big, sizeof(big), 0, out, sizeof(out)), 0);
}

int
main(void)
{
	test_table();
	test_null_body();
	test_error_text();
	return t_done();
}
