/* test_generate.c - the built-in source's records. */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "generate.h"
#include "t.h"

/* M/D/YYYY with no zero padding, a real day of 2023-2025. */
static int
is_date(const char *s)
{
	unsigned long m, d, y;
	char again[16], *end;

	if (s == NULL)
		return 0;
	m = strtoul(s, &end, 10);
	if (*end != '/')
		return 0;
	d = strtoul(end + 1, &end, 10);
	if (*end != '/')
		return 0;
	y = strtoul(end + 1, &end, 10);
	/* The round trip rejects signs, blanks, zero padding, overflow. */
	snprintf(again, sizeof(again), "%lu/%lu/%lu", m, d, y);
	return strcmp(again, s) == 0 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31 && y >= 2023 && y <= 2025;
}

/* A number written with exactly two decimals. */
static int
two_decimals(const char *text, const char *end, const char *member)
{
	const char *p = strstr(text, member), *dot;

	if (p == NULL || p > end)
		return 0;
	p += strlen(member);
	dot = strchr(p, '.');
	return dot != NULL && dot[1] >= '0' && dot[1] <= '9' && dot[2] >= '0' &&
	    dot[2] <= '9' && (dot[3] == ',' || dot[3] == '}');
}

static size_t
check_record(json_t *r, const char *text, const char *end)
{
	static const char *const order[] = { "product_name", "price",
		"quantity", "category", "description", "availability",
		"discount_percentage", "date" };
	size_t bad = 0, i = 0;
	const char *name;
	json_t *v;

	json_object_foreach(r, name, v)
	{
		bad += i >= 8 || strcmp(name, order[i]) != 0;
		i++;
	}
	bad += i != 8;
	bad += !json_is_string(json_object_get(r, "product_name"));
	bad += !json_is_real(json_object_get(r, "price"));
	bad += json_real_value(json_object_get(r, "price")) < 1.0;
	bad += json_real_value(json_object_get(r, "price")) >= 1000.0;
	bad += !json_is_integer(json_object_get(r, "quantity"));
	bad += !json_is_string(json_object_get(r, "category"));
	bad += !json_is_string(json_object_get(r, "description"));
	bad += !json_is_boolean(json_object_get(r, "availability"));
	bad += !json_is_real(json_object_get(r, "discount_percentage"));
	bad += !is_date(json_string_value(json_object_get(r, "date")));
	bad += !two_decimals(text, end, "\"price\":");
	bad += !two_decimals(text, end, "\"discount_percentage\":");
	return bad;
}

static void
test_schema(void)
{
	struct buf body = BUF_INIT;
	json_error_t error;
	json_t *doc, *r;
	size_t i, bad = 0;
	const char *text;

	T_INT(generate_response(&body, 7, 2000), 0);
	doc = json_loadb(body.data, body.len, 0, &error);
	T_OK(json_is_array(doc));
	T_INT(json_array_size(doc), 2000);
	text = body.data;
	json_array_foreach(doc, i, r)
	{
		/* The record's own text, to check how its numbers are
		 * written: the object is flat, so it ends at the first '}'. */
		text = strstr(text, "{\"product_name\"");
		if (text == NULL)
			break;
		bad += check_record(r, text, strchr(text, '}'));
		text++;
	}
	T_INT(i, 2000);
	T_INT(bad, 0);
	json_decref(doc);
	buf_free(&body);
}

static void
test_determinism(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;

	T_INT(generate_response(&a, 11, 100), 0);
	T_INT(generate_response(&b, 11, 100), 0);
	T_INT(generate_response(&c, 12, 100), 0);
	T_MEM(a.data, a.len, b.data, b.len);
	T_OK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);

	T_INT(generate_response(&a, 1, 0), 0);
	T_STR(a.data, "[]");
	buf_free(&a);
}

int
main(void)
{
	test_schema();
	test_determinism();
	return t_done();
}
