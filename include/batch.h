/*
 * batch.h - one batch: the enriched records of every response, as one
 * JSON array or as NDJSON lines.
 *
 * batch_add_response() is the source's response callback: it validates
 * and splices a body into the batch, or leaves the batch as it was and
 * says why.  Records land in response order whatever order the responses
 * arrive in, so a run seed reproduces the batch byte for byte: a response
 * that arrives early waits, spliced, until those before it are in (or
 * until batch_finish()).  The batch owns its data; batch_free() releases
 * it.
 */
#ifndef COLLECTOR_BATCH_H
#define COLLECTOR_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "enrich.h"
#include "status.h"

/* A response spliced ahead of its turn. */
struct batch_part {
	struct buf data;
	size_t records;
	int arrived;
};

struct batch {
	struct buf data;
	size_t records;
	size_t responses; /* responses spliced in, empty ones included */
	struct batch_part *parts; /* one per response */
	size_t nparts;
	size_t next; /* the response whose turn it is */
	enum batch_format format;
	const struct user_pool *users;
	uint64_t shops;
	uint64_t seed;
};

/* Starts an empty batch of `responses` responses; returns ST_OK or
 * ST_TEMPFAIL (no memory). */
int batch_init(struct batch *b, size_t responses, enum batch_format format,
    const struct user_pool *users, uint64_t shops, uint64_t seed,
    struct err *err);

/* A response_fn (source.h): arg is the struct batch. */
int batch_add_response(void *arg, size_t index, const char *body, size_t len,
    struct err *err);

/* Appends the responses still waiting, in order, and closes the array
 * (or NDJSON's last line); returns ST_OK or ST_TEMPFAIL. */
int batch_finish(struct batch *b, struct err *err);

void batch_free(struct batch *b);

/* "application/json" or "application/x-ndjson". */
const char *batch_content_type(enum batch_format format);

/* ".json" or ".jsonl". */
const char *batch_key_suffix(enum batch_format format);

#endif
