/*
 * supabase.c - the Supabase Storage sink, over its REST API.
 *
 * One batch is one POST /storage/v1/object/{bucket}/{key} with x-upsert:
 * false, so a collision never overwrites data.  That refusal is also how
 * a retry learns that an earlier attempt landed although its answer was
 * lost: a duplicate on a retry is checked against our size and counted
 * as success.  Batches above upload.resumable_threshold go up with the
 * resumable (TUS 1.0.0) protocol in 6 MiB chunks.
 *
 * The service key travels only in the Authorization and apikey headers,
 * never in a URL or a message.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http.h"
#include "interrupt.h"
#include "log.h"
#include "naming.h"
#include "store.h"
#include "supabase.h"
#include "upload.h"

#define SERVICE "supabase storage"

/* ---- pure: answers ------------------------------------------------ */

/* A member that holds a whole number >= 0, as a number or as a string
 * (the envelope's statusCode is a string in practice, sizes vary); -1
 * when it is absent or anything else. */
static long long
number_member(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0 ?
		    (long long)json_integer_value(v) :
		    -1;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || n < 0)
		return -1;
	return n;
}

static void
copy_member(json_t *root, const char *name, char *out, size_t outsz)
{
	json_t *v = json_object_get(root, name);

	if (json_is_string(v))
		store_printable(out, outsz, json_string_value(v),
		    json_string_length(v));
}

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* The outcome of an effective status, with the envelope's words to tell
 * apart what shares a status. */
static enum store_outcome
outcome_of(long status, const struct store_answer *a)
{
	if (status >= 200 && status < 300)
		return STORE_STORED;
	if (retry_transient_http(status))
		return STORE_TRANSIENT;
	switch (status) {
	case 409:
		return STORE_DUPLICATE;
	case 404:
		/* A missing object (info) or a missing bucket (upload). */
		if (strcmp(a->code, "NoSuchBucket") == 0 ||
		    contains_nocase(a->message, "bucket not found"))
			return STORE_NO_BUCKET;
		return STORE_NOT_FOUND;
	case 401:
	case 403:
		return STORE_DENIED;
	case 413:
		return STORE_TOO_LARGE;
	case 400:
		if (strcmp(a->code, "InvalidKey") == 0 ||
		    contains_nocase(a->message, "invalid key"))
			return STORE_INVALID_KEY;
		/* "headers must have required property 'authorization'" */
		if (contains_nocase(a->message, "authorization"))
			return STORE_DENIED;
		return STORE_REFUSED;
	default:
		return STORE_REFUSED;
	}
}

void
supabase_classify(long http_status, const char *body, size_t len,
    struct store_answer *a)
{
	json_t *root = NULL;
	long status = -1;

	memset(a, 0, sizeof(*a));
	if (body != NULL && len > 0)
		root = json_loadb(body, len, 0, NULL);
	if (json_is_object(root)) {
		status = (long)number_member(root, "statusCode");
		copy_member(root, "code", a->code, sizeof(a->code));
		copy_member(root, "message", a->message, sizeof(a->message));
		if (a->message[0] == '\0')
			copy_member(root, "error", a->message,
			    sizeof(a->message));
	}
	json_decref(root);
	/* The gateway's own errors (502, 503, 504) and real 5xx carry no
	 * envelope, and an envelope never turns a success into an error,
	 * nor an error into a success: that would drop a batch as landed. */
	if (status < 0 || (http_status >= 200 && http_status < 300) ||
	    (status >= 200 && status < 300))
		status = http_status;
	a->status = status;
	a->outcome = outcome_of(status, a);
}

long long
supabase_info_size(const char *body, size_t len)
{
	json_t *root, *meta;
	long long size = -1;

	if (body == NULL || len == 0 ||
	    (root = json_loadb(body, len, 0, NULL)) == NULL)
		return -1;
	if (json_is_object(root)) {
		size = number_member(root, "size");
		meta = json_object_get(root, "metadata");
		if (size < 0 && json_is_object(meta))
			size = number_member(meta, "size");
		if (size < 0 && json_is_object(meta))
			size = number_member(meta, "contentLength");
	}
	json_decref(root);
	return size;
}

