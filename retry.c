/*
 * retry.c - the one retry policy, shared by fetch and upload.
 *
 * Pure: no clocks, no randomness of its own.  Callers pass the time and
 * a random draw, so tests can pin every outcome.
 */

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "retry.h"

/* A Retry-After longer than this is as good as "much later": the delay is
 * capped anyway, and the clamp keeps the millisecond product in range. */
#define RETRY_AFTER_MAX_S 86400L

bool
retry_transient_curl(int curl_code)
{
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
		/* Resolvers fail for a moment while networks come up. */
	case CURLE_COULDNT_CONNECT:
		/* Refused or unreachable: the service may be restarting. */
	case CURLE_OPERATION_TIMEDOUT:
		/* Connect, per-request or low-speed timeout. */
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		/* Reset by the peer or a middlebox. */
	case CURLE_GOT_NOTHING:
		/* The server closed a reused connection before answering. */
	case CURLE_PARTIAL_FILE:
		/* The body ended before its Content-Length. */
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		/* A stream or connection reset by the HTTP/2 peer. */
	case CURLE_SSL_CONNECT_ERROR:
		/* Mostly a handshake cut short; a certificate that does not
		 * verify is CURLE_PEER_FAILED_VERIFICATION, not this. */
		return true;
	default:
		/* Bad URLs, certificates, our own aborts (a body over the
		 * cap, no memory): the same again would fail the same way. */
		return false;
	}
}

bool
retry_transient_http(long status)
{
	switch (status) {
	case 408: /* Request Timeout */
	case 425: /* Too Early */
	case 429: /* Too Many Requests: callers rule out quotas first */
	case 500: /* Internal Server Error */
	case 502: /* Bad Gateway */
	case 503: /* Service Unavailable */
	case 504: /* Gateway Timeout */
	case 544: /* Supabase: database timeout */
		return true;
	default:
		return false;
	}
}

static const char *const month_names[12] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
month_number(const char *name)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strcmp(name, month_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Days from 1970-01-01 to the given civil date (Howard Hinnant's
 * algorithm): timegm() without the environment.
 */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
date_fields_valid(int year, int mon, int day, int h, int mi, int s)
{
	return year >= 1970 && year <= 9999 && mon >= 0 && day >= 1 &&
	    day <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 &&
	    s <= 60;
}

struct http_date {
	int year, mon, day, h, mi, s;
	char mon_name[4];
	char zone[4];
};

/* Sun, 06 Nov 1994 08:49:37 GMT (IMF-fixdate, the one form to send) */
static int
imf_fixdate_scan(const char *s, struct http_date *d)
{
	char wday[16];
	int n = 0;

	/* NOLINTNEXTLINE(cert-err34-c): no %d is wider than 4 digits. */
	if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", wday,
		&d->day, d->mon_name, &d->year, &d->h, &d->mi, &d->s, d->zone,
		&n) != 8)
		return -1;
	return n;
}

/* Sunday, 06-Nov-94 08:49:37 GMT (RFC 850) */
static int
rfc850_scan(const char *s, struct http_date *d)
{
	char wday[16];
	int n = 0;

	/* NOLINTNEXTLINE(cert-err34-c): no %d is wider than 2 digits. */
	if (sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wday,
		&d->day, d->mon_name, &d->year, &d->h, &d->mi, &d->s, d->zone,
		&n) != 8)
		return -1;
	/* Two-digit years: the nearest century not far in the future. */
	d->year += d->year < 70 ? 2000 : 1900;
	return n;
}

/* Sun Nov  6 08:49:37 1994 (asctime) */
static int
asctime_scan(const char *s, struct http_date *d)
{
	char wday[16];
	int n = 0;

	/* NOLINTNEXTLINE(cert-err34-c): no %d is wider than 4 digits. */
	if (sscanf(s, "%15[A-Za-z] %3s %2d %2d:%2d:%2d %4d%n", wday,
		d->mon_name, &d->day, &d->h, &d->mi, &d->s, &d->year, &n) != 7)
		return -1;
	strcpy(d->zone, "GMT");
	return n;
}

/*
 * Parses the three date forms HTTP allows (RFC 9110 5.6.7).  Returns 0
 * and seconds since the epoch in *out, or -1.
 */
static int
http_date_parse(const char *s, long long *out)
{
	struct http_date d;
	int n;

	memset(&d, 0, sizeof(d));
	if ((n = imf_fixdate_scan(s, &d)) <= 0 &&
	    (n = rfc850_scan(s, &d)) <= 0 && (n = asctime_scan(s, &d)) <= 0)
		return -1;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	if (s[n] != '\0' || strcmp(d.zone, "GMT") != 0)
		return -1;
	if ((d.mon = month_number(d.mon_name)) < 0 ||
	    !date_fields_valid(d.year, d.mon, d.day, d.h, d.mi, d.s))
		return -1;
	*out = days_from_civil(d.year, d.mon + 1, d.day) * 86400 + d.h * 3600L +
	    d.mi * 60L + d.s;
	return 0;
}

long
retry_after_ms(const char *value, time_t now)
{
	const char *p, *end;
	long long seconds, when;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value == '\0')
		return -1;
	if (isdigit((unsigned char)*value)) {
		seconds = 0;
		for (p = value; isdigit((unsigned char)*p); p++)
			if (seconds <= RETRY_AFTER_MAX_S)
				seconds = seconds * 10 + (*p - '0');
		for (end = p; *end == ' ' || *end == '\t'; end++)
			;
		if (*end != '\0')
			return -1;
		if (seconds > RETRY_AFTER_MAX_S)
			seconds = RETRY_AFTER_MAX_S;
		return (long)(seconds * 1000);
	}
	if (http_date_parse(value, &when) != 0)
		return -1;
	if (when <= (long long)now)
		return 0;
	seconds = when - (long long)now;
	if (seconds > RETRY_AFTER_MAX_S)
		seconds = RETRY_AFTER_MAX_S;
	return (long)(seconds * 1000);
}

long
retry_delay_ms(const struct retry_policy *p, long attempt, long retry_after,
    uint64_t random)
{
	long ceiling;
	long shift;

	if (retry_after >= 0)
		return retry_after < p->cap_ms ? retry_after : p->cap_ms;
	if (attempt < 1)
		attempt = 1;
	/* base * 2^(attempt-1), stopping at the cap before it overflows. */
	ceiling = p->base_ms;
	for (shift = 1; shift < attempt && ceiling < p->cap_ms; shift++)
		ceiling *= 2;
	if (ceiling > p->cap_ms)
		ceiling = p->cap_ms;
	if (ceiling <= 0)
		return 0;
	return (long)(random % ((uint64_t)ceiling + 1));
}

bool
retry_allowed(const struct retry_policy *p, long attempt, long delay_ms,
    long long now_ms, long long deadline_ms)
{
	if (attempt < 1 || attempt > p->retries)
		return false;
	return now_ms + delay_ms < deadline_ms;
}
