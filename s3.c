/*
 * s3.c - the S3-compatible sink (AWS S3, MinIO, Cloudflare R2,
 * Supabase's S3 endpoint).
 *
 * One batch is one PutObject, or a multipart upload above
 * upload.multipart_threshold.  libcurl signs each request (AWS Signature
 * Version 4); we supply x-amz-content-sha256 so the signature covers the
 * body, and the key goes into the URL encoded exactly once, the way the
 * signature covers it.  If-None-Match: * asks stores that support it to
 * refuse an existing key (412): a refusal on a retry of our own upload is
 * checked against our size, like Supabase's duplicates.  Stores that
 * ignore the header (s3rver, Supabase's S3 face) simply overwrite with
 * the same bytes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"
#include "naming.h"
#include "retry.h"
#include "s3.h"
#include "sha256.h"
#include "store.h"
#include "upload.h"

#define SERVICE "s3"

/* ---- pure: where objects go ---------------------------------------- */

static int
bucket_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len < 3 || len > 63)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
			name[i] == '-' || name[i] == '_'))
			return 0;
	return 1;
}

/* Copies text[0..len) into out[outsz] without trailing slashes. */
static int
copy_trimmed(char *out, size_t outsz, const char *text, size_t len)
{
	while (len > 0 && text[len - 1] == '/')
		len--;
	if (len >= outsz)
		return -1;
	memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Bucket and root from "s3://bucket/root". */
static int
parse_s3_url(const char *url, struct s3_target *t, struct err *err)
{
	const char *rest = url + 5;
	size_t len = strcspn(rest, "/?#");

	if (strpbrk(rest, "?#") != NULL)
		return err_set(err, ST_CONFIG,
		    "supabase.url \"%s\": an s3:// URL takes no query or "
		    "fragment",
		    url);
	if (!bucket_name_valid(rest, len))
		return err_set(err, ST_CONFIG,
		    "supabase.url \"%s\": \"%.*s\" is not an S3 bucket name (3 "
		    "to 63 of a-z, 0-9, '.', '-')",
		    url, (int)len, rest);
	memcpy(t->bucket, rest, len);
	t->bucket[len] = '\0';
	rest += len;
	if (strlen(rest) >= sizeof(t->root))
		return err_set(err, ST_CONFIG,
		    "supabase.url \"%s\": the path is too long", url);
	snprintf(t->root, sizeof(t->root), "%s", rest);
	return key_prefix_normalise(t->root, "supabase.url", err);
}

int
s3_target_resolve(const struct config *cfg, struct s3_target *t,
    struct err *err)
{
	const char *url = cfg->project_url;
	int st;

	memset(t, 0, sizeof(*t));
	snprintf(t->region, sizeof(t->region), "%s",
	    cfg->s3_region != NULL ? cfg->s3_region : "us-east-1");
	if (url != NULL && strncmp(url, "s3://", 5) == 0) {
		if ((st = parse_s3_url(url, t, err)) != ST_OK)
			return st;
	} else if (cfg->bucket == NULL ||
	    !bucket_name_valid(cfg->bucket, strlen(cfg->bucket)))
		return err_set(err, ST_CONFIG,
		    "supabase.bucketName \"%s\" is not an S3 bucket name (3 to "
		    "63 of a-z, 0-9, '.', '-')",
		    cfg->bucket != NULL ? cfg->bucket : "");
	else
		snprintf(t->bucket, sizeof(t->bucket), "%s", cfg->bucket);
	t->path_style = cfg->s3_path_style;
	if (cfg->s3_endpoint != NULL) {
		if (copy_trimmed(t->endpoint, sizeof(t->endpoint),
			cfg->s3_endpoint, strlen(cfg->s3_endpoint)) != 0)
			return err_set(err, ST_CONFIG,
			    "s3.endpoint is too long");
	} else if (url != NULL &&
	    (strncmp(url, "http://", 7) == 0 ||
		strncmp(url, "https://", 8) == 0)) {
		/* A Supabase project: its S3 face is path-style only. */
		if (copy_trimmed(t->endpoint, sizeof(t->endpoint) - 16, url,
			strlen(url)) != 0)
			return err_set(err, ST_CONFIG,
			    "supabase.url is too long");
		if (!ends_with(t->endpoint, "/storage/v1/s3"))
			strncat(t->endpoint,
			    ends_with(t->endpoint, "/storage/v1") ?
				"/s3" :
				"/storage/v1/s3",
			    sizeof(t->endpoint) - strlen(t->endpoint) - 1);
		t->path_style = true;
	} else
		snprintf(t->endpoint, sizeof(t->endpoint),
		    "https://s3.%s.amazonaws.com", t->region);
	if (strncmp(t->endpoint, "http://", 7) != 0 &&
	    strncmp(t->endpoint, "https://", 8) != 0)
		return err_set(err, ST_CONFIG,
		    "s3.endpoint \"%s\": expected an http:// or https:// URL",
		    t->endpoint);
	return ST_OK;
}

int
s3_object_url(struct buf *out, const struct s3_target *t, const char *key)
{
	const char *host = strstr(t->endpoint, "://") + 3;
	size_t before = out->len;
	int failed;

	if (t->path_style)
		failed = buf_printf(out, "%s/%s/", t->endpoint, t->bucket);
	else
		failed = buf_printf(out, "%.*s%s.%s/",
		    (int)(host - t->endpoint), t->endpoint, t->bucket, host);
	if (failed || http_append_key(out, key) != 0) {
		buf_truncate(out, before);
		return -1;
	}
	return 0;
}

/* ---- pure: answers --------------------------------------------------- */

static const char *
find_text(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

/* Decodes the five predefined entities; others stay as written. */
static size_t
xml_entity(const char *p, size_t len, char *c)
{
	static const struct {
		const char *name;
		char c;
	} entities[] = {
		{ "&amp;", '&' },
		{ "&lt;", '<' },
		{ "&gt;", '>' },
		{ "&quot;", '"' },
		{ "&apos;", '\'' },
	};
	size_t i, n;

	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		n = strlen(entities[i].name);
		if (len >= n && memcmp(p, entities[i].name, n) == 0) {
			*c = entities[i].c;
			return n;
		}
	}
	*c = '&';
	return 1;
}

int
s3_xml_text(const char *body, size_t len, const char *tag, char *out,
    size_t outsz)
{
	char open[72], close[72], c;
	const char *start, *end;
	size_t o = 0;

	if (body == NULL || outsz == 0)
		return -1;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((start = find_text(body, len, open)) == NULL)
		return -1;
	start += strlen(open);
	if ((end = find_text(start, len - (size_t)(start - body), close)) ==
	    NULL)
		return -1;
	while (start < end && o + 1 < outsz) {
		if (*start == '&')
			start += xml_entity(start, (size_t)(end - start), &c);
		else
			c = *start++;
		out[o++] = (char)((unsigned char)c >= 0x20 &&
			    (unsigned char)c < 0x7f ?
			c :
			'?');
	}
	out[o] = '\0';
	return 0;
}

static int
code_in(const char *code, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(code, *list) == 0)
			return 1;
	return 0;
}

