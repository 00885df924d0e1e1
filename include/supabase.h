/*
 * supabase.h - the pure parts of the Supabase Storage sink (supabase.c).
 *
 * Supabase Storage answers most errors with HTTP 400 and the real code
 * as a string in a JSON envelope:
 *
 *     {"statusCode":"404","error":"Bucket not found",
 *      "message":"Bucket not found","code":"NoSuchBucket"}
 *
 * so an answer is classified from the envelope first and from the HTTP
 * status only when there is none.  Functions never keep the pointers they
 * are given; those writing to a struct buf return 0, or -1 when memory
 * runs out.
 */
#ifndef COLLECTOR_SUPABASE_H
#define COLLECTOR_SUPABASE_H

#include <stddef.h>

#include "buf.h"
#include "store.h"
#include "upload.h"

/* The resumable (TUS 1.0.0) protocol's fixed chunk size: Supabase
 * accepts no other for all chunks but the last. */
#define SUPABASE_TUS_CHUNK ((size_t)6 * 1024 * 1024)

/* Reduces one answer (HTTP status and body) to an outcome, with the
 * envelope's code and message when there is one. */
void supabase_classify(long http_status, const char *body, size_t len,
    struct store_answer *a);

/*
 * The stored object's size from the info endpoint's JSON body: a
 * top-level "size", or "metadata": {"size"} or {"contentLength"}
 * (versions differ).  Returns the size, or -1 when the body has none.
 */
long long supabase_info_size(const char *body, size_t len);

/*
 * Appends the TUS Upload-Metadata value: comma-separated "name base64"
 * pairs for bucketName, objectName, contentType and, when not NULL,
 * cacheControl.
 */
int supabase_tus_metadata(struct buf *out, const char *bucket, const char *key,
    const char *content_type, const char *cache_control);

/*
 * Stores obj over whatever its key holds, in one request without
 * retries: for a probe that `collector --check` writes again each time.
 * sink must be open with supabase_ops.
 */
int supabase_overwrite(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err);

#endif
