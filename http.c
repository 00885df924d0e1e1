/*
 * http.c - what fetch and upload share about libcurl.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "config.h"
#include "fault.h"
#include "http.h"
#include "interrupt.h"
#include "status.h"

/* The issue's low-speed abort: below 1 KiB/s for 30 s. */
#define LOW_SPEED_LIMIT 1024L
#define LOW_SPEED_TIME 30L

/* Fetch and upload each pair an init with a cleanup; libcurl counts
 * them too, but only this count makes a stray cleanup harmless. */
static int http_users;

int
http_global_init(struct err *err)
{
	CURLcode rc;

	if (http_users > 0) {
		http_users++;
		return ST_OK;
	}
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return err_set(err,
		    rc == CURLE_OUT_OF_MEMORY ? ST_TEMPFAIL : ST_IO,
		    "libcurl: cannot initialise: %s", curl_easy_strerror(rc));
	http_users = 1;
	return ST_OK;
}

void
http_global_cleanup(void)
{
	if (http_users == 0)
		return;
	if (--http_users == 0)
		curl_global_cleanup();
}

/* Aborts a transfer in flight once a signal asked the run to stop. */
static int
abort_on_interrupt(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	if (ultotal > 0 && ulnow == ultotal && dlnow == 0)
		fault_point("request-sent");
	return interrupted() != 0;
}

CURL *
http_easy_new(const struct config *cfg)
{
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	/* libcurl copies string options: each can run out of memory. */
	if (curl_easy_setopt(h, CURLOPT_USERAGENT, HTTP_USER_AGENT) !=
		CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK) {
		curl_easy_cleanup(h);
		return NULL;
	}
	/* Timeouts must not arrive as SIGALRM in a program that owns no
	 * signal handlers. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* A redirect could carry the key's header to another host. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_interrupt);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	/* Record arrays compress about tenfold (CURLOPT_ACCEPT_ENCODING
	 * above); the cap applies to the decoded bytes. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_LIMIT);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME);
	if (cfg != NULL) {
		if (cfg->connect_timeout > 0)
			curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			    cfg->connect_timeout);
		if (cfg->timeout > 0)
			curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->timeout);
		/* Refuses early when Content-Length already says too
		 * much; the write callback catches the rest. */
		if (cfg->max_response_bytes > 0)
			curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			    (curl_off_t)cfg->max_response_bytes);
	}
	return h;
}

static size_t
body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_result *res = arg;
	size_t n = size * nmemb;

	if (res->max_body > 0 &&
	    (n > res->max_body || res->body.len > res->max_body - n)) {
		res->too_large = 1;
		return 0; /* aborts the transfer */
	}
	if (buf_append(&res->body, data, n) != 0) {
		res->nomem = 1;
		return 0;
	}
	return n;
}

/* Copies the value of header line "Name: value\r\n" into out when its
 * name is name. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outsz)
{
	size_t nlen = strlen(name);
	const char *v, *end;
	size_t vlen;

	if (len <= nlen || line[nlen] != ':' ||
	    strncasecmp(line, name, nlen) != 0)
		return;
	v = line + nlen + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	vlen = (size_t)(end - v);
	if (vlen >= outsz)
		vlen = outsz - 1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

static size_t
header_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_result *res = arg;
	size_t n = size * nmemb;

	/* A new status line (after a 100 Continue, say) starts a new
	 * header block: only the final response's headers count. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		res->retry_after[0] = '\0';
		res->content_type[0] = '\0';
		return n;
	}
	header_value(data, n, "Retry-After", res->retry_after,
	    sizeof(res->retry_after));
	header_value(data, n, "Content-Type", res->content_type,
	    sizeof(res->content_type));
	return n;
}

void
http_easy_capture(CURL *h, struct http_result *res)
{
	res->curl_code = CURLE_OK;
	res->curl_error[0] = '\0';
	res->status = 0;
	buf_truncate(&res->body, 0);
	res->retry_after[0] = '\0';
	res->content_type[0] = '\0';
	res->too_large = 0;
	res->nomem = 0;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, res);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_write);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, res);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, res->curl_error);
}

void
http_result_finish(CURL *h, struct http_result *res, CURLcode code)
{
	long status = 0;

	/* libcurl calls a body the write callback had no memory for a
	 * write error. */
	if (code == CURLE_WRITE_ERROR && res->nomem) {
		code = CURLE_OUT_OF_MEMORY;
		res->curl_error[0] = '\0';
	}
	res->curl_code = (int)code;
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
		res->status = status;
	if (status != 0)
		fault_point("response-received");
	if (code == CURLE_FILESIZE_EXCEEDED)
		res->too_large = 1;
	if (code != CURLE_OK && res->curl_error[0] == '\0')
		snprintf(res->curl_error, sizeof(res->curl_error), "%s",
		    curl_easy_strerror(code));
	/* The error buffer belongs to res; the handle may outlive it. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
}

void
http_result_free(struct http_result *res)
{
	if (res == NULL)
		return;
	buf_free(&res->body);
}

static bool
unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends s[0..len) percent-encoding all but unreserved characters. */
static int
append_encoded(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x80 && unreserved(c)) {
			if (buf_append(out, &s[i], 1) != 0)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		if (buf_append(out, esc, 3) != 0)
			return -1;
	}
	return 0;
}

