/* test_enrich.c - the user pool and the enrichment draws. */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enrich.h"
#include "t.h"

/* Rebuilt independently from the algorithm in collector(1). */
static void
test_pool_golden(void)
{
	struct user_pool pool;

	T_INT(user_pool_build(&pool, DEFAULT_POOL_SEED, 5000), 0);
	T_INT(pool.count, 5000);
	T_STR(pool.ids[0], "01c7d9fe-f4ca-4d71-88a2-81489f3344a5");
	T_STR(pool.ids[1], "dcfe6c4a-075d-4753-9fa3-5434297e0b82");
	T_STR(pool.ids[2], "0e266da5-1364-412f-b093-cadabf4b1cea");
	T_STR(pool.ids[4999], "150ee148-de36-46db-8f66-c2d6cb1ca379");
	user_pool_free(&pool);

	T_INT(user_pool_build(&pool, 1, 2), 0);
	T_STR(pool.ids[0], "910a2dec-8902-4cc1-beeb-8da1658eec67");
	T_STR(pool.ids[1], "f893a2ee-fb32-455e-b1c1-8690ee42c90b");
	user_pool_free(&pool);
}

static int
is_uuid4(const char *s)
{
	size_t i;

	if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19]))
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr("0123456789abcdef", s[i]))
			return 0;
	}
	return 1;
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_pool_shape(void)
{
	struct user_pool a, b;
	size_t i, bad = 0, dups = 0;

	T_INT(user_pool_build(&a, 42, 5000), 0);
	T_INT(user_pool_build(&b, 42, 5000), 0);
	T_OK(memcmp(a.ids, b.ids, 5000 * sizeof(*a.ids)) == 0);
	for (i = 0; i < a.count; i++)
		bad += !is_uuid4(a.ids[i]);
	T_INT(bad, 0);
	qsort(b.ids, b.count, sizeof(*b.ids), compare_ids);
	for (i = 1; i < b.count; i++)
		dups += strcmp(b.ids[i - 1], b.ids[i]) == 0;
	T_INT(dups, 0);
	user_pool_free(&a);
	user_pool_free(&b);

	T_INT(user_pool_build(&a, 43, 1), 0);
	T_OK(strcmp(a.ids[0], "01c7d9fe-f4ca-4d71-88a2-81489f3344a5") != 0);
	user_pool_free(&a);
}

struct pool_index {
	const char *id;
	size_t index;
};

static int
compare_index(const void *a, const void *b)
{
	return strcmp(((const struct pool_index *)a)->id,
	    ((const struct pool_index *)b)->id);
}

/* A sorted index of the pool, to map an id back to its position. */
static struct pool_index *
index_pool(const struct user_pool *pool)
{
	struct pool_index *ix = calloc(pool->count, sizeof(*ix));
	size_t i;

	for (i = 0; ix != NULL && i < pool->count; i++) {
		ix[i].id = pool->ids[i];
		ix[i].index = i;
	}
	if (ix != NULL)
		qsort(ix, pool->count, sizeof(*ix), compare_index);
	return ix;
}

/* Parses one appended enrichment into the user's pool index and the
 * shop number; returns 0, or -1 when the text is not of that form. */
static int
parse_enrichment(const struct user_pool *pool, const struct pool_index *ix,
    const char *text, size_t *user, unsigned long *shop)
{
	const char *prefix = "\"id\":\"", *middle = "\",\"shop_id\":\"shop_";
	struct pool_index key, *found;
	char id[37], *end;

	if (strncmp(text, prefix, strlen(prefix)) != 0 ||
	    strnlen(text + strlen(prefix), 36) != 36)
		return -1;
	memcpy(id, text + strlen(prefix), 36);
	id[36] = '\0';
	text += strlen(prefix) + 36;
	if (strncmp(text, middle, strlen(middle)) != 0)
		return -1;
	text += strlen(middle);
	errno = 0;
	*shop = strtoul(text, &end, 10);
	if (end == text || errno != 0 || strcmp(end, "\"") != 0)
		return -1;
	key.id = id;
	found = bsearch(&key, ix, pool->count, sizeof(*ix), compare_index);
	if (found == NULL)
		return -1;
	*user = found->index;
	return 0;
}