static int
tus_pair(struct buf *out, const char *name, const char *value)
{
	if (out->len > 0 && buf_puts(out, ",") != 0)
		return -1;
	if (buf_puts(out, name) != 0 || buf_puts(out, " ") != 0)
		return -1;
	return store_base64(out, value, strlen(value));
}

int
supabase_tus_metadata(struct buf *out, const char *bucket, const char *key,
    const char *content_type, const char *cache_control)
{
	size_t before = out->len;

	if (tus_pair(out, "bucketName", bucket) != 0 ||
	    tus_pair(out, "objectName", key) != 0 ||
	    tus_pair(out, "contentType", content_type) != 0 ||
	    (cache_control != NULL &&
		tus_pair(out, "cacheControl", cache_control) != 0)) {
		buf_truncate(out, before);
		return -1;
	}
	return 0;
}

/* ---- I/O ------------------------------------------------------------ */

struct supabase {
	const struct config *cfg;
	struct buf base;	 /* {project_url}/storage/v1 */
	char shown[512];	 /* base, safe to print */
	struct curl_slist *auth; /* Authorization and apikey */
	char cache_control[128]; /* the header's value, or "" */
};

/* The response headers the resumable protocol and the size check
 * read. */
struct reply_headers {
	char location[1024];	  /* "" when absent */
	long long upload_offset;  /* -1 when absent */
	long long content_length; /* -1 when absent */
};

/* One request: what to send, and what to add to the headers. */
struct request {
	const char *method; /* GET, HEAD, POST, PATCH */
	const char *url;
	const char *body;
	size_t len;
	struct curl_slist *headers;  /* besides auth; may be NULL */
	struct reply_headers *reply; /* filled when not NULL */
};

/* Appends headers to list; returns the list, or NULL (list freed) when
 * memory runs out. */
static struct curl_slist *
header_add(struct curl_slist *list, const char *line)
{
	struct curl_slist *l = curl_slist_append(list, line);

	if (l == NULL)
		curl_slist_free_all(list);
	return l;
}

static long long
header_number(CURL *h, const char *name)
{
	struct curl_header *hd;
	char *end;
	long long n;

	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
		return -1;
	errno = 0;
	n = strtoll(hd->value, &end, 10);
	if (end == hd->value || *end != '\0' || errno != 0 || n < 0)
		return -1;
	return n;
}

static void
read_reply_headers(CURL *h, struct reply_headers *r)
{
	struct curl_header *hd;
	curl_off_t cl = -1;

	r->location[0] = '\0';
	if (curl_easy_header(h, "Location", 0, CURLH_HEADER, -1, &hd) ==
	    CURLHE_OK)
		snprintf(r->location, sizeof(r->location), "%s", hd->value);
	r->upload_offset = header_number(h, "Upload-Offset");
	r->content_length = -1;
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
		CURLE_OK &&
	    cl >= 0)
		r->content_length = (long long)cl;
}

/*
 * Performs one request; res holds the answer, or the transport error in
 * res->curl_code.  Fails only when the request cannot be set up.
 *
 * Every request gets a handle, and so a connection, of its own: libcurl
 * silently sends a request again when a reused connection dies before
 * any answer, and for an upload that landed that hidden resend would
 * turn our own object into a duplicate on a first attempt.  On a fresh
 * connection every resend is one of ours, counted and checked.
 */
static int
perform(struct supabase *s, const struct request *rq, struct http_result *res,
    struct err *err)
{
	struct curl_slist *headers = NULL, *p;
	CURL *h;
	CURLcode rc;
	int st = ST_OK;

