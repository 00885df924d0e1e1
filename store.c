/*
 * store.c - what an object store's answer means for the run, and the
 * loop that repeats a request until the answer is final.
 *
 * Supabase Storage and S3 word their errors differently (a JSON envelope
 * inside HTTP 400, S3 XML with real statuses) but mean the same few
 * things; each classifier reduces its store's answer to an outcome and
 * this file turns the outcome into one exit status and one sentence.
 */

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "interrupt.h"
#include "log.h"
#include "retry.h"
#include "rng.h"
#include "store.h"
#include "upload.h"

void
store_printable(char *out, size_t outsz, const char *text, size_t len)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 1 < outsz; i++) {
		c = (unsigned char)text[i];
		out[o++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	out[o] = '\0';
}

/* ": message" when the store said something, else "". */
static const char *
said(const struct store_answer *a, char *out, size_t outsz)
{
	if (a->message[0] != '\0')
		snprintf(out, outsz, ": %s", a->message);
	else if (a->code[0] != '\0')
		snprintf(out, outsz, ": %s", a->code);
	else
		out[0] = '\0';
	return out;
}

int
store_answer_status(const struct store_answer *a,
    const struct store_context *ctx, struct err *err)
{
	char msg[300];

	switch (a->outcome) {
	case STORE_STORED:
		return ST_OK;
	case STORE_DUPLICATE:
		/* Our keys carry a fresh uuid: a first attempt can only
		 * collide with someone else's object. */
		return err_set(err, ST_CANTCREATE,
		    "object already exists: %s/%s (another writer used this "
		    "key)",
		    ctx->bucket, ctx->key);
	case STORE_NO_BUCKET:
		return err_set(err, ST_CONFIG,
		    "bucket \"%s\" does not exist at %s: create it or set "
		    "supabase.bucketName",
		    ctx->bucket, ctx->where);
	case STORE_NOT_FOUND:
		return err_set(err, ST_CONFIG,
		    "%s at %s answered %ld (not found) for bucket \"%s\"%s: "
		    "check the URL",
		    ctx->service, ctx->where, a->status, ctx->bucket,
		    said(a, msg, sizeof(msg)));
	case STORE_DENIED:
		return err_set(err, ST_NOPERM,
		    "%s at %s refused our credentials for bucket \"%s\" "
		    "(%ld%s%s)%s",
		    ctx->service, ctx->where, ctx->bucket, a->status,
		    a->code[0] ? " " : "", a->code, said(a, msg, sizeof(msg)));
	case STORE_TOO_LARGE:
		return err_set(err, ST_DATA,
		    "%s at %s refused a batch of %zu bytes as too large%s: "
		    "lower batch.max_size, or upload.resumable_threshold so "
		    "large batches go up in chunks",
		    ctx->service, ctx->where, ctx->size,
		    said(a, msg, sizeof(msg)));
	case STORE_INVALID_KEY:
		return err_set(err, ST_DATA,
		    "%s at %s refused the object key \"%s\"%s", ctx->service,
		    ctx->where, ctx->key, said(a, msg, sizeof(msg)));
	case STORE_TRANSIENT:
		/* No answer at all: the transport's words say what. */
		if (a->status == 0)
			return err_set(err, ST_UNAVAILABLE,
			    "%s at %s still failing after %ld attempt%s%s",
			    ctx->service, ctx->where, ctx->attempts,
			    ctx->attempts == 1 ? "" : "s",
			    said(a, msg, sizeof(msg)));
		return err_set(err, ST_UNAVAILABLE,
		    "%s at %s still failing after %ld attempt%s (last: "
		    "%ld%s%s)%s",
		    ctx->service, ctx->where, ctx->attempts,
		    ctx->attempts == 1 ? "" : "s", a->status,
		    a->code[0] ? " " : "", a->code, said(a, msg, sizeof(msg)));
	case STORE_REFUSED:
	default:
		return err_set(err, ST_CANTCREATE,
		    "%s at %s refused to store %s/%s (%ld%s%s)%s", ctx->service,
		    ctx->where, ctx->bucket, ctx->key, a->status,
		    a->code[0] ? " " : "", a->code, said(a, msg, sizeof(msg)));
	}
}

int
store_duplicate_verdict(const struct store_context *ctx, long long stored_size,
    struct err *err)
{
	if (stored_size < 0)
		return err_set(err, ST_CANTCREATE,
		    "object %s/%s already exists after a retry and %s at %s "
		    "cannot tell its size: it may be ours or another writer's",
		    ctx->bucket, ctx->key, ctx->service, ctx->where);
	if ((unsigned long long)stored_size != (unsigned long long)ctx->size)
		return err_set(err, ST_CANTCREATE,
		    "object %s/%s already exists with %lld bytes, ours has "
		    "%zu: another writer used this key",
		    ctx->bucket, ctx->key, stored_size, ctx->size);
	return ST_OK;
}

void
store_cache_control(const char *setting, char *out, size_t outsz)
{
	const char *p;

	out[0] = '\0';
	if (setting == NULL || setting[0] == '\0')
		return;
	for (p = setting; isdigit((unsigned char)*p); p++)
		continue;
	if (*p == '\0')
		snprintf(out, outsz, "max-age=%s", setting);
	else
		snprintf(out, outsz, "%s", setting);
}

int
store_base64(struct buf *out, const void *data, size_t len)
{
	static const char digits
	    [] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
		 "pqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	unsigned long v;
	size_t i;
	char q[4];

	if (buf_reserve(out, (len + 2) / 3 * 4) != 0)
		return -1;
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = digits[(v >> 18) & 63];
		q[1] = digits[(v >> 12) & 63];
		q[2] = (char)(i + 1 < len ? digits[(v >> 6) & 63] : '=');
		q[3] = (char)(i + 2 < len ? digits[v & 63] : '=');
		buf_append(out, q, 4);
	}
	return 0;
}

