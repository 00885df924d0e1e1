/*
 * fuzz_key.c - object_key_format(), key_prefix_normalise(),
 * object_key_check() and s3_object_url().
 *
 * Input: four bytes of time (seconds since the epoch, big-endian), one
 * byte of options, then the path prefix and the time format separated by
 * the first newline.  Every key object_key_format() returns must pass
 * object_key_check() and be shorter than KEY_MAX; its URL must hold, after
 * the endpoint and bucket, only unreserved bytes, %XX escapes and '/';
 * every refusal has a message.  With a prefix and a format as the
 * configuration passes them (normalised, no control characters), that
 * message is one printable line.
 */

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fuzz.h"
#include "naming.h"
#include "s3.h"

static bool
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static bool
hex_upper(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void
check_message(const struct err *err, bool printable)
{
	size_t n = strnlen(err->msg, sizeof(err->msg));

	FUZZ_CHECK(n > 0 && n < sizeof(err->msg));
	if (printable)
		FUZZ_CHECK(!has_control(err->msg));
}

static void
check_url(const char *key, bool path_style)
{
	struct s3_target t;
	struct buf url = BUF_INIT;
	const char *want = path_style ?
	    "https://s3.us-east-1.amazonaws.com/my-bucket/" :
	    "https://my-bucket.s3.us-east-1.amazonaws.com/";
	const unsigned char *p;
	size_t n = strlen(want);

	memset(&t, 0, sizeof(t));
	strcpy(t.bucket, "my-bucket");
	strcpy(t.endpoint, "https://s3.us-east-1.amazonaws.com");
	strcpy(t.region, "us-east-1");
	t.path_style = path_style;
	FUZZ_CHECK(s3_object_url(&url, &t, key) == 0);
	FUZZ_CHECK(url.len > n && memcmp(url.data, want, n) == 0);
	for (p = (const unsigned char *)url.data + n; *p != '\0'; p++) {
		if (*p == '%') {
			FUZZ_CHECK(hex_upper(p[1]) && hex_upper(p[2]));
			p += 2;
		} else
			FUZZ_CHECK(unreserved(*p) || *p == '/');
	}
	FUZZ_CHECK((size_t)(p - (const unsigned char *)url.data) == url.len);
	buf_free(&url);
}

/* Formats one key and checks what comes back. */
static void
check_key(const char *prefix, const char *format, const struct tm *utc,
    const char *suffix, bool path_style, bool as_configured)
{
	static const char uuid[] = "0f8fad5b-d9cb-469f-a165-70867728950e";
	char key[KEY_MAX];
	struct err err;

	err.msg[0] = '\0';
	if (object_key_format(key, sizeof(key), prefix, format, utc, uuid,
		suffix, &err) != ST_OK) {
		check_message(&err, as_configured);
		return;
	}
	FUZZ_CHECK(strlen(key) < KEY_MAX);
	FUZZ_CHECK(object_key_check(key, &err) == ST_OK);
	check_url(key, path_style);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char
	    *const suffixes[] = { ".json", ".ndjson", ".json.gz", "" };
	char *text, *prefix, *format, *nl;
	const char *suffix;
	struct tm utc;
	struct err err;
	time_t when;
	bool path_style, normalised;
	uint8_t opts;

	if (size < 5)
		return 0;
	when = (time_t)((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3]);
	opts = data[4];
	suffix = suffixes[opts & 3];
	path_style = (opts & 4) != 0;
	data += 5;
	size -= 5;
	FUZZ_CHECK(gmtime_r(&when, &utc) != NULL);
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	prefix = text;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		format = nl + 1;
	} else
		format = (opts & 8) ? "" : (char *)TIME_FORMAT_ISO;
	format = (char *)time_format_expand(format);

	/* As given: object_key_format() alone must refuse what is bad. */
	check_key(prefix, format, &utc, suffix, path_style, false);

	/* As the configuration passes it. */
	err.msg[0] = '\0';
	normalised = key_prefix_normalise(prefix, "supabase.path_raw_data.new",
			 &err) == ST_OK;
	if (!normalised)
		check_message(&err, true);
	else {
		FUZZ_CHECK(prefix[0] != '/' &&
		    (prefix[0] == '\0' || prefix[strlen(prefix) - 1] != '/'));
		FUZZ_CHECK(strstr(prefix, "//") == NULL);
		check_key(prefix, format, &utc, suffix, path_style,
		    format[0] != '\0' && !has_control(format));
	}
	free(text);
	return 0;
}