	if ((h = http_easy_new(s->cfg)) == NULL)
		return err_set(err, ST_TEMPFAIL,
		    "out of memory creating a libcurl handle");
	for (p = s->auth; p != NULL; p = p->next)
		if ((headers = header_add(headers, p->data)) == NULL)
			goto nomem;
	for (p = rq->headers; p != NULL; p = p->next)
		if ((headers = header_add(headers, p->data)) == NULL)
			goto nomem;
	/* No 100-continue round trip: the body goes at once. */
	if ((headers = header_add(headers, "Expect:")) == NULL)
		goto nomem;
	if (curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK)
		goto nomem;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(rq->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    rq->body != NULL ? rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->len);
		if (strcmp(rq->method, "POST") != 0 &&
		    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) !=
			CURLE_OK)
			goto nomem;
	}
	http_easy_capture(h, res);
	res->max_body = (size_t)1024 * 1024;
	log_debug("%s %s (%zu bytes)", rq->method, rq->url, rq->len);
	rc = curl_easy_perform(h);
	http_result_finish(h, res, rc);
	if (rq->reply != NULL)
		read_reply_headers(h, rq->reply);
	if (rc == CURLE_OK)
		log_debug("%s %s: HTTP %ld", rq->method, rq->url, res->status);
	else
		log_debug("%s %s: %s", rq->method, rq->url, res->curl_error);
	goto out;
nomem:
	st = err_set(err, ST_TEMPFAIL, "out of memory building a request to %s",
	    s->shown);
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	return st;
}

/* Builds {base}/{prefix}{bucket}/{encoded key} into url. */
static int
object_url(struct supabase *s, struct buf *url, const char *prefix,
    const char *key)
{
	buf_truncate(url, 0);
	if (buf_append(url, s->base.data, s->base.len) != 0 ||
	    buf_puts(url, prefix) != 0 ||
	    http_append_key(url, s->cfg->bucket) != 0 ||
	    buf_puts(url, "/") != 0 || http_append_key(url, key) != 0)
		return -1;
	return 0;
}

/*
 * The stored size of key, from the info endpoint's JSON or, failing
 * that, from a HEAD's Content-Length; -1 when neither tells.
 */
static long long
stored_size(struct supabase *s, const char *key)
{
	struct http_result res = { 0 };
	struct reply_headers reply = { "", -1, -1 };
	struct buf url = BUF_INIT;
	struct request rq = { "GET", NULL, NULL, 0, NULL, NULL };
	struct err ignored;
	long long size = -1;

	if (object_url(s, &url, "/object/info/authenticated/", key) != 0)
		goto out;
	rq.url = url.data;
	if (perform(s, &rq, &res, &ignored) == ST_OK &&
	    res.curl_code == CURLE_OK && res.status == 200)
		size = supabase_info_size(res.body.data, res.body.len);
	if (size >= 0 ||
	    object_url(s, &url, "/object/authenticated/", key) != 0)
		goto out;
	rq.method = "HEAD";
	rq.url = url.data;
	rq.reply = &reply;
	if (perform(s, &rq, &res, &ignored) == ST_OK &&
	    res.curl_code == CURLE_OK && res.status == 200)
		size = reply.content_length;
out:
	http_result_free(&res);
	buf_free(&url);
	return size;
}

/* A request and its sink, for store_send()'s callbacks. */
struct call {
	struct supabase *s;
	const struct request *rq;
};

static int
call_perform(void *arg, struct http_result *res, struct err *err)
{
	struct call *c = arg;

	return perform(c->s, c->rq, res, err);
}

static long long
call_stored_size(void *arg, const char *key)
{
	struct call *c = arg;

	return stored_size(c->s, key);
}

/* Sends rq until its answer is final (store_send); a probe gets one
 * attempt. */
static int
send_request(struct supabase *s, const struct request *rq, int probe,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct call c = { s, rq };
	struct store_request_ops
	    ops = { call_perform, supabase_classify, call_stored_size, &c, 0 };
	struct http_result res = { 0 };
	struct store_retry r;
	int st;

	store_retry_init(&r, s->cfg);
	if (probe)
		r.policy.retries = 0;
	st = store_send(&ops, &r, ctx, report, &res, err);
	http_result_free(&res);
	return st;
}