/* The outcome an S3 error code names, or -1 when the code is unknown and
 * the status must decide. */
static int
outcome_of_code(const char *code)
{
	static const char *const denied[] = { "AccessDenied",
		"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken",
		"ExpiredToken", "TokenRefreshRequired",
		"AuthorizationHeaderMalformed", "InvalidSecurity",
		"AccountProblem", "AllAccessDisabled", "RequestTimeTooSkewed",
		"InvalidSignature", "MissingSecurityHeader", NULL };
	static const char *const transient[] = { "SlowDown", "InternalError",
		"ServiceUnavailable", "RequestTimeout", "OperationAborted",
		"ConditionalRequestConflict", "DatabaseTimeout", NULL };
	static const char
	    *const not_found[] = { "NoSuchKey", "NoSuchUpload", NULL };
	static const char
	    *const invalid_key[] = { "KeyTooLongError", "InvalidKey", NULL };

	if (strcmp(code, "PreconditionFailed") == 0)
		return STORE_DUPLICATE;
	if (strcmp(code, "NoSuchBucket") == 0)
		return STORE_NO_BUCKET;
	if (strcmp(code, "EntityTooLarge") == 0)
		return STORE_TOO_LARGE;
	if (code_in(code, denied))
		return STORE_DENIED;
	if (code_in(code, transient))
		return STORE_TRANSIENT;
	if (code_in(code, not_found))
		return STORE_NOT_FOUND;
	if (code_in(code, invalid_key))
		return STORE_INVALID_KEY;
	return -1;
}

