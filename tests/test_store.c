/* test_store.c - store messages, and the retry loop with a scripted store. */

#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "store.h"
#include "supabase.h"
#include "t.h"
#include "upload.h"

static void
test_base64(void)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
		{ "\xff\xfe", "//4=" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_truncate(&b, 0);
		T_INT(store_base64(&b, cases[i][0], strlen(cases[i][0])), 0);
		T_MEM(b.data ? b.data : "", b.len, cases[i][1],
		    strlen(cases[i][1]));
	}
	buf_free(&b);
}

static void
test_answer_status(void)
{
	struct store_context ctx = { "supabase storage",
		"http://127.0.0.1:9/storage/v1", "datalake",
		"bronze/new/x.json", 1234, 3, 0 };
	struct store_answer a = { STORE_STORED, 200, "", "" };
	struct err err;

	T_INT(store_answer_status(&a, &ctx, &err), ST_OK);

	a.outcome = STORE_DUPLICATE;
	a.status = 409;
	T_INT(store_answer_status(&a, &ctx, &err), ST_CANTCREATE);
	T_STR(err.msg,
	    "object already exists: datalake/bronze/new/x.json (another writer "
	    "used this key)");

	a.outcome = STORE_NO_BUCKET;
	a.status = 404;
	T_INT(store_answer_status(&a, &ctx, &err), ST_CONFIG);
	T_STR(err.msg,
	    "bucket \"datalake\" does not exist at "
	    "http://127.0.0.1:9/storage/v1: create it or set "
	    "supabase.bucketName");

	a.outcome = STORE_DENIED;
	a.status = 403;
	strcpy(a.code, "AccessDenied");
	strcpy(a.message, "invalid signature");
	T_INT(store_answer_status(&a, &ctx, &err), ST_NOPERM);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 refused our "
	    "credentials for bucket \"datalake\" (403 AccessDenied): invalid "
	    "signature");

	a.outcome = STORE_TOO_LARGE;
	a.status = 413;
	a.code[0] = '\0';
	strcpy(a.message, "The object exceeded the maximum allowed size");
	T_INT(store_answer_status(&a, &ctx, &err), ST_DATA);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 refused a batch "
	    "of 1234 bytes as too large: The object exceeded the maximum "
	    "allowed size: lower batch.max_size, or upload.resumable_threshold "
	    "so large batches go up in chunks");

	a.outcome = STORE_INVALID_KEY;
	a.status = 400;
	strcpy(a.message, "Invalid key: bronze/new/x.json");
	T_INT(store_answer_status(&a, &ctx, &err), ST_DATA);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 refused the "
	    "object key \"bronze/new/x.json\": Invalid key: bronze/new/x.json");

	a.outcome = STORE_TRANSIENT;
	a.status = 503;
	a.message[0] = '\0';
	T_INT(store_answer_status(&a, &ctx, &err), ST_UNAVAILABLE);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 still failing "
	    "after 3 attempts (last: 503)");
	a.status = 0;
	strcpy(a.message, "Empty reply from server");
	ctx.attempts = 1;
	T_INT(store_answer_status(&a, &ctx, &err), ST_UNAVAILABLE);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 still failing "
	    "after 1 attempt: Empty reply from server");
	ctx.attempts = 3;
	a.message[0] = '\0';

	a.outcome = STORE_NOT_FOUND;
	a.status = 404;
	T_INT(store_answer_status(&a, &ctx, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 answered 404 "
	    "(not found) for bucket \"datalake\": check the URL");

	a.outcome = STORE_REFUSED;
	a.status = 400;
	strcpy(a.code, "InvalidRequest");
	strcpy(a.message, "no");
	T_INT(store_answer_status(&a, &ctx, &err), ST_CANTCREATE);
	T_STR(err.msg,
	    "supabase storage at http://127.0.0.1:9/storage/v1 refused to "
	    "store datalake/bronze/new/x.json (400 InvalidRequest): no");
}

static void
test_duplicate_verdict(void)
{
	struct store_context ctx = { "supabase storage",
		"http://127.0.0.1:9/storage/v1", "datalake", "k.json", 10, 2,
		0 };
	struct err err;

	T_INT(store_duplicate_verdict(&ctx, 10, &err), ST_OK);
	T_INT(store_duplicate_verdict(&ctx, 11, &err), ST_CANTCREATE);
	T_STR(err.msg,
	    "object datalake/k.json already exists with 11 bytes, ours has 10: "
	    "another writer used this key");
	T_INT(store_duplicate_verdict(&ctx, -1, &err), ST_CANTCREATE);
	T_STR(err.msg,
	    "object datalake/k.json already exists after a retry and supabase "
	    "storage at http://127.0.0.1:9/storage/v1 cannot tell its size: it "
	    "may be ours or another writer's");
}

