/* test_batch.c - responses spliced into array and NDJSON batches. */

#include <string.h>

#include "batch.h"
#include "t.h"

static struct user_pool pool;

/* The enrichment text the batch appends for a given response and
 * record: computed through the enricher itself, so the test pins the
 * batch's composition, not the draws (test_enrich.c pins those). */
static void
expected_enrichment(char *out, size_t outsz, uint64_t seed, size_t index,
    size_t nth)
{
	struct enricher e;
	struct buf b = BUF_INIT;
	size_t i;

	enricher_begin(&e, &pool, 100, seed, index);
	for (i = 0; i <= nth; i++) {
		buf_truncate(&b, 0);
		enricher_append(&e, &b);
	}
	snprintf(out, outsz, "%s", b.data);
	buf_free(&b);
}

static void
test_array(void)
{
	struct batch b;
	struct err err;
	char e0[128], e1[128], e2[128], want[1024];
	const char *r1 = "[{\"price\":931.11,\"id\":7},{\"a\":1e3}]";
	const char *r2 = "{\"n\":12345678901234567890123}";

	T_INT(batch_init(&b, 4, FORMAT_ARRAY, &pool, 100, 5, &err), ST_OK);
	T_INT(batch_add_response(&b, 0, r1, strlen(r1), &err), ST_OK);
	T_INT(batch_add_response(&b, 3, r2, strlen(r2), &err), ST_OK);
	T_INT(batch_finish(&b, &err), ST_OK);
	expected_enrichment(e0, sizeof(e0), 5, 0, 0);
	expected_enrichment(e1, sizeof(e1), 5, 0, 1);
	expected_enrichment(e2, sizeof(e2), 5, 3, 0);
	snprintf(want, sizeof(want),
	    "[{\"price\":931.11,%s},{\"a\":1e3,%s},{\"n\":"
	    "12345678901234567890123,%s}]",
	    e0, e1, e2);
	T_STR(b.data.data, want);
	T_INT(b.records, 3);
	T_INT(b.responses, 2);
	batch_free(&b);
}

static void
test_ndjson(void)
{
	struct batch b;
	struct err err;
	char e0[128], e1[128], want[1024];

	T_INT(batch_init(&b, 4, FORMAT_NDJSON, &pool, 100, 5, &err), ST_OK);
	T_INT(batch_add_response(&b, 0, "[{},{}]", 7, &err), ST_OK);
	T_INT(batch_finish(&b, &err), ST_OK);
	expected_enrichment(e0, sizeof(e0), 5, 0, 0);
	expected_enrichment(e1, sizeof(e1), 5, 0, 1);
	snprintf(want, sizeof(want), "{%s}\n{%s}\n", e0, e1);
	T_STR(b.data.data, want);
	batch_free(&b);

	/* No records: an empty file, not a blank line. */
	T_INT(batch_init(&b, 4, FORMAT_NDJSON, &pool, 100, 5, &err), ST_OK);
	T_INT(batch_add_response(&b, 0, "[]", 2, &err), ST_OK);
	T_INT(batch_finish(&b, &err), ST_OK);
	T_INT(b.data.len, 0);
	batch_free(&b);

	T_STR(batch_content_type(FORMAT_NDJSON), "application/x-ndjson");
	T_STR(batch_key_suffix(FORMAT_NDJSON), ".jsonl");
	T_STR(batch_content_type(FORMAT_ARRAY), "application/json");
	T_STR(batch_key_suffix(FORMAT_ARRAY), ".json");
}

static void
test_invalid_response(void)
{
	struct batch b;
	struct err err;
	const char *html = "<html><body>502 Bad Gateway</body></html>";
	const char *cut = "[{\"a\":1},{\"b\":";
	char e0[128], want[256];

	T_INT(batch_init(&b, 4, FORMAT_ARRAY, &pool, 100, 5, &err), ST_OK);
	T_INT(batch_add_response(&b, 0, "[{}]", 4, &err), ST_OK);
	T_INT(batch_add_response(&b, 1, html, strlen(html), &err), ST_DATA);
	T_CONTAINS(err.msg, "invalid JSON at byte 0: ");
	T_CONTAINS(err.msg, "(near \"<html><body>502 Bad \")");
	T_INT(batch_add_response(&b, 2, cut, strlen(cut), &err), ST_DATA);
	T_CONTAINS(err.msg, "invalid JSON at byte 14: ");
	T_INT(batch_add_response(&b, 3, "[1]", 3, &err), ST_DATA);
	T_CONTAINS(err.msg, "invalid JSON at byte 1: ");
	T_INT(batch_finish(&b, &err), ST_OK);
	expected_enrichment(e0, sizeof(e0), 5, 0, 0);
	snprintf(want, sizeof(want), "[{%s}]", e0);
	T_STR(b.data.data, want); /* the bad responses left no trace */
	T_INT(b.records, 1);
	T_INT(b.responses, 1);
	batch_free(&b);
}

/* Builds a batch from responses delivered in the given order. */
static void
build(struct batch *b, enum batch_format format, const size_t *order, size_t n)
{
	static const char *const bodies[] = { "[{\"r\":0},{\"r\":1}]", "[]",
		"{\"r\":2}", "[{\"r\":3}]" };
	struct err err;
	size_t i;

	T_INT(batch_init(b, 4, format, &pool, 100, 8, &err), ST_OK);
	for (i = 0; i < n; i++)
		T_INT(batch_add_response(b, order[i], bodies[order[i]],
			  strlen(bodies[order[i]]), &err),
		    ST_OK);
	T_INT(batch_finish(b, &err), ST_OK);
}

static void
test_arrival_order(void)
{
	static const size_t in_order[] = { 0, 1, 2, 3 };
	static const size_t shuffled[] = { 3, 1, 2, 0 };
	static const size_t gap[] = { 3, 0, 2 }; /* 1 never came */
	struct batch a, b;
	struct err err;
	int f;

	for (f = FORMAT_ARRAY; f <= FORMAT_NDJSON; f++) {
		build(&a, (enum batch_format)f, in_order, 4);
		build(&b, (enum batch_format)f, shuffled, 4);
		T_MEM(b.data.data, b.data.len, a.data.data, a.data.len);
		T_INT(b.records, 4);
		batch_free(&b);
		build(&b, (enum batch_format)f, gap, 3);
		T_MEM(b.data.data, b.data.len, a.data.data, a.data.len);
		T_INT(b.responses, 3);
		batch_free(&b);
		batch_free(&a);
	}

	T_INT(batch_init(&a, 2, FORMAT_ARRAY, &pool, 100, 8, &err), ST_OK);
	T_INT(batch_add_response(&a, 1, "[]", 2, &err), ST_OK);
	T_INT(batch_add_response(&a, 1, "[]", 2, &err), ST_DATA);
	T_STR(err.msg, "response 2 delivered twice or out of range");
	T_INT(batch_add_response(&a, 2, "[]", 2, &err), ST_DATA);
	batch_free(&a);
}

int
main(void)
{
	if (user_pool_build(&pool, 3, 10) != 0)
		return 1;
	test_array();
	test_ndjson();
	test_invalid_response();
	test_arrival_order();
	user_pool_free(&pool);
	return t_done();
}
