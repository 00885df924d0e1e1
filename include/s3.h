/*
 * s3.h - the pure parts of the S3-compatible sink (s3.c).
 *
 * Where objects go is resolved once from the configuration:
 *
 *     s3://BUCKET/ROOT      BUCKET replaces supabase.bucketName; ROOT,
 *                           when given, is a folder the whole lake lives
 *                           under: keys become ROOT/<path>/<name>
 *     s3.endpoint           the store's URL (AWS_ENDPOINT_URL); else a
 *                           Supabase project URL's S3 face
 *                           ({supabase.url}/storage/v1/s3, path-style);
 *                           else AWS, https://s3.REGION.amazonaws.com
 *     s3.path_style         ENDPOINT/BUCKET/KEY, else BUCKET.HOST/KEY
 *
 * S3 errors are XML, <Error><Code>..</Code><Message>..</Message></Error>,
 * with real HTTP statuses.  Functions never keep the pointers they are
 * given; those writing to a struct buf return 0, or -1 when memory runs
 * out.
 */
#ifndef COLLECTOR_S3_H
#define COLLECTOR_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "naming.h"
#include "store.h"
#include "upload.h"

/* Parts of a multipart upload: 8 MiB, above S3's 5 MiB minimum, grown
 * when an object would need more than S3's 10,000 parts. */
#define S3_PART_SIZE ((size_t)8 * 1024 * 1024)
#define S3_MAX_PARTS 10000

struct s3_target {
	char bucket[64];
	char root[KEY_MAX];  /* "" or a key prefix without slashes at
				 * either end */
	char endpoint[1024]; /* scheme://host[:port][/path], no slash at
				 * the end */
	char region[64];
	bool path_style;
};

/* Resolves the target from cfg; ST_CONFIG names the setting at fault. */
int s3_target_resolve(const struct config *cfg, struct s3_target *t,
    struct err *err);

/* Appends the URL of key (the root already in it), each path segment
 * percent-encoded exactly as the signature will cover it. */
int s3_object_url(struct buf *out, const struct s3_target *t, const char *key);

/* Copies the text of the first <tag>...</tag> in body, XML entities
 * decoded and non-printable bytes as '?', into out; returns 0, or -1 when
 * there is no such element. */
int s3_xml_text(const char *body, size_t len, const char *tag, char *out,
    size_t outsz);

/* Reduces one answer to an outcome, with the XML error's Code and
 * Message when there is one. */
void s3_classify(long http_status, const char *body, size_t len,
    struct store_answer *a);

/* The part size for an object of len bytes. */
size_t s3_part_size(size_t len);

/* Appends the CompleteMultipartUpload document for parts 1..n. */
int s3_complete_body(struct buf *out, char *const *etags, size_t n);

/*
 * Stores obj over whatever its key holds, in one PutObject without
 * If-None-Match or retries: for a probe that `collector --check` writes
 * again each time.  sink must be open with s3_ops.
 */
int s3_overwrite(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err);

#endif
