/* test_naming.c - uuids, path prefixes and object keys. */

#include <stdlib.h>
#include <string.h>

#include "naming.h"
#include "t.h"

static void
test_uuid_format(void)
{
	unsigned char zero[16] = { 0 }, ones[16];
	char out[37];

	uuid4_format(zero, out);
	T_STR(out, "00000000-0000-4000-8000-000000000000");
	memset(ones, 0xff, sizeof(ones));
	uuid4_format(ones, out);
	T_STR(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

static void
test_prefix_normalise(void)
{
	static const struct {
		const char *in, *want, *error;
	} cases[] = {
		{ "bronze/new", "bronze/new", NULL },
		{ "/bronze//new/", "bronze/new", NULL },
		{ "///", "", NULL },
		{ "", "", NULL },
		{ "bronze/new/dt=%Y-%m-%d", "bronze/new/dt=%Y-%m-%d", NULL },
		{ "a b/c:d", "a b/c:d", NULL },
		{ "bronze/../x", NULL,
		    "p: \"..\" segments are not allowed in object keys" },
		{ "./x", NULL,
		    "p: \".\" segments are not allowed in object keys" },
		{ "bronze/n#w", NULL,
		    "p: character '#' (0x23) is not allowed in object keys" },
		{ "br\xc3\xa9", NULL,
		    "p: character '?' (0xc3) is not allowed in object keys" },
	};
	struct err err;
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s", cases[i].in);
		err.msg[0] = '\0';
		if (cases[i].error == NULL) {
			T_INT(key_prefix_normalise(text, "p", &err), ST_OK);
			T_STR(text, cases[i].want);
		} else {
			T_INT(key_prefix_normalise(text, "p", &err), ST_CONFIG);
			T_STR(err.msg, cases[i].error);
		}
	}
}

/* The checks every sink makes before a request. */
static void
test_key_check(void)
{
	static const struct {
		const char *key;
		int status;
	} cases[] = {
		{ "bronze/new/2026-12-03T13:00:00_u.json", ST_OK },
		{ "x.json", ST_OK },
		{ "a b/c:d.json", ST_OK },
		{ "..x/y", ST_OK },
		{ "_/!-.*'() &$@=;:+,", ST_OK },
		{ "", ST_CONFIG },
		{ "/bronze/x.json", ST_CONFIG },
		{ "bronze/", ST_CONFIG },
		{ "bronze//x.json", ST_CONFIG },
		{ "bronze/./x.json", ST_CONFIG },
		{ "bronze/../x.json", ST_CONFIG },
		{ "..", ST_CONFIG },
		{ ".", ST_CONFIG },
		{ "a%20b.json", ST_CONFIG },
		{ "a#b.json", ST_CONFIG },
		{ "a?b.json", ST_CONFIG },
		{ "a\\b.json", ST_CONFIG },
		{ "br\xc3\xa9.json", ST_CONFIG },
	};
	struct err err;
	char longkey[1100];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		T_INT(object_key_check(cases[i].key, &err), cases[i].status);
		T_INT(err.msg[0] != '\0', cases[i].status != ST_OK);
	}
	T_INT(object_key_check("bronze/../x.json", &err), ST_CONFIG);
	T_STR(err.msg,
	    "object key \"bronze/../x.json\" has an empty, \".\" or \"..\" "
	    "segment: check supabase.path_raw_data.new and naming.time_format");
	T_INT(object_key_check("bronze/\tx%.json", &err), ST_CONFIG);
	T_STR(err.msg,
	    "object key \"bronze/?x%.json\" has byte 0x09, which object stores "
	    "refuse: check supabase.path_raw_data.new and naming.time_format");
	T_INT(object_key_check("", &err), ST_CONFIG);
	T_STR(err.msg, "object key is empty");
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	T_INT(object_key_check(longkey, &err), ST_CONFIG);
	T_STR(err.msg, "object key is longer than 1024 bytes");
	longkey[1024] = '\0';
	T_INT(object_key_check(longkey, &err), ST_OK);
	T_INT(object_key_check(NULL, &err), ST_CONFIG);
	T_STR(err.msg, "object key is empty");
}