/* One POST of the whole object; a probe overwrites (x-upsert: true). */
static int
put_simple(struct supabase *s, const struct object *obj, int probe,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct curl_slist *headers = NULL;
	struct buf url = BUF_INIT, line = BUF_INIT;
	struct request rq;
	int st;

	if (object_url(s, &url, "/object/", obj->key) != 0 ||
	    buf_printf(&line, "Content-Type: %s", obj->content_type) != 0 ||
	    (headers = header_add(NULL, line.data)) == NULL ||
	    (headers = header_add(headers,
		 probe ? "x-upsert: true" : "x-upsert: false")) == NULL) {
		st = err_set(err, ST_TEMPFAIL,
		    "out of memory building an upload request");
		goto out;
	}
	if (s->cache_control[0] != '\0') {
		buf_truncate(&line, 0);
		if (buf_printf(&line, "cache-control: %s", s->cache_control) !=
			0 ||
		    (headers = header_add(headers, line.data)) == NULL) {
			st = err_set(err, ST_TEMPFAIL,
			    "out of memory building an upload request");
			goto out;
		}
	}
	rq.method = "POST";
	rq.url = url.data;
	rq.body = obj->data;
	rq.len = obj->len;
	rq.headers = headers;
	rq.reply = NULL;
	st = send_request(s, &rq, probe, ctx, report, err);
	if (st == ST_OK)
		http_redact(url.data, report->where, sizeof(report->where));
out:
	curl_slist_free_all(headers);
	buf_free(&url);
	buf_free(&line);
	return st;
}

static void supabase_close(struct sink *sink);

static int
supabase_open(struct sink *sink, struct err *err)
{
	const struct config *cfg = sink->cfg;
	struct supabase *s;
	struct buf line = BUF_INIT;
	size_t n;
	int st = ST_OK;

	if (cfg->project_key == NULL || cfg->project_key[0] == '\0')
		return err_set(err, ST_CONFIG,
		    "supabase needs a service key: set project_key, "
		    "COLLECTOR_PROJECT_KEY(_FILE) or --project-key-file");
	if (strpbrk(cfg->project_key, "\r\n") != NULL)
		return err_set(err, ST_CONFIG,
		    "the supabase service key has a line break in it");
	if (cfg->bucket == NULL || cfg->bucket[0] == '\0')
		return err_set(err, ST_CONFIG, "supabase.bucketName is empty");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(err, ST_TEMPFAIL, "out of memory");
	sink->state = s;
	s->cfg = cfg;
	store_cache_control(cfg->cache_control, s->cache_control,
	    sizeof(s->cache_control));
	n = strlen(cfg->project_url);
	while (n > 0 && cfg->project_url[n - 1] == '/')
		n--;
	if (buf_append(&s->base, cfg->project_url, n) != 0)
		goto nomem;
	/* Tolerates a URL that already names the storage API. */
	if (n < 11 || strcmp(s->base.data + n - 11, "/storage/v1") != 0)
		if (buf_puts(&s->base, "/storage/v1") != 0)
			goto nomem;
	http_redact(s->base.data, s->shown, sizeof(s->shown));
	if (buf_printf(&line, "Authorization: Bearer %s", cfg->project_key) !=
		0 ||
	    (s->auth = header_add(NULL, line.data)) == NULL)
		goto nomem;
	buf_truncate(&line, 0);
	if (buf_printf(&line, "apikey: %s", cfg->project_key) != 0 ||
	    (s->auth = header_add(s->auth, line.data)) == NULL)
		goto nomem;
	goto out;
nomem:
	st = err_set(err, ST_TEMPFAIL, "out of memory setting up %s", SERVICE);
	supabase_close(sink);
out:
	if (line.data != NULL)
		memset(line.data, 0, line.cap);
	buf_free(&line);
	return st;
}

/* ---- resumable (TUS 1.0.0) ----------------------------------------- */

/* The upload's URL below our own base: whatever host or prefix a proxy
 * put into Location, the service key goes only where project_url
 * points. */
static int
tus_upload_url(struct supabase *s, const char *location, struct buf *url)
{
	static const char marker[] = "/upload/resumable/";
	const char *id = strstr(location, marker);

	if (id == NULL || id[sizeof(marker) - 1] == '\0')
		return -1;
	id += sizeof(marker) - 1;
	buf_truncate(url, 0);
	if (buf_append(url, s->base.data, s->base.len) != 0 ||
	    buf_puts(url, marker) != 0 || buf_puts(url, id) != 0)
		return -1;
	return 0;
}

