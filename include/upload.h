/*
 * upload.h - where batches land.
 *
 * A sink stores one object under a key, all or nothing: no reader ever
 * sees a partial object, and a failed put leaves nothing behind.  The
 * project URL picks the sink:
 *
 *     unset, file:///dir  a local directory lake, <dir>/<bucket>/<key>
 *                         (unset means ./lake)
 *     http://, https://   Supabase Storage (supabase.c)
 *     s3://bucket/prefix  an S3-compatible store (s3.c)
 */
#ifndef COLLECTOR_UPLOAD_H
#define COLLECTOR_UPLOAD_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "status.h"

#define WHERE_MAX 2048

struct object {
	const char *key; /* the object key, without the bucket */
	const char *data;
	size_t len;
	const char *content_type; /* e.g. "application/json" */
	int replay;		  /* spooled by an earlier run, which may have
				 * stored it before it lost the answer */
};

struct upload_report {
	char where[WHERE_MAX]; /* the file path or URL the object landed at */
	size_t retries;	       /* requests repeated after a transient fault */
};

struct sink_ops;

struct sink {
	const struct sink_ops *ops;
	const struct config *cfg;
	void *state; /* the implementation's */
};

struct sink_ops {
	const char *name;
	int (*open)(struct sink *sink, struct err *err);
	int (*put)(struct sink *sink, const struct object *obj,
	    struct upload_report *report, struct err *err);
	void (*close)(struct sink *sink);
};

/* Picks and opens the sink for cfg->project_url. */
int sink_open(struct sink *sink, const struct config *cfg, struct err *err);

/* Names where cfg sends batches ("supabase https://x.supabase.co
 * datalake"), so a spooled batch goes only where it was meant to. */
int sink_destination(const struct config *cfg, char *out, size_t outsz,
    struct err *err);

/*
 * Stores obj; on success report->where says where it landed.  When the
 * store already holds obj->key: for a replayed object that is success if
 * the stored size is obj->len (the earlier upload landed), and otherwise
 * an error, since someone else wrote that key.
 */
int sink_put(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err);

void sink_close(struct sink *sink);

/* Creates dir and its missing parents with mode (less the umask); each
 * new directory is synced into its parent. */
int dir_create(const char *dir, mode_t mode, struct err *err);

/* The status of a file that could not be written for errno e: ST_IO for
 * a full or failing disk, else ST_CANTCREATE. */
int errno_status(int e);

/* Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory.  Creates missing directories. */
int file_write_atomic(const char *path, const char *data, size_t len,
    struct err *err);

/* The same for data in two pieces (a header and a body), without
 * joining them in memory first. */
int file_write_atomic2(const char *path, const char *head, size_t headlen,
    const char *data, size_t len, struct err *err);

/* True unless the sink is the local lake, whose writes are as durable and
 * atomic as the spool's: a batch goes there straight. */
int sink_needs_spool(const struct sink *sink);

/* The remote sinks. */
extern const struct sink_ops supabase_ops;
extern const struct sink_ops s3_ops;

#endif