static void
test_printable(void)
{
	char out[6];

	store_printable(out, sizeof(out),
	    "ab\x01\xc3"
	    "cdef",
	    8);
	T_STR(out, "ab??c");
	store_printable(out, 1, "abc", 3);
	T_STR(out, "");
}

static void
test_describe(void)
{
	struct http_result res;
	struct store_answer a;
	char out[128];

	memset(&res, 0, sizeof(res));
	memset(&a, 0, sizeof(a));
	res.status = 503;
	a.status = 503;
	T_STR(store_describe(&res, &a, out, sizeof(out)), "HTTP 503");
	strcpy(a.code, "SlowDown");
	T_STR(store_describe(&res, &a, out, sizeof(out)), "HTTP 503 SlowDown");
	res.status = 400;
	a.status = 500;
	a.code[0] = '\0';
	T_STR(store_describe(&res, &a, out, sizeof(out)),
	    "HTTP 400 (statusCode 500)");
	res.curl_code = CURLE_GOT_NOTHING;
	strcpy(a.message, "Empty reply from server");
	T_STR(store_describe(&res, &a, out, sizeof(out)),
	    "Empty reply from server");
}

static void
test_answer_of(void)
{
	struct http_result res;
	struct store_answer a;

	memset(&res, 0, sizeof(res));
	res.curl_code = CURLE_COULDNT_CONNECT;
	strcpy(res.curl_error, "Failed to connect\n");
	store_answer_of(&res, supabase_classify, &a);
	T_INT(a.outcome, STORE_TRANSIENT);
	T_STR(a.message, "Failed to connect?");
	res.curl_code = CURLE_URL_MALFORMAT;
	store_answer_of(&res, supabase_classify, &a);
	T_INT(a.outcome, STORE_REFUSED);
	res.curl_code = CURLE_OK;
	res.status = 200;
	store_answer_of(&res, supabase_classify, &a);
	T_INT(a.outcome, STORE_STORED);
}

/* A scripted store: each attempt gets the next answer. */
struct answer {
	int curl_code;
	long status;
	const char *body;
};

struct script {
	const struct answer *answers;
	size_t n, next;
	long long stored; /* what stored_size says */
	int setup_fails;
};

static int
script_perform(void *arg, struct http_result *res, struct err *err)
{
	struct script *sc = arg;
	const struct answer *an;

	if (sc->setup_fails)
		return err_set(err, ST_IO, "no handle");
	an = &sc->answers[sc->next < sc->n ? sc->next : sc->n - 1];
	sc->next++;
	res->curl_code = an->curl_code;
	snprintf(res->curl_error, sizeof(res->curl_error), "%s",
	    an->curl_code ? curl_easy_strerror(an->curl_code) : "");
	res->status = an->curl_code ? 0 : an->status;
	res->retry_after[0] = '\0';
	buf_truncate(&res->body, 0);
	buf_puts(&res->body, an->body);
	return ST_OK;
}

static long long
script_stored_size(void *arg, const char *key)
{
	struct script *sc = arg;

	(void)key;
	return sc->stored;
}

#define DUP "{\"statusCode\":\"409\",\"error\":\"Duplicate\"}"
#define GONE "{\"statusCode\":\"404\",\"error\":\"not_found\"}"

static const struct answer ok[] = { { 0, 200, "{}" } };
static const struct answer
    flaky[] = { { 0, 503, "" }, { 0, 503, "" }, { 0, 200, "{}" } };
static const struct answer
    lost[] = { { CURLE_GOT_NOTHING, 0, "" }, { 0, 400, DUP } };
static const struct answer taken[] = { { 0, 400, DUP } };
static const struct answer down[] = { { 0, 503, "" } };
static const struct answer broken[] = { { CURLE_URL_MALFORMAT, 0, "" } };
static const struct answer
    vanished[] = { { CURLE_RECV_ERROR, 0, "" }, { 0, 400, GONE } };
static const struct answer not_found[] = { { 0, 400, GONE } };

