/*
 * retry.h - the one retry policy, shared by fetch and upload.
 *
 * Pure functions: what counts as transient, how long to wait before the
 * next attempt (exponential backoff with full jitter, or the server's
 * Retry-After, never past the cap), and whether another attempt fits.
 * Service-specific meanings of error bodies (Mockaroo's quota text,
 * Supabase's statusCode envelope) live with each service and call these.
 */
#ifndef COLLECTOR_RETRY_H
#define COLLECTOR_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RETRY_BASE_MS 500
#define RETRY_CAP_MS 30000

struct retry_policy {
	long retries; /* attempts after the first, at most */
	long base_ms; /* first backoff ceiling */
	long cap_ms;  /* no wait is longer */
};

/* True for libcurl results worth another attempt: connection refused or
 * reset, DNS failure, timeouts, a transfer cut short. */
bool retry_transient_curl(int curl_code);

/* True for HTTP statuses worth another attempt: 408, 425, 429, 500, 502,
 * 503, 504 and 544 (Supabase's database timeout). */
bool retry_transient_http(long status);

/*
 * Parses a Retry-After value (delta seconds or an HTTP date) against now;
 * returns milliseconds to wait (0 for a date in the past), or -1 when the
 * value is absent or malformed.
 */
long retry_after_ms(const char *value, time_t now);

/*
 * The wait before attempt number `attempt` (1 = the first retry): full
 * jitter, uniform in [0, min(cap, base * 2^(attempt-1))], drawn from
 * `random`; or retry_after_ms when >= 0, capped at cap.
 */
long retry_delay_ms(const struct retry_policy *p, long attempt,
    long retry_after_ms, uint64_t random);

/* True when attempt `attempt` (1 = the first retry) is allowed and its
 * wait ends before the deadline (both in ms on one clock). */
bool retry_allowed(const struct retry_policy *p, long attempt, long delay_ms,
    long long now_ms, long long deadline_ms);

#endif
