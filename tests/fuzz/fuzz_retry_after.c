/*
 * fuzz_retry_after.c - retry_after_ms().
 *
 * Input: the header value (up to its first NUL).  The result is -1 or a
 * wait from 0 to a day; for delta seconds (blanks, digits, blanks) it is
 * exactly min(value, 86400) * 1000, and for a canonical IMF-fixdate the
 * wait to it through timegm(), both computed here independently.
 */

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "retry.h"

#define DAY_MS 86400000L

/* The independent reading of delta seconds; false for anything else. */
static bool
delta_seconds(const char *s, long *ms)
{
	unsigned long long v = 0;
	size_t i = 0, digits;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	for (digits = 0; s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (v <= 86400)
			v = v * 10 + (unsigned long long)(s[i] - '0');
	if (digits == 0)
		return false;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (s[i] != '\0')
		return false;
	*ms = (long)(v > 86400 ? 86400 : v) * 1000L;
	return true;
}

static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * The independent reading of a canonical IMF-fixdate,
 * "Sun, 06 Nov 1994 08:49:37 GMT", through timegm(); false for anything
 * else, and for fields the program refuses (a year before 1970, a day
 * above 31, an hour above 23, a minute above 59, a second above 60).
 */
static bool
imf_fixdate(const char *s, time_t now, long *ms)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	const char *m;
	long long when, wait;

	if (strlen(s) != 29 || !isupper((unsigned char)s[0]) ||
	    !islower((unsigned char)s[1]) || !islower((unsigned char)s[2]) ||
	    memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    strcmp(s + 25, " GMT") != 0)
		return false;
	memset(&tm, 0, sizeof(tm));
	for (m = months; *m != '\0' && memcmp(m, s + 8, 3) != 0; m += 3)
		;
	if (*m == '\0')
		return false;
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_mday = digits(s + 5, 2);
	tm.tm_year = digits(s + 12, 4) - 1900;
	tm.tm_hour = digits(s + 17, 2);
	tm.tm_min = digits(s + 20, 2);
	tm.tm_sec = digits(s + 23, 2);
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return false;
	when = (long long)timegm(&tm);
	wait = when > (long long)now ? when - (long long)now : 0;
	*ms = (long)(wait > 86400 ? 86400 : wait) * 1000L;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 2025-12-03 14:00:00 UTC, just before a 32-bit time_t runs out,
	 * and the epoch, so that dates fall on both sides of now. */
	static const time_t nows[] = { 1764770400, 2147483000, 0 };
	char *value;
	long got, want;
	size_t i;

	if ((value = malloc(size + 1)) == NULL)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		got = retry_after_ms(value, nows[i]);
		FUZZ_CHECK(got >= -1 && got <= DAY_MS);
		if (delta_seconds(value, &want) ||
		    imf_fixdate(value, nows[i], &want))
			FUZZ_CHECK(got == want);
	}
	FUZZ_CHECK(retry_after_ms(NULL, nows[0]) == -1);
	free(value);
	return 0;
}
