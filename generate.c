/*
 * generate.c - realistic product records for the built-in source.
 *
 * Values come from small fixed tables, formatted by hand: a batch of a
 * million records should cost about as much to generate as to splice.
 */

#include <string.h>

#include "generate.h"
#include "rng.h"

struct category {
	const char *name;
	const char *const *products;
	size_t nproducts;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The data tables are laid out by hand. */
/* clang-format off */
static const char *const prepared[] = {
	"Stuffed Grape Leaves", "Chicken Pot Pie", "Vegetable Lasagna",
	"Beef Stroganoff", "Spinach Quiche", "Pad Thai Noodles",
	"Mushroom Risotto", "Chicken Tikka Masala"
};
static const char *const dairy[] = {
	"Cheese - Brie", "Milk - 2%", "Yogurt - Greek, Plain",
	"Butter - Unsalted", "Cream - 35%", "Cheese - Aged Cheddar"
};
static const char *const beverages[] = {
	"Juice - Orange", "Coffee - Colombian, Whole Bean", "Tea - Earl Grey",
	"Water - Sparkling", "Lemonade - Pink", "Soda - Ginger Ale"
};
static const char *const bakery[] = {
	"Bread - Sourdough", "Croissant - Butter", "Bagel - Sesame",
	"Muffin - Blueberry", "Baguette", "Cookies - Oatmeal Raisin"
};
static const char *const produce[] = {
	"Apples - Gala", "Bananas", "Lettuce - Romaine", "Tomatoes - Cherry",
	"Avocado", "Peppers - Red Bell", "Onions - Spanish"
};
static const char *const meat[] = {
	"Beef - Ground, Lean", "Chicken - Breast, Boneless",
	"Pork - Tenderloin", "Salmon - Fillet", "Shrimp - 21/25",
	"Turkey - Sliced"
};
static const char *const household[] = {
	"Dish Soap", "Paper Towels", "Garbage Bags - Large",
	"Laundry Detergent", "Sponges - Scrub", "Aluminum Foil"
};

static const struct category categories[] = {
	{ "Food - Prepared Foods", prepared, COUNT(prepared) },
	{ "Food - Dairy", dairy, COUNT(dairy) },
	{ "Beverages", beverages, COUNT(beverages) },
	{ "Food - Bakery", bakery, COUNT(bakery) },
	{ "Food - Produce", produce, COUNT(produce) },
	{ "Food - Meat", meat, COUNT(meat) },
	{ "Household", household, COUNT(household) }
};

static const char *const sentences[] = {
	"Curabitur at ipsum ac tellus semper interdum.",
	"Mauris ullamcorper purus sit amet nulla.",
	"Quisque arcu libero, rutrum ac, lobortis vel, dapibus at, diam.",
	"Nam tristique tortor eu pede.",
	"Vestibulum ante ipsum primis in faucibus orci luctus et ultrices "
	    "posuere cubilia Curae; Duis faucibus accumsan odio.",
	"Curabitur convallis.",
	"Duis consequat dui nec nisi volutpat eleifend.",
	"Donec ut dolor.",
	"Morbi vel lectus in quam fringilla rhoncus.",
	"Mauris enim leo, rhoncus sed, vestibulum sit amet, cursus id, "
	    "turpis.",
	"Integer aliquet, massa id lobortis convallis, tortor risus dapibus "
	    "augue, vel accumsan tellus nisi eu orci.",
	"Mauris lacinia sapien quis libero.",
	"Nullam sit amet turpis elementum ligula vehicula consequat.",
	"Morbi a ipsum.",
	"Integer a nibh.",
	"In quis justo.",
	"Maecenas rhoncus aliquam lacus.",
	"Morbi quis tortor id nulla ultrices aliquet.",
	"Aenean fermentum.",
	"Donec ut mauris eget massa tempor convallis.",
	"Nulla neque libero, convallis eget, eleifend luctus, ultricies eu, "
	    "nibh.",
	"Quisque id justo sit amet sapien dignissim vestibulum.",
	"Phasellus in felis.",
	"Donec semper sapien a libero.",
	"Nam dui.",
	"Proin leo odio, porttitor id, consequat in, consequat ut, nulla.",
	"Sed accumsan felis.",
	"Ut at dolor quis odio consequat varius.",
	"Integer ac leo.",
	"Pellentesque ultrices mattis odio.",
	"Donec vitae nisi.",
	"Nam ultrices, libero non mattis pulvinar, nulla pede ullamcorper "
	    "augue, a suscipit nulla elit ac nulla."
};

static const int days_in_month[] = {
	31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
};
/* clang-format on */

/* Appends the decimal digits of v at p; returns the end. */
static char *
put_uint(char *p, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/* Appends s without its NUL at p; returns the end.  The body being
 * built is terminated once, after its last record. */
static char *
put_text(char *p, const char *s)
{
	size_t n = strlen(s);

	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
	memcpy(p, s, n);
	return p + n;
}

/* Appends cents as a number with two decimals: 93111 -> 931.11. */
static char *
put_cents(char *p, uint64_t cents)
{
	p = put_uint(p, cents / 100);
	*p++ = '.';
	*p++ = (char)('0' + cents / 10 % 10);
	*p++ = (char)('0' + cents % 10);
	return p;
}

/* A date from 2023 to 2025 as M/D/YYYY, no zero padding. */
static char *
put_date(char *p, struct rng *r)
{
	uint64_t year = 2023 + rng_below(r, 3);
	uint64_t month = rng_below(r, 12);
	uint64_t day = 1 + rng_below(r, (uint64_t)days_in_month[month]);

	p = put_uint(p, month + 1);
	*p++ = '/';
	p = put_uint(p, day);
	*p++ = '/';
	return put_uint(p, year);
}

/* Longest possible record: the longest name, category and two longest
 * sentences, plus the fixed text and numbers; checked in tests. */
#define RECORD_MAX 768

static char *
put_record(char *p, struct rng *r)
{
	const struct category *c = &categories[rng_below(r, COUNT(categories))];
	uint64_t nsentences = 1 + rng_below(r, 2), i;

	p = put_text(p, "{\"product_name\":\"");
	p = put_text(p, c->products[rng_below(r, c->nproducts)]);
	p = put_text(p, "\",\"price\":");
	p = put_cents(p, 100 + rng_below(r, 99900));
	p = put_text(p, ",\"quantity\":");
	p = put_uint(p, 1 + rng_below(r, 20));
	p = put_text(p, ",\"category\":\"");
	p = put_text(p, c->name);
	p = put_text(p, "\",\"description\":\"");
	for (i = 0; i < nsentences; i++) {
		if (i > 0)
			*p++ = ' ';
		p = put_text(p, sentences[rng_below(r, COUNT(sentences))]);
	}
	p = put_text(p,
	    rng_below(r, 4) ?
		"\",\"availability\":true" :
		"\",\"availability\":false");
	p = put_text(p, ",\"discount_percentage\":");
	p = put_cents(p, rng_below(r, 5001));
	p = put_text(p, ",\"date\":\"");
	p = put_date(p, r);
	return put_text(p, "\"}");
}

int
generate_response(struct buf *out, uint64_t seed, size_t records)
{
	struct rng r;
	size_t i;
	char *p;

	if (records > (SIZE_MAX - 3) / (RECORD_MAX + 1) ||
	    buf_reserve(out, records * (RECORD_MAX + 1) + 2) != 0)
		return -1;
	rng_seed(&r, seed);
	p = out->data + out->len;
	*p++ = '[';
	for (i = 0; i < records; i++) {
		if (i > 0)
			*p++ = ',';
		p = put_record(p, &r);
	}
	*p++ = ']';
	*p = '\0';
	out->len = (size_t)(p - out->data);
	return 0;
}
