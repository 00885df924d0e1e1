/*
 * json.h - strict JSON validation and record splicing.
 *
 * The record path never re-prints source values: it validates a response
 * body against RFC 8259 (with UTF-8 checked byte by byte) and copies each
 * member's text as it was sent, appending the enrichment members at the
 * end of every record.  This keeps 931.11 as 931.11, 1e3 as 1e3 and a
 * 40-digit integer as it was written, which a DOM round trip cannot.
 *
 * Pure code: no I/O, no globals.  Functions never keep the pointers they
 * are given.
 */
#ifndef COLLECTOR_JSON_H
#define COLLECTOR_JSON_H

#include <stddef.h>

#include "buf.h"

/* Nesting deeper than this is refused rather than recursed into. */
#define JSON_MAX_DEPTH 256

struct json_error {
	size_t offset;	  /* byte offset of the fault in the body */
	char reason[128]; /* e.g. "invalid UTF-8", "expected ',' or '}'" */
};

struct splice {
	/* Members with these names (compared after unescaping) are dropped
	 * from each record: the enrichment replaces them. */
	const char *const *drop;
	size_t ndrop;

	/* Appends the enrichment members, without braces or a leading
	 * comma, e.g. "id":"...","shop_id":"shop_7".  Returns 0, or -1
	 * when memory runs out. */
	int (*enrich)(void *arg, struct buf *out);
	void *arg;

	/* Written between records: "," for an array, "\n" for NDJSON. */
	const char *separator;
};

enum splice_result {
	SPLICE_OK = 0,
	SPLICE_INVALID = 1, /* the body is not a valid array of objects */
	SPLICE_NOMEM = 2
};

/*
 * Validates body (an array of objects, or one object) and appends each
 * record, enriched, to out.  *records counts the records in the batch so
 * far: the separator is written before a record when it is non-zero, and
 * it is incremented per record.  On failure out and *records are restored
 * to what they were and jerr says where and why.
 */
int json_splice(const struct splice *sp, const char *body, size_t len,
    struct buf *out, size_t *records, struct json_error *jerr);

/* Validates one complete JSON text (any value); returns SPLICE_OK or
 * SPLICE_INVALID with jerr filled. */
int json_validate(const char *text, size_t len, struct json_error *jerr);

/* Writes a short printable excerpt of body around offset into out
 * (control bytes and non-ASCII shown as '.'), for error messages. */
void json_excerpt(const char *body, size_t len, size_t offset, char *out,
    size_t outsz);

#endif