static void
test_enricher_format(void)
{
	struct user_pool pool;
	struct enricher e;
	struct buf out = BUF_INIT, again = BUF_INIT;
	struct pool_index *ix;
	size_t user = 0;
	unsigned long shop = 0;
	char want[128];

	T_INT(user_pool_build(&pool, 7, 10), 0);
	ix = index_pool(&pool);
	enricher_begin(&e, &pool, 10000, 99, 3);
	T_INT(enricher_append(&e, &out), 0);
	T_INT(parse_enrichment(&pool, ix, out.data, &user, &shop), 0);
	snprintf(want, sizeof(want), "\"id\":\"%s\",\"shop_id\":\"shop_%lu\"",
	    pool.ids[user], shop);
	T_STR(out.data, want);
	T_OK(shop < 10000);

	/* Same run seed and response: same draws; another response:
	 * another stream. */
	enricher_begin(&e, &pool, 10000, 99, 3);
	T_INT(enricher_append(&e, &again), 0);
	T_STR(again.data, out.data);
	buf_truncate(&again, 0);
	enricher_begin(&e, &pool, 10000, 99, 4);
	T_INT(enricher_append(&e, &again), 0);
	T_OK(strcmp(again.data, out.data) != 0);

	buf_free(&out);
	buf_free(&again);
	free(ix);
	user_pool_free(&pool);
}

/*
 * Chi-square goodness of fit against the uniform distribution, over
 * 1,000,000 enrichments (fixed seed) for 5,000 users and 10,000 shops.
 * With k-1 degrees of freedom the statistic has mean k-1 and standard
 * deviation sqrt(2(k-1)); six deviations either side would flag a broken
 * draw (modulo bias, a stuck stream) but never a fair one.
 */
static double
chi_square(const unsigned *counts, size_t k, double draws)
{
	double expect = draws / (double)k, chi = 0, d;
	size_t i;

	for (i = 0; i < k; i++) {
		d = counts[i] - expect;
		chi += d * d / expect;
	}
	return chi;
}

static void
test_uniformity(void)
{
	enum { USERS = 5000, SHOPS = 10000, DRAWS = 1000000 };
	static unsigned user_counts[USERS], shop_counts[SHOPS];
	struct user_pool pool;
	struct pool_index *ix;
	struct enricher e;
	struct buf out = BUF_INIT;
	size_t i, user, unparsed = 0, unseen = 0;
	unsigned long shop;
	double chi;

	T_INT(user_pool_build(&pool, DEFAULT_POOL_SEED, USERS), 0);
	ix = index_pool(&pool);
	for (i = 0; ix != NULL && i < DRAWS; i++) {
		if (i % 1000 == 0) /* a response of 1,000 records */
			enricher_begin(&e, &pool, SHOPS, 12345, i / 1000);
		buf_truncate(&out, 0);
		if (enricher_append(&e, &out) != 0 ||
		    parse_enrichment(&pool, ix, out.data, &user, &shop) != 0 ||
		    shop >= SHOPS) {
			unparsed++;
			continue;
		}
		user_counts[user]++;
		shop_counts[shop]++;
	}
	T_INT(unparsed, 0);
	chi = chi_square(user_counts, USERS, DRAWS);
	t_report(fabs(chi - (USERS - 1)) < 6 * sqrt(2.0 * (USERS - 1)),
	    __FILE__, __LINE__, "users uniform", "chi-square %.1f", chi);
	chi = chi_square(shop_counts, SHOPS, DRAWS);
	t_report(fabs(chi - (SHOPS - 1)) < 6 * sqrt(2.0 * (SHOPS - 1)),
	    __FILE__, __LINE__, "shops uniform", "chi-square %.1f", chi);
	for (i = 0; i < SHOPS; i++)
		unseen += shop_counts[i] == 0;
	T_INT(unseen, 0);

	/* The statistic can fail: a draw that favours low shop numbers,
	 * as `% n` on a narrow generator would, is far outside the band. */
	memset(shop_counts, 0, sizeof(shop_counts));
	for (i = 0; i < DRAWS; i++)
		shop_counts[(i * 7919 % 65536) % SHOPS]++;
	chi = chi_square(shop_counts, SHOPS, DRAWS);
	T_OK(fabs(chi - (SHOPS - 1)) >= 6 * sqrt(2.0 * (SHOPS - 1)));

	free(ix);
	buf_free(&out);
	user_pool_free(&pool);
}

int
main(void)
{
	test_pool_golden();
	test_pool_shape();
	test_enricher_format();
	test_uniformity();
	return t_done();
}
