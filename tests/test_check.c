/* test_check.c - the key of the --check probe object. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "naming.h"
#include "t.h"

static void
test_probe_key(void)
{
	static const struct {
		const char *path;
		int status;
		const char *key; /* or a part of the message */
	} rows[] = {
		{ "bronze/new", ST_OK, "bronze/new/.collector-check" },
		{ "", ST_OK, ".collector-check" },
		{ "raw/dt=%Y-%m-%d", ST_OK,
		    "raw/dt=2026-12-03/.collector-check" },
		{ "%H", ST_OK, "13/.collector-check" },
		{ "a/%%", ST_CONFIG, "byte 0x25" },
		{ "%p", ST_OK, "PM/.collector-check" },
		{ "a/..", ST_CONFIG, "a/../.collector-check" },
	};
	struct tm utc;
	char key[KEY_MAX];
	struct err err;
	size_t i;

	memset(&utc, 0, sizeof(utc));
	utc.tm_year = 2026 - 1900;
	utc.tm_mon = 11;
	utc.tm_mday = 3;
	utc.tm_hour = 13;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&err, 0, sizeof(err));
		key[0] = '\0';
		T_INT(check_probe_key(key, sizeof(key), rows[i].path, &utc,
			  &err),
		    rows[i].status);
		if (rows[i].status == ST_OK)
			T_STR(key, rows[i].key);
		else
			T_CONTAINS(err.msg, rows[i].key);
	}
}

static void
test_probe_key_too_long(void)
{
	char path[KEY_MAX], key[KEY_MAX];
	struct tm utc;
	struct err err;

	memset(&utc, 0, sizeof(utc));
	memset(path, 'a', sizeof(path) - 10);
	path[sizeof(path) - 10] = '\0';
	memset(&err, 0, sizeof(err));
	T_INT(check_probe_key(key, sizeof(key), path, &utc, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.path_raw_data.new makes a probe key longer than 1023 "
	    "bytes");
}

int
main(void)
{
	test_probe_key();
	test_probe_key_too_long();
	return t_done();
}
