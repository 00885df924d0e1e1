/*
 * naming.h - object keys.
 *
 * A key is {path}/{timestamp}_{uuid}{suffix}: the path prefix and the
 * timestamp are strftime formats expanded in UTC, the uuid a random
 * version 4 UUID.  Everything here is pure except uuid4_random().
 */
#ifndef COLLECTOR_NAMING_H
#define COLLECTOR_NAMING_H

#include <stddef.h>
#include <time.h>

#include "status.h"

#define KEY_MAX 1024

/* Presets accepted by naming.time_format. */
#define TIME_FORMAT_ISO "%Y-%m-%dT%H:%M:%S"
#define TIME_FORMAT_BASIC "%Y%m%dT%H%M%SZ"

/* Formats 16 bytes as a version 4 UUID (setting the version and variant
 * bits) into out[37]. */
void uuid4_format(const unsigned char bytes[16], char out[37]);

/* A fresh version 4 UUID from the kernel's CSPRNG. */
int uuid4_random(char out[37], struct err *err);

/*
 * Normalises a path prefix in place: strips leading, trailing and doubled
 * slashes.  Refuses "." and ".." segments and bytes outside the
 * characters object stores accept.  what names the setting in messages.
 */
int key_prefix_normalise(char *prefix, const char *what, struct err *err);

/* Expands "iso" and "basic" to their formats; other text is returned as
 * is. */
const char *time_format_expand(const char *format);

/*
 * Refuses a key that is NULL or empty, longer than 1024 bytes, holds a
 * byte Supabase Storage refuses, or has an empty, "." or ".." segment
 * (so also one starting or ending with '/').  Keys come from
 * supabase.path_raw_data.new and naming.time_format, so this is a
 * configuration error (ST_CONFIG).
 */
int object_key_check(const char *key, struct err *err);

/*
 * Writes "{prefix}/{time}_{uuid}{suffix}" into out (prefix may be empty,
 * then no slash).  prefix and time_format are strftime formats expanded
 * with utc.  Refuses a result that is too long for out or that
 * object_key_check() refuses.
 */
int object_key_format(char *out, size_t outsz, const char *prefix,
    const char *time_format, const struct tm *utc, const char *uuid,
    const char *suffix, struct err *err);

#endif
