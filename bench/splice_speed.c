/*
 * splice_speed - throughput of json_splice and json_validate on about
 * 64 MB of Mockaroo-like records held in memory, with jansson's parser
 * on the same body for comparison.  Each measure is the median of five
 * runs on one core.
 *
 * Build: gcc -O2 -std=c11 -Iinclude -D_DEFAULT_SOURCE
 *     -D_POSIX_C_SOURCE=200809L bench/splice_speed.c build/libcollector.a
 *     $(pkg-config --libs --cflags jansson libcurl yaml-0.1)
 *     -o build/splice_speed
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "json.h"

#define BODY_SIZE	(64u << 20)
#define RUNS		5

static const char *const adjectives[] = {
	"Stuffed", "Organic", "Smoked", "Frozen", "Roasted", "Spicy",
	"Fresh", "Dried", "Pickled", "Sweet", "Wild", "Classic"
};
static const char *const nouns[] = {
	"Grape Leaves", "Salmon Fillet", "Almonds", "Baguette", "Cheddar",
	"Mango Chutney", "Oat Milk", "Pork Loin", "Green Tea", "Tortillas"
};
static const char *const categories[] = {
	"Food - Prepared Foods", "Beverages", "Bakery", "Dairy", "Snacks",
	"Meat - Fresh", "Produce"
};
static const char *const words[] = {
	"lorem", "ipsum", "dolor", "sit", "amet", "consectetuer", "adipiscing",
	"elit", "curabitur", "at", "ac", "tellus", "semper", "interdum",
	"mauris", "ullamcorper", "purus", "sit", "nulla", "vestibulum"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t
next(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % bound);
}

static int
append_description(struct buf *b)
{
	uint32_t i, n = 6 + next(14);
	const char *w;

	if (buf_puts(b, "\"description\":\"") != 0)
		return -1;
	for (i = 0; i < n; i++) {
		w = words[next(NELEM(words))];
		if (buf_printf(b, "%s%c%s", i ? " " : "",
		    i ? w[0] : w[0] - 'a' + 'A', w + 1) != 0)
			return -1;
	}
	return buf_puts(b, ".\"");
}

static int
append_record(struct buf *b)
{
	if (buf_printf(b, "{\"product_name\":\"%s %s\",\"price\":%u.%02u,"
	    "\"quantity\":%u,\"category\":\"%s\",",
	    adjectives[next(NELEM(adjectives))], nouns[next(NELEM(nouns))],
	    next(1000), next(100), 1 + next(50),
	    categories[next(NELEM(categories))]) != 0 ||
	    append_description(b) != 0)
		return -1;
	return buf_printf(b, ",\"availability\":%s,\"discount_percentage\":"
	    "%u.%02u,\"date\":\"%u/%u/%u\"}", next(2) ? "true" : "false",
	    next(100), next(100), 1 + next(12), 1 + next(28),
	    2020 + next(6));
}

static int
make_body(struct buf *b)
{
	if (buf_puts(b, "[") != 0)
		return -1;
	while (b->len < BODY_SIZE)
		if ((b->len > 1 && buf_puts(b, ",") != 0) ||
		    append_record(b) != 0)
			return -1;
	return buf_puts(b, "]");
}

static int
enrich_fixed(void *arg, struct buf *out)
{
	(void)arg;
	return buf_puts(out, "\"id\":\"4f1c2a9e-0b7d-4c31-9a55-3c2f8e61d0aa\","
	    "\"shop_id\":\"shop_1234\"");
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum which { SPLICE, VALIDATE, JANSSON };

/* Runs one measure once; returns its time, or -1 when it failed. */
static double
run_once(enum which w, const struct buf *body)
{
	static const char *const drop[] = { "id", "shop_id" };
	struct splice sp = { drop, 2, enrich_fixed, NULL, "," };
	struct json_error jerr;
	struct buf out = BUF_INIT;
	json_error_t jerror;
	json_t *root;
	size_t records = 0;
	double t0, t;
	int ok;

	t0 = now();
	switch (w) {
	case SPLICE:
		ok = json_splice(&sp, body->data, body->len, &out, &records,
		    &jerr) == SPLICE_OK;
		break;
	case VALIDATE:
		ok = json_validate(body->data, body->len, &jerr) == SPLICE_OK;
		break;
	default:
		root = json_loadb(body->data, body->len, 0, &jerror);
		ok = root != NULL;
		json_decref(root);
		break;
	}
	t = now() - t0;
	buf_free(&out);
	if (!ok)
		fprintf(stderr, "splice_speed: run failed at %zu: %s\n",
		    jerr.offset, jerr.reason);
	return ok ? t : -1;
}

static int
measure(const char *name, enum which w, const struct buf *body)
{
	double times[RUNS], mb = (double)body->len / 1e6;
	int i;

	for (i = 0; i < RUNS; i++)
		if ((times[i] = run_once(w, body)) < 0)
			return -1;
	qsort(times, RUNS, sizeof(times[0]), compare_double);
	printf("%s: %.1f MB in %.3f s = %.0f MB/s\n", name, mb,
	    times[RUNS / 2], mb / times[RUNS / 2]);
	return 0;
}

int
main(void)
{
	struct buf body = BUF_INIT;
	int rc = 1;

	if (make_body(&body) != 0) {
		fprintf(stderr, "splice_speed: out of memory\n");
		goto out;
	}
	if (measure("splice", SPLICE, &body) != 0 ||
	    measure("validate", VALIDATE, &body) != 0 ||
	    measure("jansson", JANSSON, &body) != 0)
		goto out;
	rc = 0;
out:
	buf_free(&body);
	return rc;
}