static enum store_outcome
outcome_of_status(long status)
{
	if (status >= 200 && status < 300)
		return STORE_STORED;
	if (retry_transient_http(status))
		return STORE_TRANSIENT;
	switch (status) {
	case 401:
	case 403:
		return STORE_DENIED;
	case 404:
		return STORE_NOT_FOUND;
	case 412:
		return STORE_DUPLICATE;
	case 413:
		return STORE_TOO_LARGE;
	default:
		return STORE_REFUSED;
	}
}

void
s3_classify(long http_status, const char *body, size_t len,
    struct store_answer *a)
{
	int by_code = -1;

	memset(a, 0, sizeof(*a));
	a->status = http_status;
	/* CompleteMultipartUpload may fail after its 200 has been sent: the
	 * error then arrives in the body. */
	if (find_text(body != NULL ? body : "", body != NULL ? len : 0,
		"<Error>") != NULL &&
	    s3_xml_text(body, len, "Code", a->code, sizeof(a->code)) == 0) {
		s3_xml_text(body, len, "Message", a->message,
		    sizeof(a->message));
		by_code = outcome_of_code(a->code);
		if (by_code < 0 && http_status >= 200 && http_status < 300)
			by_code = STORE_REFUSED;
	}
	a->outcome = by_code >= 0 ?
	    (enum store_outcome)by_code :
	    outcome_of_status(http_status);
}

size_t
s3_part_size(size_t len)
{
	size_t part = S3_PART_SIZE;

	while ((len + part - 1) / part > S3_MAX_PARTS)
		part *= 2;
	return part;
}

int
s3_complete_body(struct buf *out, char *const *etags, size_t n)
{
	size_t before = out->len, i;
	int failed;

	failed = buf_puts(out, "<CompleteMultipartUpload>");
	for (i = 0; i < n && !failed; i++)
		failed = buf_printf(out,
		    "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
		    i + 1, etags[i]);
	if (failed || buf_puts(out, "</CompleteMultipartUpload>") != 0) {
		buf_truncate(out, before);
		return -1;
	}
	return 0;
}

/* ---- I/O ------------------------------------------------------------- */

struct s3 {
	const struct config *cfg;
	struct s3_target t;
	char sigv4[96];		 /* "aws:amz:REGION:s3" */
	char shown[1200];	 /* endpoint and bucket, to print */
	char cache_control[128]; /* the header's value, or "" */
};

/* One signed request. */
struct s3_request {
	const char *method; /* GET, HEAD, PUT, POST, DELETE */
	const char *url;
	const char *body;
	size_t len;
	const char *content_type; /* or NULL */
	int if_none_match;	  /* send If-None-Match: * */
	int cache_control;	  /* send upload.cache_control */
	int completes;		  /* completes a multipart upload */
	int probe;		  /* one attempt, overwriting */
	char etag[256];		  /* the answer's ETag, or "" */
	long long content_length; /* the answer's, or -1 */
};

static struct curl_slist *
header_add(struct curl_slist *list, const char *fmt, const char *value)
{
	struct curl_slist *l;
	char line[1024];

	snprintf(line, sizeof(line), fmt, value);
	if ((l = curl_slist_append(list, line)) == NULL)
		curl_slist_free_all(list);
	return l;
}

static struct curl_slist *
request_headers(struct s3 *s, const struct s3_request *rq)
{
	struct curl_slist *h = NULL;
	char hash[SHA256_HEX_LEN + 1];

	sha256_hex(rq->body != NULL ? rq->body : "", rq->len, hash);
	/* No "Expect:" to turn 100-continue off: libcurl would sign the
	 * empty header it never sends. */
	if ((h = header_add(h, "x-amz-content-sha256: %s", hash)) == NULL)
		return NULL;
	if (s->cfg->s3_session_token != NULL &&
	    (h = header_add(h, "x-amz-security-token: %s",
		 s->cfg->s3_session_token)) == NULL)
		return NULL;
	if (rq->content_type != NULL &&
	    (h = header_add(h, "Content-Type: %s", rq->content_type)) == NULL)
		return NULL;
	if (rq->if_none_match &&
	    (h = header_add(h, "%s", "If-None-Match: *")) == NULL)
		return NULL;
	if (rq->cache_control && s->cache_control[0] != '\0' &&
	    (h = header_add(h, "Cache-Control: %s", s->cache_control)) == NULL)
		return NULL;
	return h;
}