/* Creates the upload; on success url holds where its chunks go, or is
 * empty when a retried creation found the whole object already there
 * (verified by size). */
static int
tus_create(struct supabase *s, const struct object *obj,
    struct store_context *ctx, struct upload_report *report, struct buf *url,
    struct err *err)
{
	struct curl_slist *headers = NULL;
	struct reply_headers reply = { "", -1, -1 };
	struct buf create = BUF_INIT, line = BUF_INIT;
	struct request rq = { "POST", NULL, NULL, 0, NULL, &reply };
	int st;

	if (buf_printf(&create, "%s/upload/resumable", s->base.data) != 0 ||
	    buf_printf(&line, "Upload-Length: %zu", obj->len) != 0 ||
	    (headers = header_add(NULL, line.data)) == NULL)
		goto nomem;
	buf_truncate(&line, 0);
	if (buf_puts(&line, "Upload-Metadata: ") != 0 ||
	    supabase_tus_metadata(&line, s->cfg->bucket, obj->key,
		obj->content_type,
		s->cache_control[0] != '\0' ? s->cache_control : NULL) != 0 ||
	    (headers = header_add(headers, line.data)) == NULL ||
	    (headers = header_add(headers, "Tus-Resumable: 1.0.0")) == NULL ||
	    (headers = header_add(headers, "x-upsert: false")) == NULL)
		goto nomem;
	rq.url = create.data;
	rq.headers = headers;
	reply.location[0] = '\0';
	if ((st = send_request(s, &rq, 0, ctx, report, err)) != ST_OK)
		goto out;
	buf_truncate(url, 0);
	if (reply.location[0] == '\0' && ctx->attempts > 1)
		goto out;
	if (tus_upload_url(s, reply.location, url) != 0)
		st = err_set(err, ST_UNAVAILABLE,
		    "%s at %s created a resumable upload without a usable "
		    "Location",
		    SERVICE, s->shown);
	goto out;
nomem:
	st = err_set(err, ST_TEMPFAIL,
	    "out of memory building a resumable upload request");
out:
	curl_slist_free_all(headers);
	buf_free(&create);
	buf_free(&line);
	return st;
}

/* One PATCH of the chunk at offset, or, with offset < 0, a HEAD asking
 * the server where to go on from. */
static int
tus_step(struct supabase *s, const struct object *obj, const char *url,
    long long offset, struct http_result *res, struct reply_headers *reply,
    struct err *err)
{
	struct curl_slist *headers = NULL;
	struct request rq = { "HEAD", url, NULL, 0, NULL, reply };
	char line[64];
	size_t n;
	int st;

	if ((headers = header_add(NULL, "Tus-Resumable: 1.0.0")) == NULL)
		goto nomem;
	if (offset >= 0) {
		n = obj->len - (size_t)offset;
		if (n > SUPABASE_TUS_CHUNK)
			n = SUPABASE_TUS_CHUNK;
		snprintf(line, sizeof(line), "Upload-Offset: %lld", offset);
		if ((headers = header_add(headers, line)) == NULL ||
		    (headers = header_add(headers,
			 "Content-Type: application/offset+octet-stream")) ==
			NULL)
			goto nomem;
		rq.method = "PATCH";
		rq.body = obj->data + offset;
		rq.len = n;
	}
	rq.headers = headers;
	st = perform(s, &rq, res, err);
	curl_slist_free_all(headers);
	return st;
nomem:
	return err_set(err, ST_TEMPFAIL,
	    "out of memory building a resumable upload request");
}

/*
 * Sends the chunks in order.  After a failed chunk the server's offset
 * (HEAD) says where to go on; an upload that is gone once every byte
 * may have arrived is checked against the stored object's size.
 */
