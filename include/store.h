/*
 * store.h - what the remote object stores (Supabase Storage, S3) share.
 *
 * Each store's answer is reduced to one outcome by a pure classifier of
 * its own (supabase_classify, s3_classify); what an outcome means for the
 * run, its exit status and its message, is decided once, here.  So is the
 * loop that repeats a request under the retry policy (retry.h) and
 * recognises, after a retry, an earlier attempt that landed.
 *
 * All but the last section is pure code.  Functions never keep the
 * pointers they are given; functions writing to a struct buf append and
 * return 0, or -1 when memory runs out.
 */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "retry.h"
#include "status.h"

enum store_outcome {
	STORE_STORED,	   /* the object landed */
	STORE_DUPLICATE,   /* the key is taken (409, 412) */
	STORE_NO_BUCKET,   /* the bucket does not exist */
	STORE_NOT_FOUND,   /* nothing at that URL or key */
	STORE_DENIED,	   /* credentials wrong or not allowed */
	STORE_TOO_LARGE,   /* the object is above the store's limit */
	STORE_INVALID_KEY, /* the store refused the key's characters */
	STORE_TRANSIENT,   /* worth another attempt */
	STORE_REFUSED	   /* any other permanent refusal */
};

/* One answer, reduced. */
struct store_answer {
	enum store_outcome outcome;
	long status;	   /* the effective status: the envelope's, or
				 * the HTTP one */
	char code[64];	   /* the store's error code, e.g.
				 * "NoSuchBucket", or "" */
	char message[256]; /* the store's message, printable, or "" */
};

/* What a message about one put needs to name. */
struct store_context {
	const char *service; /* "supabase storage", "s3" */
	const char *where;   /* the store's base URL, safe to print */
	const char *bucket;
	const char *key;
	size_t size;   /* bytes in the object */
	long attempts; /* requests made for it */
	int replay;    /* an earlier run may have stored it */
};

/*
 * The status and message for a final answer that is not STORE_STORED
 * (a duplicate here is one on a first attempt of a new object: another
 * writer's).  Transient outcomes arrive here once retries are exhausted
 * and end as ST_UNAVAILABLE.
 */
int store_answer_status(const struct store_answer *a,
    const struct store_context *ctx, struct err *err);

/*
 * After a duplicate answer on a retry: our earlier attempt landed when
 * the stored object has our size.  stored_size < 0 means the store
 * could not tell.  Returns ST_OK or ST_CANTCREATE with err set.
 */
int store_duplicate_verdict(const struct store_context *ctx,
    long long stored_size, struct err *err);

/* Copies text into out (outsz > 0) keeping printable ASCII, each other
 * byte as '?', cut to fit. */
void store_printable(char *out, size_t outsz, const char *text, size_t len);

/* The Cache-Control value for upload.cache_control: "3600" means
 * "max-age=3600", as Supabase's clients send it; anything else is the
 * header's value as written; "" when unset. */
void store_cache_control(const char *setting, char *out, size_t outsz);

/* Appends the standard base64 (RFC 4648, padded) of data to out. */
int store_base64(struct buf *out, const void *data, size_t len);

/* Reduces an HTTP answer (status and body) to an outcome. */
typedef void (*store_classify_fn)(long http_status, const char *body,
    size_t len, struct store_answer *a);

/* Reduces a finished transfer: a transport failure is transient or not
 * as retry.h says; an answer is for classify to judge. */
void store_answer_of(const struct http_result *res, store_classify_fn classify,
    struct store_answer *a);

/* "HTTP 503", "HTTP 503 SlowDown", "HTTP 400 (statusCode 500)" or the
 * transport error, for messages about retries. */
const char *store_describe(const struct http_result *res,
    const struct store_answer *a, char *out, size_t outsz);

/* ---- repeating requests: waits, and I/O through the callbacks ---- */

/* The retry policy of one put, from http.retries and http.max_time. */
struct store_retry {
	struct retry_policy policy;
	long long deadline_ms; /* on store_now_ms()'s clock */
};

/* Milliseconds on the monotonic clock. */
long long store_now_ms(void);

void store_retry_init(struct store_retry *r, const struct config *cfg);

/*
 * After a transient answer to attempt `attempt` (1 = the first retry
 * follows): waits as the policy says, honouring Retry-After, and returns
 * 1; or returns 0 at once when no retry fits.  Logs the wait, naming
 * where and what went wrong.
 */
int store_backoff(const struct store_retry *r, long attempt,
    const struct http_result *res, const struct store_answer *a,
    const char *where);

struct upload_report;

/* ST_TEMPFAIL, "interrupted by signal N": a signal asked the run to
 * stop. */
int store_interrupted(struct err *err);

/* One sink's way of making one request and checking what it stored. */
struct store_request_ops {
	/* Performs the request once into res, a transport failure in
	 * res->curl_code; returns ST_OK unless it cannot be set up. */
	int (*perform)(void *arg, struct http_result *res, struct err *err);
	store_classify_fn classify;
	/* The stored size of key, or -1 when the store cannot tell. */
	long long (*stored_size)(void *arg, const char *key);
	void *arg;
	/* A "not found" after a retry also means an earlier attempt
	 * landed (a multipart completion whose upload is gone). */
	int not_found_means_landed;
};

/*
 * Sends a request until its answer is final: transient faults are
 * retried under r, each retry counted in report->retries.  A duplicate
 * after a retry, or for a replayed object (ctx->replay), means an
 * earlier attempt may have landed: ctx->key's stored size decides
 * (store_duplicate_verdict).  A signal (interrupt.h) ends the loop with
 * ST_TEMPFAIL.  res holds the last answer (its body, for the caller to
 * read); ctx->attempts counts the requests.
 */
int store_send(const struct store_request_ops *ops, const struct store_retry *r,
    struct store_context *ctx, struct upload_report *report,
    struct http_result *res, struct err *err);

#endif