static void
read_reply(CURL *h, struct s3_request *rq)
{
	struct curl_header *hd;
	curl_off_t cl = -1;

	rq->etag[0] = '\0';
	if (curl_easy_header(h, "ETag", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK)
		snprintf(rq->etag, sizeof(rq->etag), "%s", hd->value);
	rq->content_length = -1;
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
		CURLE_OK &&
	    cl >= 0)
		rq->content_length = (long long)cl;
}

/*
 * Performs one signed request on a connection of its own (libcurl would
 * silently resend a request whose reused connection died, and an upload
 * that landed would then look like another writer's object).
 */
static int
perform(struct s3 *s, struct s3_request *rq, struct http_result *res,
    struct err *err)
{
	struct curl_slist *headers;
	CURL *h;
	CURLcode rc;

	if ((headers = request_headers(s, rq)) == NULL)
		return err_set(err, ST_TEMPFAIL,
		    "out of memory building a request to %s", s->shown);
	if ((h = http_easy_new(s->cfg)) == NULL) {
		curl_slist_free_all(headers);
		return err_set(err, ST_TEMPFAIL,
		    "out of memory creating a libcurl handle");
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	/* libcurl copies string options: each can run out of memory. */
	if (curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERNAME, s->cfg->s3_access_key_id) !=
		CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD,
		s->cfg->s3_secret_access_key) != CURLE_OK ||
	    ((strcmp(rq->method, "PUT") == 0 ||
		 strcmp(rq->method, "DELETE") == 0) &&
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) !=
		    CURLE_OK)) {
		curl_easy_cleanup(h);
		curl_slist_free_all(headers);
		return err_set(err, ST_TEMPFAIL,
		    "out of memory building a request to %s", s->shown);
	}
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(rq->method, "PUT") == 0 ||
	    strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    rq->body != NULL ? rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->len);
	}
	http_easy_capture(h, res);
	res->max_body = (size_t)1024 * 1024;
	log_debug("%s %s (%zu bytes)", rq->method, rq->url, rq->len);
	rc = curl_easy_perform(h);
	http_result_finish(h, res, rc);
	read_reply(h, rq);
	if (rc == CURLE_OK)
		log_debug("%s %s: HTTP %ld", rq->method, rq->url, res->status);
	else
		log_debug("%s %s: %s", rq->method, rq->url, res->curl_error);
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	return ST_OK;
}

/* The stored size of key (HEAD's Content-Length), or -1. */
static long long
stored_size(struct s3 *s, const char *key)
{
	struct http_result res = { 0 };
	struct s3_request rq;
	struct buf url = BUF_INIT;
	struct err ignored;
	long long size = -1;

	memset(&rq, 0, sizeof(rq));
	if (s3_object_url(&url, &s->t, key) != 0)
		goto out;
	rq.method = "HEAD";
	rq.url = url.data;
	if (perform(s, &rq, &res, &ignored) == ST_OK &&
	    res.curl_code == CURLE_OK && res.status == 200)
		size = rq.content_length;
out:
	http_result_free(&res);
	buf_free(&url);
	return size;
}

/* A request and its sink, for store_send()'s callbacks. */
struct call {
	struct s3 *s;
	struct s3_request *rq;
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

/*
 * Sends rq until its answer is final (store_send); a completion whose
 * upload is gone after a retry landed too.  body_out, when not NULL,
 * gets the answer's body.
 */
static int
send_request(struct s3 *s, struct s3_request *rq, struct store_context *ctx,
    struct upload_report *report, struct buf *body_out, struct err *err)
{
	struct call c = { s, rq };
	struct store_request_ops
	    ops = { call_perform, s3_classify, call_stored_size, &c, 0 };
	struct http_result res = { 0 };
	struct store_retry r;
	int st;