static const struct {
	const struct answer *answers;
	size_t n;
	long long stored;
	int not_found_means_landed;
	int replay;
	int status;
	long attempts;
	size_t retries;
	const char *msg;
} send_cases[] = {
	{ ok, 1, -1, 0, 0, ST_OK, 1, 0, NULL },
	{ flaky, 3, -1, 0, 0, ST_OK, 3, 2, NULL },
	{ lost, 2, 1234, 0, 0, ST_OK, 2, 1, NULL },
	{ lost, 2, 99, 0, 0, ST_CANTCREATE, 2, 1,
	    "object datalake/k.json already exists with 99 bytes, ours has "
	    "1234: another writer used this key" },
	{ lost, 2, -1, 0, 0, ST_CANTCREATE, 2, 1,
	    "object datalake/k.json already exists after a retry and test "
	    "store at http://x cannot tell its size: it may be ours or another "
	    "writer's" },
	{ taken, 1, 1234, 0, 0, ST_CANTCREATE, 1, 0,
	    "object already exists: datalake/k.json (another writer used this "
	    "key)" },
	{ down, 1, -1, 0, 0, ST_UNAVAILABLE, 3, 2,
	    "test store at http://x still failing after 3 attempts (last: "
	    "503)" },
	{ broken, 1, -1, 0, 0, ST_UNAVAILABLE, 1, 0,
	    "test store at http://x: URL using bad/illegal format or missing "
	    "URL" },
	{ vanished, 2, 1234, 1, 0, ST_OK, 2, 1, NULL },
	{ vanished, 2, 1234, 0, 0, ST_CONFIG, 2, 1, NULL },
	{ not_found, 1, 1234, 1, 0, ST_CONFIG, 1, 0, NULL },
	/* A replayed batch an earlier run stored: ours if the size fits. */
	{ taken, 1, 1234, 0, 1, ST_OK, 1, 0, NULL },
	{ taken, 1, 12, 0, 1, ST_CANTCREATE, 1, 0,
	    "object datalake/k.json already exists with 12 bytes, ours has "
	    "1234: another writer used this key" },
};

static void
test_send(void)
{
	struct store_context ctx = { "test store", "http://x", "datalake",
		"k.json", 1234, 0, 0 };
	struct store_request_ops ops;
	struct upload_report report;
	struct http_result res;
	struct store_retry r;
	struct script sc;
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(send_cases) / sizeof(send_cases[0]); i++) {
		memset(&sc, 0, sizeof(sc));
		memset(&res, 0, sizeof(res));
		memset(&report, 0, sizeof(report));
		sc.answers = send_cases[i].answers;
		sc.n = send_cases[i].n;
		sc.stored = send_cases[i].stored;
		ops.perform = script_perform;
		ops.classify = supabase_classify;
		ops.stored_size = script_stored_size;
		ops.arg = &sc;
		ops.not_found_means_landed =
		    send_cases[i].not_found_means_landed;
		ctx.replay = send_cases[i].replay;
		/* Waits of a millisecond or two keep the test fast. */
		r.policy.retries = 2;
		r.policy.base_ms = 1;
		r.policy.cap_ms = 2;
		r.deadline_ms = store_now_ms() + 60000;
		err.msg[0] = '\0';
		T_INT(store_send(&ops, &r, &ctx, &report, &res, &err),
		    send_cases[i].status);
		T_INT(ctx.attempts, send_cases[i].attempts);
		T_INT(sc.next, send_cases[i].attempts);
		T_INT(report.retries, send_cases[i].retries);
		if (send_cases[i].msg != NULL)
			T_STR(err.msg, send_cases[i].msg);
		http_result_free(&res);
	}

	/* A deadline already passed allows no retry. */
	ctx.replay = 0;
	memset(&sc, 0, sizeof(sc));
	memset(&res, 0, sizeof(res));
	memset(&report, 0, sizeof(report));
	sc.answers = flaky;
	sc.n = 3;
	ops.not_found_means_landed = 0;
	r.deadline_ms = store_now_ms() - 1;
	T_INT(store_send(&ops, &r, &ctx, &report, &res, &err), ST_UNAVAILABLE);
	T_INT(sc.next, 1);
	http_result_free(&res);

	/* A request that cannot be set up is not retried. */
	sc.setup_fails = 1;
	T_INT(store_send(&ops, &r, &ctx, &report, &res, &err), ST_IO);
	T_STR(err.msg, "no handle");
	http_result_free(&res);
}

static void
test_cache_control(void)
{
	char out[64];

	store_cache_control("3600", out, sizeof(out));
	T_STR(out, "max-age=3600");
	store_cache_control("no-cache, max-age=0", out, sizeof(out));
	T_STR(out, "no-cache, max-age=0");
	store_cache_control("", out, sizeof(out));
	T_STR(out, "");
	store_cache_control(NULL, out, sizeof(out));
	T_STR(out, "");
}

static void
test_retry_init(void)
{
	struct config cfg;
	struct store_retry r;
	long long now;

	memset(&cfg, 0, sizeof(cfg));
	cfg.retries = 4;
	cfg.max_time = 300;
	now = store_now_ms();
	store_retry_init(&r, &cfg);
	T_INT(r.policy.retries, 4);
	T_INT(r.policy.base_ms, RETRY_BASE_MS);
	T_INT(r.policy.cap_ms, RETRY_CAP_MS);
	T_OK(r.deadline_ms >= now + 300000 && r.deadline_ms < now + 301000);
}

int
main(void)
{
	log_setup(LOG_ERROR, 0); /* the retries' warnings */
	test_base64();
	test_answer_status();
	test_duplicate_verdict();
	test_printable();
	test_describe();
	test_answer_of();
	test_send();
	test_retry_init();
	test_cache_control();
	return t_done();
}
