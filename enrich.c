/*
 * enrich.c - the user pool and the per-record enrichment members.
 *
 * The algorithm is spelled out in enrich.h and collector(1); any change
 * here changes every user id downstream, so the golden ids in
 * tests/test_enrich.c pin it.
 */

#include <stdlib.h>
#include <string.h>

#include "enrich.h"
#include "naming.h"

int
user_pool_build(struct user_pool *pool, uint64_t seed, size_t count)
{
	unsigned char bytes[16];
	uint64_t state = seed, a, b;
	size_t i;
	int j;

	pool->count = 0;
	pool->ids = calloc(count ? count : 1, sizeof(*pool->ids));
	if (pool->ids == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		a = splitmix64(&state);
		b = splitmix64(&state);
		for (j = 0; j < 8; j++) {
			bytes[j] = (unsigned char)(a >> (56 - 8 * j));
			bytes[8 + j] = (unsigned char)(b >> (56 - 8 * j));
		}
		uuid4_format(bytes, pool->ids[i]);
	}
	pool->count = count;
	return 0;
}

void
user_pool_free(struct user_pool *pool)
{
	free(pool->ids);
	pool->ids = NULL;
	pool->count = 0;
}

void
enricher_begin(struct enricher *e, const struct user_pool *users,
    uint64_t shops, uint64_t run_seed, size_t response_index)
{
	e->users = users;
	e->shops = shops;
	rng_seed(&e->rng, rng_derive(run_seed, (uint64_t)response_index));
}

/* Called once per record on the hot path: formats by hand, since
 * snprintf would cost as much as splicing the record itself. */
int
enricher_append(void *arg, struct buf *out)
{
	static const char user_field[] = "\"" ENRICH_USER_FIELD "\":\"";
	static const char shop_field[] = "\",\"" ENRICH_SHOP_FIELD "\":\"shop_";
	struct enricher *e = arg;
	uint64_t user = rng_below(&e->rng, e->users->count);
	uint64_t shop = rng_below(&e->rng, e->shops);
	char digits[20];
	size_t ndigits = 0;
	char *p;

	do {
		digits[ndigits++] = (char)('0' + shop % 10);
		shop /= 10;
	} while (shop > 0);
	if (buf_reserve(out,
		sizeof(user_field) + UUID_LEN + sizeof(shop_field) + ndigits +
		    1) != 0)
		return -1;
	p = out->data + out->len;
	memcpy(p, user_field, sizeof(user_field) - 1);
	p += sizeof(user_field) - 1;
	memcpy(p, e->users->ids[user], UUID_LEN);
	p += UUID_LEN;
	memcpy(p, shop_field, sizeof(shop_field) - 1);
	p += sizeof(shop_field) - 1;
	while (ndigits > 0)
		*p++ = digits[--ndigits];
	*p++ = '"';
	*p = '\0';
	out->len = (size_t)(p - out->data);
	return 0;
}
