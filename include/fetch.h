/*
 * fetch.h - what one Mockaroo answer means.
 *
 * The HTTP source (fetch.c, reached through source.h's fetch_http_ops)
 * runs the requests; mockaroo_decide() is the pure part that reads one
 * finished attempt and says whether to deliver the body, try again, give
 * up on that response, or stop every request still to come.  Error text
 * comes first and the status second, because Mockaroo documents its
 * messages but not its statuses (services.md):
 *
 *     "Invalid API Key"                 stop all, ST_NOPERM
 *     a message containing "limited"    stop all, ST_TEMPFAIL (daily quota)
 *     2xx, another lone "error" member  that response fails, ST_DATA
 *     2xx                               deliver
 *     401, 403                          stop all, ST_NOPERM
 *     404, 405, 410                     stop all, ST_CONFIG (no such route)
 *     1xx, 3xx                          stop all, ST_CONFIG (not followed)
 *     408, 425, 429, 500, 502-504, 544  retry, then ST_UNAVAILABLE
 *     other 4xx                         that response fails, ST_DATA
 *     other 5xx                         that response fails, ST_UNAVAILABLE
 *     transient curl results            retry, then ST_UNAVAILABLE
 *     a body over the cap               that response fails, ST_DATA
 *     no memory for the body            stop all, ST_TEMPFAIL
 *     other curl results                stop all (ST_CONFIG for a bad URL,
 *                                       else ST_UNAVAILABLE)
 *
 * "Stop all" is for faults every other request would meet too: sending
 * them would only spend quota.  Requests already in flight still finish
 * and count if they arrive.  The message is the "error" string of a JSON
 * object; in a 2xx body only when that is its one member, as a record
 * may have a field named "error".
 *
 * Pure code: no I/O; the pointers given are not kept.
 */
#ifndef COLLECTOR_FETCH_H
#define COLLECTOR_FETCH_H

#include <stddef.h>

enum fetch_action {
	FETCH_DELIVER, /* a 2xx body: hand it to the batch */
	FETCH_RETRY,   /* transient, and attempts remain */
	FETCH_FAIL,    /* this response fails for good */
	FETCH_STOP     /* this one fails, and so would the rest */
};

/* One finished attempt. */
struct fetch_answer {
	long status;	  /* HTTP status, 0 if none came */
	const char *body; /* may be NULL when len is 0 */
	size_t len;
	int curl_code;		/* CURLcode of the transfer */
	const char *curl_error; /* libcurl's message, or NULL */
	int too_large;		/* the body cap stopped the transfer */
	long long max_bytes;	/* that cap, for the message */
	const char *url;	/* redacted: safe to print */
	long attempt;		/* 1 for the first */
	long retries;		/* retries allowed after the first */
};

#define FETCH_REASON_SIZE 512

struct fetch_verdict {
	enum fetch_action action;
	int status;			/* the exit status for FAIL and STOP */
	char reason[FETCH_REASON_SIZE]; /* one sentence, no secrets */
};

void mockaroo_decide(const struct fetch_answer *a, struct fetch_verdict *v);

/*
 * Copies the message of a Mockaroo error body ({"error":"..."}) into out
 * and returns 1, or returns 0 when body is not one.  With strict set, the
 * object must have no other member: a 2xx answer that is one record with
 * a field named "error" is data, not an error.
 */
int mockaroo_error_text(const char *body, size_t len, int strict, char *out,
    size_t outsz);

#endif