int
http_append_key(struct buf *out, const char *key)
{
	const char *slash;
	size_t before = out->len;

	for (;;) {
		slash = strchr(key, '/');
		if (append_encoded(out, key,
			slash ? (size_t)(slash - key) : strlen(key)) != 0)
			goto fail;
		if (slash == NULL)
			return 0;
		if (buf_append(out, "/", 1) != 0)
			goto fail;
		key = slash + 1;
	}
fail:
	buf_truncate(out, before);
	return -1;
}

int
http_append_query(struct buf *url, const char *name, const char *value)
{
	size_t before = url->len;
	const char *sep;

	if (url->len == 0 || memchr(url->data, '?', url->len) == NULL)
		sep = "?";
	else if (url->data[url->len - 1] == '?' ||
	    url->data[url->len - 1] == '&')
		sep = "";
	else
		sep = "&";
	if (buf_puts(url, sep) != 0 ||
	    append_encoded(url, name, strlen(name)) != 0 ||
	    buf_append(url, "=", 1) != 0 ||
	    append_encoded(url, value, strlen(value)) != 0) {
		buf_truncate(url, before);
		return -1;
	}
	return 0;
}

/* Bounded output for http_redact: keeps out NUL-terminated whatever
 * happens, dropping what does not fit. */
struct out_text {
	char *p;
	size_t size;
	size_t len;
};

static void
out_add(struct out_text *o, const char *s, size_t n)
{
	size_t room;

	if (o->size == 0)
		return;
	room = o->size - 1 - o->len;
	if (n > room)
		n = room;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* True when the query parameter starting at p (up to its '=') looks
 * like it holds a secret: its name contains one of these words. */
static bool
secret_param(const char *p, size_t namelen)
{
	static const char *const words[] = { "key", "token", "secret",
		"password", "signature", "credential" };
	size_t i, j, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		for (j = 0; j + n <= namelen; j++)
			if (strncasecmp(p + j, words[i], n) == 0)
				return true;
	}
	return false;
}

/* Copies the authority (after "scheme://") up to its end, hiding any
 * userinfo; returns where the rest of the URL starts. */
static const char *
redact_authority(const char *a, struct out_text *o)
{
	size_t len = strcspn(a, "/?#");
	const char *at = NULL, *p;

	for (p = a; p < a + len; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		out_add(o, "***", 3);
		out_add(o, at, (size_t)(a + len - at));
	} else
		out_add(o, a, len);
	return a + len;
}

static void
redact_query(const char *q, struct out_text *o)
{
	size_t plen, nlen;

	while (*q != '\0' && *q != '#') {
		plen = strcspn(q, "&#");
		nlen = strcspn(q, "=&#");
		if (nlen < plen && secret_param(q, nlen)) {
			out_add(o, q, nlen + 1);
			out_add(o, "***", 3);
		} else
			out_add(o, q, plen);
		q += plen;
		if (*q == '&') {
			out_add(o, "&", 1);
			q++;
		}
	}
	out_add(o, q, strlen(q));
}

void
http_redact(const char *url, char *out, size_t outsz)
{
	struct out_text o = { out, outsz, 0 };
	const char *scheme_end, *q;
	size_t path_len;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (url == NULL)
		return;
	if ((scheme_end = strstr(url, "://")) != NULL &&
	    strcspn(url, "/?#") > (size_t)(scheme_end - url)) {
		out_add(&o, url, (size_t)(scheme_end - url) + 3);
		url = redact_authority(scheme_end + 3, &o);
	}
	path_len = strcspn(url, "?#");
	out_add(&o, url, path_len);
	q = url + path_len;
	if (*q == '?') {
		out_add(&o, "?", 1);
		redact_query(q + 1, &o);
	} else
		out_add(&o, q, strlen(q));
}