void
store_answer_of(const struct http_result *res, store_classify_fn classify,
    struct store_answer *a)
{
	if (res->curl_code == CURLE_OK) {
		classify(res->status, res->body.data, res->body.len, a);
		return;
	}
	memset(a, 0, sizeof(*a));
	a->outcome = retry_transient_curl(res->curl_code) ?
	    STORE_TRANSIENT :
	    STORE_REFUSED;
	store_printable(a->message, sizeof(a->message), res->curl_error,
	    strlen(res->curl_error));
}

const char *
store_describe(const struct http_result *res, const struct store_answer *a,
    char *out, size_t outsz)
{
	if (res->curl_code != CURLE_OK)
		snprintf(out, outsz, "%s", a->message);
	else if (a->status != res->status)
		snprintf(out, outsz, "HTTP %ld (statusCode %ld%s%s)",
		    res->status, a->status, a->code[0] ? " " : "", a->code);
	else
		snprintf(out, outsz, "HTTP %ld%s%s", res->status,
		    a->code[0] ? " " : "", a->code);
	return out;
}

/* ---- repeating requests ------------------------------------------- */

long long
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
store_retry_init(struct store_retry *r, const struct config *cfg)
{
	r->policy.retries = cfg->retries;
	r->policy.base_ms = RETRY_BASE_MS;
	r->policy.cap_ms = RETRY_CAP_MS;
	/* Without http.max_time, a day stands for "no deadline". */
	r->deadline_ms = store_now_ms() +
	    (cfg->max_time > 0 ? (long long)cfg->max_time : 86400) * 1000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !interrupted())
		continue;
}

int
store_backoff(const struct store_retry *r, long attempt,
    const struct http_result *res, const struct store_answer *a,
    const char *where)
{
	uint64_t draw = 0;
	long delay;
	char what[320];

	/* Without the CSPRNG the waits lose their spread, nothing else. */
	if (os_random(&draw, sizeof(draw)) != 0)
		draw = (uint64_t)store_now_ms();
	delay = retry_delay_ms(&r->policy, attempt,
	    retry_after_ms(res->retry_after, time(NULL)), draw);
	if (interrupted() ||
	    !retry_allowed(&r->policy, attempt, delay, store_now_ms(),
		r->deadline_ms))
		return 0;
	log_warning("%s: %s; retrying in %ld ms (retry %ld of %ld)", where,
	    store_describe(res, a, what, sizeof(what)), delay, attempt,
	    r->policy.retries);
	sleep_ms(delay);
	return !interrupted();
}

int
store_interrupted(struct err *err)
{
	return err_set(err, ST_TEMPFAIL, "interrupted by signal %d",
	    interrupted());
}

int
store_send(const struct store_request_ops *ops, const struct store_retry *r,
    struct store_context *ctx, struct upload_report *report,
    struct http_result *res, struct err *err)
{
	struct store_answer a;
	int st;

	for (ctx->attempts = 1;; ctx->attempts++) {
		if ((st = ops->perform(ops->arg, res, err)) != ST_OK)
			return st;
		store_answer_of(res, ops->classify, &a);
		if (a.outcome == STORE_STORED)
			return ST_OK;
		if (interrupted())
			return store_interrupted(err);
		if ((ctx->attempts > 1 || ctx->replay) &&
		    (a.outcome == STORE_DUPLICATE ||
			(a.outcome == STORE_NOT_FOUND &&
			    ops->not_found_means_landed))) {
			log_info("%s: %s/%s exists after a retry; checking its "
				 "size",
			    ctx->where, ctx->bucket, ctx->key);
			return store_duplicate_verdict(ctx,
			    ops->stored_size(ops->arg, ctx->key), err);
		}
		if (a.outcome != STORE_TRANSIENT ||
		    !store_backoff(r, ctx->attempts, res, &a, ctx->where))
			break;
		report->retries++;
	}
	if (interrupted())
		return store_interrupted(err);
	if (res->curl_code != CURLE_OK && a.outcome != STORE_TRANSIENT)
		return err_set(err, ST_UNAVAILABLE, "%s at %s: %s",
		    ctx->service, ctx->where, a.message);
	return store_answer_status(&a, ctx, err);
}