	ops.not_found_means_landed = rq->completes;
	store_retry_init(&r, s->cfg);
	if (rq->probe)
		r.policy.retries = 0;
	st = store_send(&ops, &r, ctx, report, &res, err);
	if (st == ST_OK && body_out != NULL &&
	    buf_append(body_out, res.body.data ? res.body.data : "",
		res.body.len) != 0)
		st = err_set(err, ST_TEMPFAIL, "out of memory");
	http_result_free(&res);
	return st;
}

/* One PutObject; a probe overwrites, in one attempt. */
static int
put_object(struct s3 *s, const struct object *obj, const char *url, int probe,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct s3_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = "PUT";
	rq.url = url;
	rq.body = obj->data;
	rq.len = obj->len;
	rq.content_type = obj->content_type;
	rq.if_none_match = !probe;
	rq.probe = probe;
	rq.cache_control = 1;
	return send_request(s, &rq, ctx, report, NULL, err);
}

/* Best effort: a multipart upload left open costs storage until the
 * bucket's lifecycle rules remove it. */
static void
abort_multipart(struct s3 *s, const char *url, const char *upload_id)
{
	struct http_result res = { 0 };
	struct s3_request rq;
	struct buf u = BUF_INIT;
	struct err ignored;

	memset(&rq, 0, sizeof(rq));
	if (buf_puts(&u, url) != 0 ||
	    http_append_query(&u, "uploadId", upload_id) != 0)
		goto out;
	rq.method = "DELETE";
	rq.url = u.data;
	if (perform(s, &rq, &res, &ignored) == ST_OK &&
	    (res.curl_code != CURLE_OK || res.status >= 300))
		log_warning("%s: could not abort multipart upload %s", s->shown,
		    upload_id);
out:
	http_result_free(&res);
	buf_free(&u);
}

static int
create_multipart(struct s3 *s, const struct object *obj, const char *url,
    struct store_context *ctx, struct upload_report *report, char *upload_id,
    size_t idsz, struct err *err)
{
	struct s3_request rq;
	struct buf u = BUF_INIT, body = BUF_INIT;
	int st;

	memset(&rq, 0, sizeof(rq));
	if (buf_puts(&u, url) != 0 ||
	    http_append_query(&u, "uploads", "") != 0) {
		st = err_set(err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	rq.method = "POST";
	rq.url = u.data;
	rq.content_type = obj->content_type;
	rq.cache_control = 1;
	if ((st = send_request(s, &rq, ctx, report, &body, err)) != ST_OK)
		goto out;
	if (s3_xml_text(body.data, body.len, "UploadId", upload_id, idsz) !=
		0 ||
	    upload_id[0] == '\0')
		st = err_set(err, ST_UNAVAILABLE,
		    "%s at %s started a multipart upload without an UploadId",
		    SERVICE, s->shown);
out:
	buf_free(&u);
	buf_free(&body);
	return st;
}

static int
put_parts(struct s3 *s, const struct object *obj, const char *url,
    const char *upload_id, char **etags, size_t nparts,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	struct s3_request rq;
	struct buf u = BUF_INIT;
	size_t part = s3_part_size(obj->len), i, off;
	char number[32];
	int st = ST_OK;

	for (i = 0; i < nparts && st == ST_OK; i++) {
		off = i * part;
		snprintf(number, sizeof(number), "%zu", i + 1);
		buf_truncate(&u, 0);
		if (buf_puts(&u, url) != 0 ||
		    http_append_query(&u, "partNumber", number) != 0 ||
		    http_append_query(&u, "uploadId", upload_id) != 0) {
			st = err_set(err, ST_TEMPFAIL, "out of memory");
			break;
		}
		memset(&rq, 0, sizeof(rq));
		rq.method = "PUT";
		rq.url = u.data;
		rq.body = obj->data + off;
		rq.len = obj->len - off < part ? obj->len - off : part;
		if ((st = send_request(s, &rq, ctx, report, NULL, err)) !=
		    ST_OK)
			break;
		if (rq.etag[0] == '\0' || (etags[i] = strdup(rq.etag)) == NULL)
			st = err_set(err, ST_UNAVAILABLE,
			    "%s at %s stored part %zu without an ETag", SERVICE,
			    s->shown, i + 1);
	}
	buf_free(&u);
	return st;
}

static int
complete_multipart(struct s3 *s, const char *url, const char *upload_id,
    char *const *etags, size_t nparts, struct store_context *ctx,
    struct upload_report *report, struct err *err)
{
	struct s3_request rq;
	struct buf u = BUF_INIT, doc = BUF_INIT;
	int st;

	memset(&rq, 0, sizeof(rq));
	if (buf_puts(&u, url) != 0 ||
	    http_append_query(&u, "uploadId", upload_id) != 0 ||
	    s3_complete_body(&doc, etags, nparts) != 0) {
		st = err_set(err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	rq.method = "POST";
	rq.url = u.data;
	rq.body = doc.data;
	rq.len = doc.len;
	rq.content_type = "application/xml";
	rq.if_none_match = 1;
	rq.completes = 1;
	st = send_request(s, &rq, ctx, report, NULL, err);
out:
	buf_free(&u);
	buf_free(&doc);
	return st;
}

static int
put_multipart(struct s3 *s, const struct object *obj, const char *url,
    struct store_context *ctx, struct upload_report *report, struct err *err)
{
	size_t part = s3_part_size(obj->len);
	size_t nparts = (obj->len + part - 1) / part, i;
	char upload_id[512], **etags;
	int st;

	log_info("uploading %zu bytes to %s in %zu parts", obj->len, s->shown,
	    nparts);
	if ((etags = calloc(nparts, sizeof(*etags))) == NULL)
		return err_set(err, ST_TEMPFAIL, "out of memory");
	if ((st = create_multipart(s, obj, url, ctx, report, upload_id,
		 sizeof(upload_id), err)) != ST_OK)
		goto out;
	if ((st = put_parts(s, obj, url, upload_id, etags, nparts, ctx, report,
		 err)) == ST_OK)
		st = complete_multipart(s, url, upload_id, etags, nparts, ctx,
		    report, err);
	if (st != ST_OK)
		abort_multipart(s, url, upload_id);
out:
	for (i = 0; i < nparts; i++)
		free(etags[i]);
	free(etags);
	return st;
}

/* Puts obj under the root; a probe overwrites in one PutObject. */
static int
put_under_root(struct s3 *s, const struct object *obj, int probe,
    struct upload_report *report, struct err *err)
{
	struct store_context ctx;
	struct buf key = BUF_INIT, url = BUF_INIT;
	int st;

	if (buf_printf(&key, "%s%s%s", s->t.root, s->t.root[0] ? "/" : "",
		obj->key) != 0 ||
	    s3_object_url(&url, &s->t, key.data) != 0) {
		st = err_set(err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	if ((st = object_key_check(key.data, err)) != ST_OK)
		goto out;
	ctx.service = SERVICE;
	ctx.where = s->shown;
	ctx.bucket = s->t.bucket;
	ctx.key = key.data;
	ctx.size = obj->len;
	ctx.attempts = 0;
	ctx.replay = obj->replay;
	if (!probe && s->cfg->multipart_threshold > 0 &&
	    (long long)obj->len > s->cfg->multipart_threshold)
		st = put_multipart(s, obj, url.data, &ctx, report, err);
	else
		st = put_object(s, obj, url.data, probe, &ctx, report, err);
	if (st == ST_OK)
		http_redact(url.data, report->where, sizeof(report->where));
out:
	buf_free(&key);
	buf_free(&url);
	return st;
}

static int
s3_put(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	return put_under_root(sink->state, obj, 0, report, err);
}

int
s3_overwrite(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	return put_under_root(sink->state, obj, 1, report, err);
}

static int
s3_open(struct sink *sink, struct err *err)
{
	const struct config *cfg = sink->cfg;
	struct s3 *s;
	char endpoint[1024];
	int st;

	if (cfg->s3_access_key_id == NULL || cfg->s3_secret_access_key == NULL)
		return err_set(err, ST_CONFIG,
		    "s3 needs credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, or --s3-credentials-file");
	if (strchr(cfg->s3_access_key_id, ':') != NULL ||
	    strpbrk(cfg->s3_access_key_id, "\r\n") != NULL)
		return err_set(err, ST_CONFIG,
		    "AWS_ACCESS_KEY_ID has a ':' or a line break in it");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(err, ST_TEMPFAIL, "out of memory");
	s->cfg = cfg;
	if ((st = s3_target_resolve(cfg, &s->t, err)) != ST_OK) {
		free(s);
		return st;
	}
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", s->t.region);
	store_cache_control(cfg->cache_control, s->cache_control,
	    sizeof(s->cache_control));
	http_redact(s->t.endpoint, endpoint, sizeof(endpoint));
	snprintf(s->shown, sizeof(s->shown), "%s (bucket %s)", endpoint,
	    s->t.bucket);
	sink->state = s;
	log_debug("s3: endpoint %s, region %s, %s-style, root \"%s\"", endpoint,
	    s->t.region, s->t.path_style ? "path" : "virtual-host", s->t.root);
	return ST_OK;
}

static void
s3_close(struct sink *sink)
{
	free(sink->state);
	sink->state = NULL;
}

const struct sink_ops s3_ops = { "s3", s3_open, s3_put, s3_close };
