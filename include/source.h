/*
 * source.h - where responses come from.
 *
 * A source delivers up to `count` response bodies, each to a callback,
 * in whatever order they arrive.  The URL's scheme picks the source:
 *
 *     unset, "builtin:"   records generated offline (generate.h)
 *     file:///path.json   that file's contents, as every response
 *     http://, https://   a Mockaroo API (fetch.c)
 *
 * The source owns the bodies: a callback must copy what it keeps.
 */
#ifndef COLLECTOR_SOURCE_H
#define COLLECTOR_SOURCE_H

#include <stddef.h>

#include "config.h"
#include "status.h"

/*
 * Called once per response that arrived.  index is 0-based and says which
 * of the `count` requests this is.  Returns ST_OK to accept the body, or
 * a status (ST_DATA for a body that is not valid records) with err set;
 * the source then counts the response as failed.
 */
typedef int (*response_fn)(void *arg, size_t index, const char *body,
    size_t len, struct err *err);

struct fetch_report {
	size_t requested; /* responses asked for */
	size_t arrived;	  /* responses the callback accepted */
	size_t failed;	  /* responses that failed for good */
	size_t retries;	  /* requests repeated after a transient fault */
	size_t bytes;	  /* body bytes received */
};

struct source_ops;

struct source {
	const struct source_ops *ops;
	const struct config *cfg;
	void *state; /* the implementation's */
};

struct source_ops {
	const char *name;
	int (*open)(struct source *src, struct err *err);
	int (*fetch)(struct source *src, size_t count, response_fn fn,
	    void *arg, struct fetch_report *report, struct err *err);
	void (*close)(struct source *src);
};

/* Picks and opens the source for cfg->url.  ST_CONFIG names the URL when
 * its scheme is unknown. */
int source_open(struct source *src, const struct config *cfg, struct err *err);

/*
 * Fetches `count` responses.  Each response that fails for good is logged
 * as an error naming its number.  Returns ST_OK when every response
 * arrived; otherwise the status of the first failure, with err holding
 * its message, and report saying how many arrived.
 */
int source_fetch(struct source *src, size_t count, response_fn fn, void *arg,
    struct fetch_report *report, struct err *err);

void source_close(struct source *src);

/* The HTTP source (fetch.c). */
extern const struct source_ops fetch_http_ops;

#endif
