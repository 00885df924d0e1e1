/*
 * http.h - what fetch and upload share about libcurl.
 *
 * One place sets the options every transfer needs (User-Agent, timeouts,
 * a body size cap, no signals), captures bodies and headers, and builds
 * URLs with keys percent-encoded per path segment.  Secrets go into
 * headers built here and never into URLs that are logged: http_redact()
 * makes any URL safe to print.
 */
#ifndef COLLECTOR_HTTP_H
#define COLLECTOR_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"
#include "config.h"
#include "status.h"

#define HTTP_USER_AGENT "collector/" COLLECTOR_VERSION

/* What one transfer brought back.  The caller owns it and frees it with
 * http_result_free(); http_easy_capture() resets it for a new attempt. */
struct http_result {
	int curl_code; /* CURLE_OK when an answer came */
	char curl_error[CURL_ERROR_SIZE];
	long status; /* HTTP status, 0 if none */
	struct buf body;
	char retry_after[64];	/* the header's value, or "" */
	char content_type[128]; /* the header's value, or "" */
	size_t max_body;	/* a larger body aborts the transfer */
	int too_large;		/* set when max_body stopped it */
	int nomem;		/* memory ran out storing the body */
};

/* curl_global_init; returns ST_OK, ST_IO, or ST_TEMPFAIL when memory ran
 * out.  Calls nest: each init
 * is paired with one cleanup, and the last cleanup releases libcurl. */
int http_global_init(struct err *err);
void http_global_cleanup(void);

/* A new easy handle with the common options from cfg (User-Agent,
 * connect timeout, per-request timeout, low-speed abort, NOSIGNAL). */
CURL *http_easy_new(const struct config *cfg);

/* Points the handle's body and header callbacks at res and clears it. */
void http_easy_capture(CURL *h, struct http_result *res);

/* Reads status and curl_code into res after a transfer finished with
 * code. */
void http_result_finish(CURL *h, struct http_result *res, CURLcode code);

void http_result_free(struct http_result *res);

/* Appends key to out percent-encoding each path segment: everything but
 * unreserved characters (RFC 3986) is encoded, ':' included; '/' stays
 * as the separator.  Returns 0 or -1 (no memory). */
int http_append_key(struct buf *out, const char *key);

/* Appends "name=value" to url after '?' (the first parameter) or '&',
 * both percent-encoded as in http_append_key, '/' included.  Returns 0
 * or -1 (no memory), leaving url as it was. */
int http_append_query(struct buf *url, const char *name, const char *value);

/* Copies url into out with the value of any "key=" query parameter and
 * any userinfo replaced by "***" ("api_key=" and "apikey=" too).  out is
 * always NUL-terminated; a URL too long for it is cut short. */
void http_redact(const char *url, char *out, size_t outsz);

#endif
