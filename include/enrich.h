/*
 * enrich.h - the user pool and the per-record enrichment.
 *
 * The user pool is a pure function of (seed, count): every host that
 * builds it with the same seed gets the same ids in the same order.
 * Algorithm (documented in collector(1) so other tools can rebuild it):
 *
 *     state = seed
 *     for each id:
 *         a = splitmix64(&state); b = splitmix64(&state)
 *         bytes = a as 8 big-endian bytes, then b as 8 big-endian bytes
 *         bytes[6] = (bytes[6] & 0x0f) | 0x40     version 4
 *         bytes[8] = (bytes[8] & 0x3f) | 0x80     RFC 4122 variant
 *         id = lowercase 8-4-4-4-12 hex of bytes
 *
 * Each record draws a user and a shop uniformly and independently.  The
 * draws for response i come from rng_derive(run_seed, i), so a batch is
 * reproducible from its run seed whatever order the responses arrive in.
 *
 * The pool owns its ids; user_pool_free() releases them.
 */
#ifndef COLLECTOR_ENRICH_H
#define COLLECTOR_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rng.h"

#define UUID_LEN 36
#define ENRICH_USER_FIELD "id"
#define ENRICH_SHOP_FIELD "shop_id"
#define DEFAULT_POOL_SEED UINT64_C(20250922)

struct user_pool {
	size_t count;
	char (*ids)[UUID_LEN + 1];
};

/* Returns 0, or -1 when memory runs out. */
int user_pool_build(struct user_pool *pool, uint64_t seed, size_t count);
void user_pool_free(struct user_pool *pool);

struct enricher {
	const struct user_pool *users;
	uint64_t shops;
	struct rng rng;
};

/* Prepares the draws for one response of a run. */
void enricher_begin(struct enricher *e, const struct user_pool *users,
    uint64_t shops, uint64_t run_seed, size_t response_index);

/* The splice callback: appends "id":"<uuid>","shop_id":"shop_<n>". */
int enricher_append(void *enricher, struct buf *out);

#endif