static void
test_key_format(void)
{
	struct tm utc = { 0 };
	struct err err;
	char key[KEY_MAX];
	const char *uuid = "550e8400-e29b-41d4-a716-446655440000";

	utc.tm_year = 2025 - 1900;
	utc.tm_mon = 8;
	utc.tm_mday = 2;
	utc.tm_hour = 10;
	utc.tm_min = 30;
	utc.tm_sec = 45;

	T_INT(object_key_format(key, sizeof(key), "bronze/new", TIME_FORMAT_ISO,
		  &utc, uuid, ".json", &err),
	    ST_OK);
	T_STR(key,
	    "bronze/new/"
	    "2025-09-02T10:30:45_550e8400-e29b-41d4-a716-446655440000.json");
	T_INT(object_key_format(key, sizeof(key), "bronze/new/dt=%Y-%m-%d",
		  time_format_expand("basic"), &utc, uuid, ".jsonl", &err),
	    ST_OK);
	T_STR(key,
	    "bronze/new/dt=2025-09-02/"
	    "20250902T103045Z_550e8400-e29b-41d4-a716-446655440000.jsonl");
	T_INT(object_key_format(key, sizeof(key), "", "%s", &utc, uuid, ".json",
		  &err),
	    ST_OK);
	T_OK(strchr(key, '/') == NULL);

	T_STR(time_format_expand("iso"), TIME_FORMAT_ISO);
	T_STR(time_format_expand("%H"), "%H");

	/* A format that produces a separator or a forbidden byte. */
	T_INT(object_key_format(key, sizeof(key), "a", "%Y/", &utc, uuid,
		  ".json", &err),
	    ST_OK);
	T_STR(key, "a/2025/_550e8400-e29b-41d4-a716-446655440000.json");
	T_INT(object_key_format(key, sizeof(key), "a", "/", &utc, uuid, ".json",
		  &err),
	    ST_CONFIG);
	T_STR(err.msg,
	    "object key \"a//_550e8400-e29b-41d4-a716-446655440000.json\" has "
	    "an empty, \".\" or \"..\" segment: check "
	    "supabase.path_raw_data.new and naming.time_format");
	T_INT(object_key_format(key, sizeof(key), "a", "%%", &utc, uuid,
		  ".json", &err),
	    ST_CONFIG);
	T_STR(err.msg,
	    "object key \"a/%_550e8400-e29b-41d4-a716-446655440000.json\" has "
	    "byte 0x25, which object stores refuse: check "
	    "supabase.path_raw_data.new and naming.time_format");
	T_INT(object_key_format(key, 40, "bronze/new", TIME_FORMAT_ISO, &utc,
		  uuid, ".json", &err),
	    ST_CONFIG);
	T_STR(err.msg,
	    "object key for prefix \"bronze/new\" is longer than 39 bytes");
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 100,000 keys made in the same second are all distinct. */
static void
test_key_uniqueness(void)
{
	enum { N = 100000 };
	char **keys = calloc(N, sizeof(*keys));
	char uuid[37], key[KEY_MAX];
	struct tm utc = { 0 };
	struct err err;
	size_t i, n = 0, failures = 0, dups = 0;

	utc.tm_year = 126;
	T_OK(keys != NULL);
	for (i = 0; keys != NULL && i < N; i++) {
		if (uuid4_random(uuid, &err) != ST_OK ||
		    object_key_format(key, sizeof(key), "bronze/new",
			TIME_FORMAT_ISO, &utc, uuid, ".json", &err) != ST_OK ||
		    uuid[14] != '4' || strchr("89ab", uuid[19]) == NULL ||
		    (keys[n] = strdup(key)) == NULL) {
			failures++;
			continue;
		}
		n++;
	}
	T_INT(failures, 0);
	/* Only the keys made are compared, so a failure is reported, not
	 * a crash in strcmp(). */
	if (n > 0)
		qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 1; i < n; i++)
		dups += strcmp(keys[i - 1], keys[i]) == 0;
	T_INT(dups, 0);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

int
main(void)
{
	test_uuid_format();
	test_prefix_normalise();
	test_key_check();
	test_key_format();
	test_key_uniqueness();
	return t_done();
}
