/*
 * naming.c - object keys: {prefix}/{timestamp}_{uuid}{suffix}.
 *
 * Supabase Storage accepts only some bytes in keys and stores "." and
 * ".." segments literally (a file backend then writes outside the
 * bucket), and an empty segment makes it fail; so keys are checked here,
 * before any request, for every sink alike.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "naming.h"
#include "rng.h"

void
uuid4_format(const unsigned char bytes[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	int i, o = 0;

	memcpy(b, bytes, 16);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

int
uuid4_random(char out[37], struct err *err)
{
	unsigned char bytes[16];

	if (os_random(bytes, sizeof(bytes)) != 0)
		return err_set(err, ST_IO,
		    "cannot read random bytes for a uuid: %s", strerror(errno));
	uuid4_format(bytes, out);
	return ST_OK;
}

/* The characters Supabase Storage accepts in keys, besides '/' and
 * alphanumerics; '%' is allowed here for strftime conversions. */
static int
key_char_allowed(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("_/!-.*'() &$@=;:+,%", c) != NULL);
}

int
key_prefix_normalise(char *prefix, const char *what, struct err *err)
{
	char *in = prefix, *out = prefix, *seg;
	const unsigned char *p;
	size_t seglen;

	for (p = (const unsigned char *)prefix; *p != '\0'; p++)
		if (!key_char_allowed(*p))
			return err_set(err, ST_CONFIG,
			    "%s: character '%c' (0x%02x) is not allowed in "
			    "object keys",
			    what, *p >= 0x20 && *p < 0x7f ? *p : '?', *p);
	while (*in != '\0') {
		while (*in == '/')
			in++;
		if (*in == '\0')
			break;
		seg = in;
		while (*in != '\0' && *in != '/')
			in++;
		seglen = (size_t)(in - seg);
		if ((seglen == 1 && seg[0] == '.') ||
		    (seglen == 2 && seg[0] == '.' && seg[1] == '.'))
			return err_set(err, ST_CONFIG,
			    "%s: \"%.*s\" segments are not allowed in object "
			    "keys",
			    what, (int)seglen, seg);
		if (out != prefix)
			*out++ = '/';
		memmove(out, seg, seglen);
		out += seglen;
	}
	*out = '\0';
	return ST_OK;
}

const char *
time_format_expand(const char *format)
{
	if (strcmp(format, "iso") == 0)
		return TIME_FORMAT_ISO;
	if (strcmp(format, "basic") == 0)
		return TIME_FORMAT_BASIC;
	return format;
}

/* strftime with "no room" and "empty result" told apart from success. */
static int
format_time(char *out, size_t outsz, const char *format, const struct tm *utc)
{
	size_t n;

	if (format[0] == '\0') {
		out[0] = '\0';
		return 0;
	}
	n = strftime(out, outsz, format, utc);
	return n == 0 ? -1 : 0;
}

/* S3 allows 1024 bytes; Supabase Storage keeps keys in a text column
 * but its S3 face has the same limit. */
#define KEY_LIMIT 1024

/* The key for a message: each byte outside printable ASCII as '?'. */
static void
key_shown(char *out, size_t outsz, const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t o = 0;

	for (; *p != '\0' && o + 1 < outsz; p++)
		out[o++] = (char)(*p >= 0x20 && *p < 0x7f ? *p : '?');
	out[o] = '\0';
}

int
object_key_check(const char *key, struct err *err)
{
	const char *seg, *end;
	const unsigned char *p;
	char shown[KEY_LIMIT + 1];
	size_t len;

	if (key == NULL || key[0] == '\0')
		return err_set(err, ST_CONFIG, "object key is empty");
	if (strlen(key) > KEY_LIMIT)
		return err_set(err, ST_CONFIG,
		    "object key is longer than %d bytes", KEY_LIMIT);
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		if (key_char_allowed(*p) && *p != '%')
			continue;
		key_shown(shown, sizeof(shown), key);
		return err_set(err, ST_CONFIG,
		    "object key \"%s\" has byte 0x%02x, which object stores "
		    "refuse: check supabase.path_raw_data.new and "
		    "naming.time_format",
		    shown, *p);
	}
	/* Stores keep "." and ".." segments literally or fail on them, and
	 * on empty ones. */
	for (seg = key;; seg = end + 1) {
		end = strchr(seg, '/');
		len = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if (len == 0 || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return err_set(err, ST_CONFIG,
			    "object key \"%s\" has an empty, \".\" or \"..\" "
			    "segment: check supabase.path_raw_data.new and "
			    "naming.time_format",
			    key);
		if (end == NULL)
			return ST_OK;
	}
}

int
object_key_format(char *out, size_t outsz, const char *prefix,
    const char *time_format, const struct tm *utc, const char *uuid,
    const char *suffix, struct err *err)
{
	char dir[KEY_MAX], stamp[256];
	int n;

	if (format_time(dir, sizeof(dir), prefix, utc) != 0)
		return err_set(err, ST_CONFIG,
		    "path prefix \"%s\" expands to nothing or to more than %d "
		    "bytes",
		    prefix, KEY_MAX - 1);
	if (format_time(stamp, sizeof(stamp), time_format, utc) != 0)
		return err_set(err, ST_CONFIG,
		    "naming.time_format \"%s\" expands to nothing or to more "
		    "than 255 bytes",
		    time_format);
	n = snprintf(out, outsz, "%s%s%s_%s%s", dir, dir[0] ? "/" : "", stamp,
	    uuid, suffix);
	if (n < 0 || (size_t)n >= outsz)
		return err_set(err, ST_CONFIG,
		    "object key for prefix \"%s\" is longer than %zu bytes",
		    prefix, outsz - 1);
	return object_key_check(out, err);
}
