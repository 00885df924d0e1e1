/*
 * source.c - picks the source for a URL; the built-in and file sources.
 *
 * Both local sources deliver responses in order, one at a time, so a
 * batch holds at most one response body besides itself.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "generate.h"
#include "http.h"
#include "interrupt.h"
#include "log.h"
#include "rng.h"
#include "source.h"

/* Response bodies for the built-in source come from a stream of the run
 * seed distinct from the enrichment draws. */
#define GENERATE_STREAM UINT64_C(0x67656e6572617465)

/* Hands one body to the callback, counting and logging the outcome. */
static int
deliver(response_fn fn, void *arg, size_t index, size_t count, const char *body,
    size_t len, struct fetch_report *report, int *first, struct err *err)
{
	struct err why;
	int status;

	report->bytes += len;
	status = fn(arg, index, body, len, &why);
	if (status == ST_OK) {
		report->arrived++;
		return ST_OK;
	}
	report->failed++;
	log_error("response %zu of %zu: %s", index + 1, count, why.msg);
	if (*first == ST_OK) {
		*first = status;
		err_set(err, status, "response %zu of %zu: %s", index + 1,
		    count, why.msg);
		err->logged = 1;
	}
	return status;
}

static int
builtin_fetch(struct source *src, size_t count, response_fn fn, void *arg,
    struct fetch_report *report, struct err *err)
{
	struct buf body = BUF_INIT;
	int first = ST_OK;
	size_t i;

	for (i = 0; i < count && !interrupted(); i++) {
		buf_truncate(&body, 0);
		if (generate_response(&body,
			rng_derive(src->cfg->seed ^ GENERATE_STREAM, i),
			(size_t)src->cfg->records) != 0) {
			buf_free(&body);
			return err_set(err, ST_TEMPFAIL,
			    "out of memory generating response %zu", i + 1);
		}
		deliver(fn, arg, i, count, body.data, body.len, report, &first,
		    err);
	}
	buf_free(&body);
	return first;
}

static const struct source_ops
    builtin_ops = { "builtin", NULL, builtin_fetch, NULL };

/* Reads the whole file named by a file:// URL (no host part). */
static int
file_read(const char *url, struct buf *out, struct err *err)
{
	const char *path = url + strlen("file://");
	char chunk[65536];
	size_t n;
	FILE *f;
	int status = ST_OK;

	if (path[0] != '/')
		return err_set(err, ST_CONFIG,
		    "%s: a file URL needs an absolute path, as in "
		    "file:///data/records.json",
		    url);
	if ((f = fopen(path, "rb")) == NULL)
		return err_set(err, errno == ENOENT ? ST_CONFIG : ST_IO,
		    "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(out, chunk, n) != 0) {
			status = err_set(err, ST_TEMPFAIL, "%s: out of memory",
			    path);
			goto out;
		}
	if (ferror(f))
		status = err_set(err, ST_IO, "%s: %s", path, strerror(errno));
out:
	fclose(f);
	return status;
}

/* A file source answers every request with the file's contents, as a
 * fixed HTTP route would. */
static int
file_fetch(struct source *src, size_t count, response_fn fn, void *arg,
    struct fetch_report *report, struct err *err)
{
	struct buf body = BUF_INIT;
	int status, first = ST_OK;
	size_t i;

	if ((status = file_read(src->cfg->url, &body, err)) != ST_OK) {
		report->failed = count;
		buf_free(&body);
		return status;
	}
	for (i = 0; i < count && !interrupted(); i++)
		deliver(fn, arg, i, count, body.data ? body.data : "", body.len,
		    report, &first, err);
	buf_free(&body);
	return first;
}

static const struct source_ops file_ops = { "file", NULL, file_fetch, NULL };

int
source_open(struct source *src, const struct config *cfg, struct err *err)
{
	const char *url = cfg->url;
	char shown[512];

	src->cfg = cfg;
	src->state = NULL;
	if (url == NULL || strcmp(url, "builtin:") == 0)
		src->ops = &builtin_ops;
	else if (strncmp(url, "file://", 7) == 0)
		src->ops = &file_ops;
	else if (strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0)
		src->ops = &fetch_http_ops;
	else {
		http_redact(url, shown, sizeof(shown));
		return err_set(err, ST_CONFIG,
		    "mockaroo.url \"%s\": unknown scheme (use builtin:, "
		    "file:// or https://)",
		    shown);
	}
	return src->ops->open ? src->ops->open(src, err) : ST_OK;
}

int
source_fetch(struct source *src, size_t count, response_fn fn, void *arg,
    struct fetch_report *report, struct err *err)
{
	memset(report, 0, sizeof(*report));
	report->requested = count;
	return src->ops->fetch(src, count, fn, arg, report, err);
}

void
source_close(struct source *src)
{
	if (src->ops != NULL && src->ops->close != NULL)
		src->ops->close(src);
	src->ops = NULL;
}