static int
tus_send(struct supabase *s, const struct object *obj, const char *url,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct http_result res = { 0 };
	struct reply_headers reply = { "", -1, -1 };
	struct store_answer a;
	struct store_retry r;
	long long offset = 0;
	long failures = 0;
	int st, head;

	store_retry_init(&r, s->cfg);
	while (offset != (long long)obj->len) {
		head = offset < 0;
		ctx->attempts++;
		if ((st = tus_step(s, obj, url, offset, &res, &reply, err)) !=
		    ST_OK)
			goto out;
		store_answer_of(&res, supabase_classify, &a);
		if (interrupted()) {
			st = store_interrupted(err);
			goto out;
		}
		if (a.outcome == STORE_STORED && reply.upload_offset >= 0 &&
		    reply.upload_offset <= (long long)obj->len) {
			if (!head)
				failures = 0;
			offset = reply.upload_offset;
			continue;
		}
		/* A bare 409 on a chunk is TUS's offset conflict. */
		if (a.outcome == STORE_DUPLICATE && a.code[0] == '\0' &&
		    !contains_nocase(a.message, "exists"))
			a.outcome = STORE_TRANSIENT;
		if ((head &&
			(a.outcome == STORE_NOT_FOUND || res.status == 410)) ||
		    (a.outcome == STORE_DUPLICATE &&
			(report->retries > 0 || ctx->replay))) {
			st = store_duplicate_verdict(ctx,
			    stored_size(s, obj->key), err);
			goto out;
		}
		if (a.outcome != STORE_TRANSIENT ||
		    !store_backoff(&r, ++failures, &res, &a, s->shown)) {
			st = res.curl_code != CURLE_OK &&
				a.outcome != STORE_TRANSIENT ?
			    err_set(err, ST_UNAVAILABLE, "%s at %s: %s",
				SERVICE, s->shown, a.message) :
			    store_answer_status(&a, ctx, err);
			goto out;
		}
		log_info("%s: resumable upload: asking where to go on",
		    s->shown);
		report->retries++;
		offset = -1;
	}
	st = ST_OK;
out:
	http_result_free(&res);
	return st;
}

static int
put_resumable(struct supabase *s, const struct object *obj,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct buf url = BUF_INIT, where = BUF_INIT;
	int st;

	log_info("uploading %zu bytes to %s in %zu byte chunks", obj->len,
	    s->shown, SUPABASE_TUS_CHUNK);
	if ((st = tus_create(s, obj, ctx, report, &url, err)) != ST_OK)
		goto out;
	if (url.len > 0 &&
	    (st = tus_send(s, obj, url.data, ctx, report, err)) != ST_OK)
		goto out;
	if (object_url(s, &where, "/object/", obj->key) != 0) {
		st = err_set(err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	http_redact(where.data, report->where, sizeof(report->where));
out:
	buf_free(&url);
	buf_free(&where);
	return st;
}

static void
context_of(struct supabase *s, const struct object *obj,
    struct store_context *ctx)
{
	ctx->service = SERVICE;
	ctx->where = s->shown;
	ctx->bucket = s->cfg->bucket;
	ctx->key = obj->key;
	ctx->size = obj->len;
	ctx->attempts = 0;
	ctx->replay = obj->replay;
}

static int
supabase_put(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	struct supabase *s = sink->state;
	struct store_context ctx;
	int st;

	if ((st = object_key_check(obj->key, err)) != ST_OK)
		return st;
	context_of(s, obj, &ctx);
	if (s->cfg->resumable_threshold > 0 &&
	    (long long)obj->len > s->cfg->resumable_threshold)
		return put_resumable(s, obj, &ctx, report, err);
	return put_simple(s, obj, 0, &ctx, report, err);
}

int
supabase_overwrite(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	struct supabase *s = sink->state;
	struct store_context ctx;
	int st;

	if ((st = object_key_check(obj->key, err)) != ST_OK)
		return st;
	context_of(s, obj, &ctx);
	return put_simple(s, obj, 1, &ctx, report, err);
}

static void
supabase_close(struct sink *sink)
{
	struct supabase *s = sink->state;
	struct curl_slist *p;

	if (s == NULL)
		return;
	/* The headers hold the service key. */
	for (p = s->auth; p != NULL; p = p->next)
		memset(p->data, 0, strlen(p->data));
	curl_slist_free_all(s->auth);
	buf_free(&s->base);
	free(s);
	sink->state = NULL;
}

const struct sink_ops
    supabase_ops = { "supabase", supabase_open, supabase_put, supabase_close };
