/*
 * fetch.c - the HTTP source: count requests to a Mockaroo API on one
 * libcurl multi handle.
 *
 * At most http.concurrency transfers run at once and share the multi
 * handle's connections (keep-alive, HTTP/2 streams where offered).  A
 * request that meets a transient fault waits out its backoff as a "not
 * before" time while the others keep going: the loop polls libcurl no
 * longer than until the next request is due.  Every wait and every
 * transfer ends by http.max_time, counted from the start of the stage.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "fetch.h"
#include "http.h"
#include "interrupt.h"
#include "log.h"
#include "retry.h"
#include "rng.h"
#include "source.h"
#include "status.h"

/* Error bodies are small; a big body is records, not worth parsing. */
#define ERROR_BODY_MAX 65536
#define ERROR_TEXT_MAX 200
#define SHOWN_URL_MAX 1024
/* The progress line is redrawn at least this often while waiting. */
#define PROGRESS_MS 250
/* How long a stop signal may go unnoticed at most. */
#define SIGNAL_CHECK_MS 1000

/* ---- the pure decision ---- */

/* The length of out[0..n) without a UTF-8 sequence cut short at its
 * end, when the text was cut there. */
static size_t
utf8_complete(const char *out, size_t n, bool cut)
{
	size_t start = n, need;
	unsigned char lead;

	if (!cut)
		return n;
	while (start > 0 && ((unsigned char)out[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || (lead = (unsigned char)out[start - 1]) < 0xc0)
		return n;
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	return n - (start - 1) < need ? start - 1 : n;
}

/* Copies text into out with control bytes as spaces, at most outsz-1
 * bytes and never a cut UTF-8 sequence at the end. */
static void
copy_printable(char *out, size_t outsz, const char *text, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < outsz; i++) {
		unsigned char c = (unsigned char)text[i];

		out[n++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	out[utf8_complete(out, n, n < len)] = '\0';
}

int
mockaroo_error_text(const char *body, size_t len, int strict, char *out,
    size_t outsz)
{
	json_t *root, *msg;
	int found = 0;

	if (body == NULL || len == 0 || len > ERROR_BODY_MAX)
		return 0;
	if ((root = json_loadb(body, len, JSON_ALLOW_NUL, NULL)) == NULL)
		return 0;
	msg = json_object_get(root, "error");
	if (json_is_object(root) && json_is_string(msg) &&
	    (!strict || json_object_size(root) == 1)) {
		copy_printable(out, outsz, json_string_value(msg),
		    json_string_length(msg));
		found = 1;
	}
	json_decref(root);
	return found;
}

/* Case-insensitive strstr for ASCII needles. */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n; i++) {
			char a = hay[i], b = needle[i];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (a != b)
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

/*
 * What the body says, for a message: the error text of an envelope, a
 * short excerpt of plain text, or "" for markup and binary.
 */
static void
answer_detail(const struct fetch_answer *a, char *out, size_t outsz)
{
	size_t n;

	out[0] = '\0';
	if (mockaroo_error_text(a->body, a->len, 0, out, outsz))
		return;
	if (a->body == NULL || a->len == 0 || a->body[0] == '<' ||
	    a->body[0] == '{' || a->body[0] == '[')
		return;
	n = a->len < 80 ? a->len : 80;
	copy_printable(out, outsz, a->body, n);
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

static void verdict(struct fetch_verdict *v, enum fetch_action action,
    int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
verdict(struct fetch_verdict *v, enum fetch_action action, int status,
    const char *fmt, ...)
{
	va_list ap;

	v->action = action;
	v->status = status;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static void
decide_transfer_failure(const struct fetch_answer *a, struct fetch_verdict *v)
{
	const char *why = a->curl_error && a->curl_error[0] ?
	    a->curl_error :
	    curl_easy_strerror((CURLcode)a->curl_code);

	if (a->too_large) {
		verdict(v, FETCH_FAIL, ST_DATA,
		    "the response from %s is larger than "
		    "http.max_response_bytes (%lld bytes)",
		    a->url, a->max_bytes);
	} else if (retry_transient_curl(a->curl_code)) {
		if (a->attempt <= a->retries)
			verdict(v, FETCH_RETRY, ST_UNAVAILABLE, "%s (%s)", why,
			    a->url);
		else
			verdict(v, FETCH_FAIL, ST_UNAVAILABLE,
			    "%s (%s), gave up after %ld attempt%s", why, a->url,
			    a->attempt, plural(a->attempt));
	} else if (a->curl_code == CURLE_WRITE_ERROR ||
	    a->curl_code == CURLE_OUT_OF_MEMORY) {
		verdict(v, FETCH_STOP, ST_TEMPFAIL,
		    "out of memory receiving the response from %s", a->url);
	} else if (a->curl_code == CURLE_URL_MALFORMAT ||
	    a->curl_code == CURLE_UNSUPPORTED_PROTOCOL) {
		verdict(v, FETCH_STOP, ST_CONFIG, "mockaroo.url %s: %s", a->url,
		    why);
	} else {
		verdict(v, FETCH_STOP, ST_UNAVAILABLE, "%s (%s)", why, a->url);
	}
}

static void
decide_status(const struct fetch_answer *a, const char *detail,
    struct fetch_verdict *v)
{
	const char *sep = detail[0] ? ": " : "";
	long s = a->status;

	if (s == 401 || s == 403) {
		verdict(v, FETCH_STOP, ST_NOPERM,
		    "HTTP %ld from %s%s%s (check the API key)", s, a->url, sep,
		    detail);
	} else if (s == 404 || s == 405 || s == 410) {
		verdict(v, FETCH_STOP, ST_CONFIG,
		    "HTTP %ld from %s: %s (check mockaroo.url)", s, a->url,
		    detail[0] ? detail : "no such route");
	} else if (s < 200 || (s >= 300 && s < 400)) {
		/* Following a redirect could take the key's header to
		 * another host, so none is followed. */
		verdict(v, FETCH_STOP, ST_CONFIG,
		    "HTTP %ld from %s: redirects are not followed (set "
		    "mockaroo.url to the final address)",
		    s, a->url);
	} else if (retry_transient_http(s)) {
		if (a->attempt <= a->retries)
			verdict(v, FETCH_RETRY, ST_UNAVAILABLE,
			    "HTTP %ld from %s%s%s", s, a->url, sep, detail);
		else
			verdict(v, FETCH_FAIL, ST_UNAVAILABLE,
			    "HTTP %ld from %s%s%s, gave up after %ld attempt%s",
			    s, a->url, sep, detail, a->attempt,
			    plural(a->attempt));
	} else if (s >= 400 && s < 500) {
		/* The request was refused as sent; mock handlers may do
		 * so for one request and not the next. */
		verdict(v, FETCH_FAIL, ST_DATA, "HTTP %ld from %s%s%s", s,
		    a->url, sep, detail);
	} else {
		verdict(v, FETCH_FAIL, ST_UNAVAILABLE, "HTTP %ld from %s%s%s",
		    s, a->url, sep, detail);
	}
}

void
mockaroo_decide(const struct fetch_answer *a, struct fetch_verdict *v)
{
	char text[ERROR_TEXT_MAX];
	bool ok = a->status >= 200 && a->status < 300;

	if (a->curl_code != CURLE_OK || a->too_large) {
		decide_transfer_failure(a, v);
		return;
	}
	if (mockaroo_error_text(a->body, a->len, ok, text, sizeof(text))) {
		if (contains_nocase(text, "invalid api key")) {
			verdict(v, FETCH_STOP, ST_NOPERM,
			    "HTTP %ld from %s: %s (check the API key)",
			    a->status, a->url, text);
			return;
		}
		if (contains_nocase(text, "limited")) {
			verdict(v, FETCH_STOP, ST_TEMPFAIL,
			    "daily quota reached: %s (HTTP %ld)", text,
			    a->status);
			return;
		}
		if (ok) {
			verdict(v, FETCH_FAIL, ST_DATA, "HTTP %ld from %s: %s",
			    a->status, a->url, text);
			return;
		}
	}
	if (ok) {
		verdict(v, FETCH_DELIVER, ST_OK, "HTTP %ld", a->status);
		return;
	}
	answer_detail(a, text, sizeof(text));
	decide_status(a, text, v);
}

/* ---- the transfers ---- */

enum request_state { REQ_WAITING, REQ_RUNNING, REQ_DONE };

struct request {
	size_t index;
	enum request_state state;
	long attempt;	  /* attempts started so far */
	long long due_ms; /* not before, when waiting */
	long long started_ms;
	CURL *easy; /* while running */
	struct http_result res;
};

struct fetch_source {
	CURLM *multi;
	struct curl_slist *headers;
	struct buf url;		   /* may hold the key: never print */
	char shown[SHOWN_URL_MAX]; /* url, redacted */
	struct rng rng;
	struct retry_policy policy;
	bool tls; /* https: HTTP/2 may be offered */
};

/* One fetch: the requests and what became of them. */
struct run {
	struct fetch_source *fs;
	const struct config *cfg;
	struct request *req;
	size_t count;
	size_t running;
	size_t done;
	response_fn fn;
	void *arg;
	struct fetch_report *report;
	struct err *err;
	int first;	 /* status of the first failure */
	int stop_status; /* set once every other request stops */
	long long start_ms;
	long long deadline_ms;
	bool progress;	     /* the line is in use */
	bool progress_shown; /* and something is on it */
	long long progress_ms;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
progress_clear(struct run *r)
{
	if (!r->progress_shown)
		return;
	fputs("\r\033[K", stderr);
	(void)fflush(stderr);
	r->progress_shown = false;
}

static void
progress_draw(struct run *r, long long now)
{
	if (!r->progress)
		return;
	fprintf(stderr, "\r\033[Kfetching %zu/%zu \xc2\xb7 %.1f MB", r->done,
	    r->count, (double)r->report->bytes / 1e6);
	(void)fflush(stderr);
	r->progress_shown = true;
	r->progress_ms = now;
}

/* Records that request q failed for good, and why.  A stop outranks an
 * earlier single failure: it says why the rest never came. */
static void
request_fail(struct run *r, struct request *q, int status, const char *reason,
    bool stop)
{
	bool logged;

	q->state = REQ_DONE;
	r->done++;
	r->report->failed++;
	progress_clear(r);
	logged = r->stop_status == ST_OK || status != r->stop_status;
	if (logged)
		log_error("response %zu of %zu: %s", q->index + 1, r->count,
		    reason);
	else
		log_debug("response %zu of %zu: %s", q->index + 1, r->count,
		    reason);
	if (r->first == ST_OK || (stop && r->stop_status == ST_OK)) {
		r->first = status;
		err_set(r->err, status, "response %zu of %zu: %s", q->index + 1,
		    r->count, reason);
		r->err->logged = logged;
	}
}

/* After a stop, the requests not yet sent fail with it, unsent. */
static void
stop_waiting(struct run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->count; i++) {
		if (r->req[i].state != REQ_WAITING)
			continue;
		r->req[i].state = REQ_DONE;
		r->done++;
		r->report->failed++;
		n++;
	}
	if (n > 0)
		log_info("%zu more response%s not requested", n,
		    n == 1 ? "" : "s");
}

static void
request_release(struct run *r, struct request *q)
{
	if (q->easy != NULL) {
		curl_multi_remove_handle(r->fs->multi, q->easy);
		curl_easy_cleanup(q->easy);
		q->easy = NULL;
		r->running--;
	}
	buf_free(&q->res.body);
}

static int
request_start(struct run *r, struct request *q, long long now)
{
	long long left = r->deadline_ms - now;
	long long limit = r->cfg->timeout > 0 ? r->cfg->timeout * 1000LL : left;
	CURL *h;

	if ((h = http_easy_new(r->cfg)) == NULL)
		return -1;
	if (curl_easy_setopt(h, CURLOPT_URL, r->fs->url.data) != CURLE_OK) {
		curl_easy_cleanup(h);
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->fs->headers);
	curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)q);
	/* Over TLS, wait to learn whether the connection multiplexes
	 * (HTTP/2) rather than open one connection per stream; plain
	 * http:// is HTTP/1.1 here, so waiting would only serialise. */
	if (r->fs->tls)
		curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
	/* No transfer outlives the stage's deadline. */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    (long)(limit < left ? limit : left));
	q->res.max_body = r->cfg->max_response_bytes > 0 ?
	    (size_t)r->cfg->max_response_bytes :
	    0;
	http_easy_capture(h, &q->res);
	if (curl_multi_add_handle(r->fs->multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		return -1;
	}
	q->easy = h;
	q->state = REQ_RUNNING;
	q->attempt++;
	q->started_ms = now;
	r->running++;
	return 0;
}

/* Starts the due requests while slots are free.  Returns ST_OK, or
 * ST_TEMPFAIL when libcurl cannot take another transfer. */
static int
start_due(struct run *r, long long now)
{
	long concurrency = r->cfg->concurrency > 0 ? r->cfg->concurrency : 1;
	char why[128];
	size_t i;

	for (i = 0; i < r->count && r->running < (size_t)concurrency; i++) {
		struct request *q = &r->req[i];

		if (q->state != REQ_WAITING || q->due_ms > now)
			continue;
		if (now >= r->deadline_ms) {
			snprintf(why, sizeof(why),
			    "not sent: http.max_time (%ld s) ran out",
			    r->cfg->max_time);
			request_fail(r, q, ST_UNAVAILABLE, why, false);
			continue;
		}
		if (request_start(r, q, now) != 0) {
			request_fail(r, q, ST_TEMPFAIL,
			    "out of memory starting the request", true);
			r->stop_status = ST_TEMPFAIL;
			stop_waiting(r);
			return ST_TEMPFAIL;
		}
	}
	return ST_OK;
}

static void
deliver(struct run *r, struct request *q)
{
	struct err why;
	int status;

	why.msg[0] = '\0';
	r->report->bytes += q->res.body.len;
	status = r->fn(r->arg, q->index,
	    q->res.body.data ? q->res.body.data : "", q->res.body.len, &why);
	if (status == ST_OK) {
		q->state = REQ_DONE;
		r->done++;
		r->report->arrived++;
		return;
	}
	request_fail(r, q, status, why.msg, false);
}

/* Schedules another attempt, or fails the request when none fits. */
static void
retry_or_fail(struct run *r, struct request *q, const char *reason,
    long long now)
{
	char gave_up[FETCH_REASON_SIZE + 96];
	long wait_ms;

	if (r->stop_status != ST_OK) {
		request_fail(r, q, ST_UNAVAILABLE, reason, false);
		return;
	}
	wait_ms = retry_delay_ms(&r->fs->policy, q->attempt,
	    retry_after_ms(q->res.retry_after, time(NULL)),
	    rng_next(&r->fs->rng));
	if (!retry_allowed(&r->fs->policy, q->attempt, wait_ms, now,
		r->deadline_ms)) {
		snprintf(gave_up, sizeof(gave_up),
		    "%s, gave up after %ld attempt%s: http.max_time (%ld s) "
		    "would pass",
		    reason, q->attempt, plural(q->attempt), r->cfg->max_time);
		request_fail(r, q, ST_UNAVAILABLE, gave_up, false);
		return;
	}
	progress_clear(r);
	log_info("response %zu of %zu: %s; retrying in %.1f s (attempt %ld of "
		 "%ld)",
	    q->index + 1, r->count, reason, wait_ms / 1000.0, q->attempt + 1,
	    r->fs->policy.retries + 1);
	q->state = REQ_WAITING;
	q->due_ms = now + wait_ms;
	r->report->retries++;
}

static void
request_finished(struct run *r, struct request *q, CURLcode code)
{
	struct fetch_answer a;
	struct fetch_verdict v;
	long long now = now_ms();

	http_result_finish(q->easy, &q->res, code);
	memset(&a, 0, sizeof(a));
	a.status = q->res.status;
	a.body = q->res.body.data;
	a.len = q->res.body.len;
	a.curl_code = q->res.curl_code;
	a.curl_error = q->res.curl_error;
	a.too_large = q->res.too_large;
	a.max_bytes = r->cfg->max_response_bytes;
	a.url = r->fs->shown;
	a.attempt = q->attempt;
	a.retries = r->fs->policy.retries;
	mockaroo_decide(&a, &v);
	log_debug("response %zu of %zu: GET %s: HTTP %ld, %zu bytes, %.3f s, "
		  "attempt %ld%s%s",
	    q->index + 1, r->count, r->fs->shown, q->res.status,
	    q->res.body.len, (now - q->started_ms) / 1000.0, q->attempt,
	    code != CURLE_OK ? ": " : "",
	    code != CURLE_OK ? q->res.curl_error : "");

	curl_multi_remove_handle(r->fs->multi, q->easy);
	curl_easy_cleanup(q->easy);
	q->easy = NULL;
	r->running--;

	switch (v.action) {
	case FETCH_DELIVER:
		deliver(r, q);
		break;
	case FETCH_RETRY:
		retry_or_fail(r, q, v.reason, now);
		break;
	case FETCH_FAIL:
		request_fail(r, q, v.status, v.reason, false);
		break;
	case FETCH_STOP:
		request_fail(r, q, v.status, v.reason, true);
		if (r->stop_status == ST_OK) {
			r->stop_status = v.status;
			stop_waiting(r);
		}
		break;
	}
	buf_free(&q->res.body);
	progress_draw(r, now);
}

static void
drain_messages(struct run *r)
{
	struct request *q;
	CURLMsg *m;
	int left;
	char *priv;

	while ((m = curl_multi_info_read(r->fs->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		q = (struct request *)(void *)priv;
		request_finished(r, q, m->data.result);
	}
}

/* How long to let libcurl wait for sockets: until the next waiting
 * request is due, the deadline, or the next progress redraw. */
static long
poll_timeout(const struct run *r, long long now)
{
	long long t = r->deadline_ms - now;
	size_t i;

	/* A signal usually cuts the poll short; this bounds the wait when
	 * it lands just before the poll starts. */
	if (t > SIGNAL_CHECK_MS)
		t = SIGNAL_CHECK_MS;
	if (r->progress && t > PROGRESS_MS)
		t = PROGRESS_MS;
	/* With every slot taken, only a finished transfer can start the
	 * next request, and libcurl wakes us for that. */
	if (r->running >=
	    (size_t)(r->cfg->concurrency > 0 ? r->cfg->concurrency : 1))
		return (long)(t < 0 ? 0 : t);
	for (i = 0; i < r->count; i++)
		if (r->req[i].state == REQ_WAITING &&
		    r->req[i].due_ms - now < t)
			t = r->req[i].due_ms - now;
	if (t < 0)
		t = 0;
	return (long)t;
}

static bool
run_finished(const struct run *r)
{
	return r->done == r->count && r->running == 0;
}

/* Fails every request not done, aborting those in flight; returns how
 * many there were. */
static size_t
run_abandon(struct run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->count; i++) {
		if (r->req[i].state == REQ_DONE)
			continue;
		request_release(r, &r->req[i]);
		r->req[i].state = REQ_DONE;
		r->done++;
		r->report->failed++;
		n++;
	}
	return n;
}

/* A signal asked the run to stop: transfers in flight are aborted and
 * nothing more is sent; what arrived stays in the batch. */
static void
run_interrupt(struct run *r)
{
	size_t n = run_abandon(r);

	progress_clear(r);
	log_info("interrupted: %zu response%s not fetched", n, plural(n));
	if (r->first == ST_OK)
		r->first = err_set(r->err, ST_TEMPFAIL,
		    "interrupted by signal %d", interrupted());
}

static int
run_loop(struct run *r)
{
	long long now;
	int still;
	CURLMcode mc;

	while (!run_finished(r)) {
		if (interrupted()) {
			run_interrupt(r);
			break;
		}
		now = now_ms();
		if (r->stop_status == ST_OK && start_due(r, now) != ST_OK)
			continue;
		mc = curl_multi_perform(r->fs->multi, &still);
		if (mc != CURLM_OK)
			return err_set(r->err, ST_TEMPFAIL, "libcurl: %s",
			    curl_multi_strerror(mc));
		drain_messages(r);
		if (run_finished(r))
			break;
		now = now_ms();
		if (r->progress && now - r->progress_ms >= PROGRESS_MS)
			progress_draw(r, now);
		mc = curl_multi_poll(r->fs->multi, NULL, 0,
		    (int)poll_timeout(r, now), NULL);
		if (mc != CURLM_OK)
			return err_set(r->err, ST_TEMPFAIL, "libcurl: %s",
			    curl_multi_strerror(mc));
	}
	return ST_OK;
}

static void
log_summary(const struct run *r)
{
	const struct fetch_report *rep = r->report;

	log_info("fetched %zu of %zu responses from %s: %.1f MB, %zu retr%s, "
		 "%.2f s",
	    rep->arrived, r->count, r->fs->shown, (double)rep->bytes / 1e6,
	    rep->retries, rep->retries == 1 ? "y" : "ies",
	    (now_ms() - r->start_ms) / 1000.0);
}

static int
http_fetch(struct source *src, size_t count, response_fn fn, void *arg,
    struct fetch_report *report, struct err *err)
{
	struct fetch_source *fs = src->state;
	const struct config *cfg = src->cfg;
	struct run r;
	size_t i;
	int status;

	memset(&r, 0, sizeof(r));
	r.fs = fs;
	r.cfg = cfg;
	r.count = count;
	r.fn = fn;
	r.arg = arg;
	r.report = report;
	r.err = err;
	r.start_ms = now_ms();
	r.deadline_ms = r.start_ms +
	    (cfg->max_time > 0 ? cfg->max_time * 1000LL : 300000LL);
	r.progress = isatty(2) && !log_enabled(LOG_DEBUG) &&
	    cfg->log_format == LOG_FORMAT_TEXT;
	if (count == 0)
		return ST_OK;
	if ((r.req = calloc(count, sizeof(*r.req))) == NULL)
		return err_set(err, ST_TEMPFAIL,
		    "out of memory for %zu requests", count);
	for (i = 0; i < count; i++) {
		r.req[i].index = i;
		r.req[i].due_ms = r.start_ms;
	}
	progress_draw(&r, r.start_ms);
	if ((status = run_loop(&r)) != ST_OK) {
		run_abandon(&r);
		r.first = status;
	}
	progress_clear(&r);
	log_summary(&r);
	for (i = 0; i < count; i++)
		request_release(&r, &r.req[i]);
	free(r.req);
	return r.first;
}

/* ---- opening: the URL, the headers, the multi handle ---- */

static bool
url_has_key(const char *url)
{
	const char *q = strchr(url, '?');

	while (q != NULL) {
		q++;
		if (strncmp(q, "key=", 4) == 0)
			return true;
		q = strchr(q, '&');
	}
	return false;
}

static int
build_url(struct fetch_source *fs, const struct config *cfg, struct err *err)
{
	size_t i;

	if (buf_puts(&fs->url, cfg->url) != 0)
		goto nomem;
	for (i = 0; i < cfg->nparams; i++)
		if (http_append_query(&fs->url, cfg->params[i].name,
			cfg->params[i].value) != 0)
			goto nomem;
	if (cfg->key_in == KEY_IN_QUERY && cfg->api_key != NULL &&
	    http_append_query(&fs->url, "key", cfg->api_key) != 0)
		goto nomem;
	http_redact(fs->url.data, fs->shown, sizeof(fs->shown));
	return ST_OK;
nomem:
	return err_set(err, ST_TEMPFAIL, "out of memory building the URL");
}

static int
build_headers(struct fetch_source *fs, const struct config *cfg,
    struct err *err)
{
	struct curl_slist *l;
	struct buf line = BUF_INIT;
	int status = ST_OK;

	if (cfg->api_key != NULL &&
	    cfg->api_key[strcspn(cfg->api_key, "\r\n")] != '\0')
		return err_set(err, ST_CONFIG,
		    "the API key has a line break in it (is the key file more "
		    "than one line?)");
	if ((l = curl_slist_append(NULL, "Accept: application/json")) == NULL)
		goto nomem;
	fs->headers = l;
	if (cfg->key_in == KEY_IN_HEADER && cfg->api_key != NULL) {
		if (buf_printf(&line, "X-API-Key: %s", cfg->api_key) != 0 ||
		    (l = curl_slist_append(fs->headers, line.data)) == NULL)
			goto nomem;
		fs->headers = l;
	}
	goto out;
nomem:
	status = err_set(err, ST_TEMPFAIL,
	    "out of memory building the request headers");
out:
	/* The key's copy in line is wiped, not just freed. */
	if (line.data != NULL)
		memset(line.data, 0, line.len);
	buf_free(&line);
	return status;
}

static void
http_close(struct source *src)
{
	struct fetch_source *fs = src->state;

	if (fs == NULL)
		return;
	if (fs->multi != NULL)
		curl_multi_cleanup(fs->multi);
	curl_slist_free_all(fs->headers);
	if (fs->url.data != NULL)
		memset(fs->url.data, 0, fs->url.len);
	buf_free(&fs->url);
	free(fs);
	src->state = NULL;
	http_global_cleanup();
}

static int
http_open(struct source *src, struct err *err)
{
	const struct config *cfg = src->cfg;
	struct fetch_source *fs;
	uint64_t seed;
	long conc = cfg->concurrency > 0 ? cfg->concurrency : 1;
	int status;
	char shown[SHOWN_URL_MAX];

	if ((cfg->api_key == NULL || cfg->api_key[0] == '\0') &&
	    !url_has_key(cfg->url)) {
		http_redact(cfg->url, shown, sizeof(shown));
		return err_set(err, ST_CONFIG,
		    "no API key for %s: set COLLECTOR_API_KEY, or name a key "
		    "file with --api-key-file or COLLECTOR_API_KEY_FILE",
		    shown);
	}
	if ((status = http_global_init(err)) != ST_OK)
		return status;
	if ((fs = calloc(1, sizeof(*fs))) == NULL) {
		http_global_cleanup();
		return err_set(err, ST_TEMPFAIL, "out of memory");
	}
	src->state = fs;
	fs->policy.retries = cfg->retries >= 0 ? cfg->retries : 0;
	fs->policy.base_ms = RETRY_BASE_MS;
	fs->policy.cap_ms = RETRY_CAP_MS;
	if (os_random(&seed, sizeof(seed)) != 0)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng_seed(&fs->rng, seed);
	fs->tls = strncmp(cfg->url, "https://", 8) == 0;
	if ((status = build_url(fs, cfg, err)) != ST_OK ||
	    (status = build_headers(fs, cfg, err)) != ST_OK)
		goto fail;
	if ((fs->multi = curl_multi_init()) == NULL) {
		status = err_set(err, ST_TEMPFAIL,
		    "out of memory creating a libcurl multi handle");
		goto fail;
	}
	curl_multi_setopt(fs->multi, CURLMOPT_PIPELINING,
	    (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(fs->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
	curl_multi_setopt(fs->multi, CURLMOPT_MAXCONNECTS, conc);
	return ST_OK;
fail:
	http_close(src);
	return status;
}

const struct source_ops
    fetch_http_ops = { "http", http_open, http_fetch, http_close };
