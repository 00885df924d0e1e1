/*
 * fuzz_supabase.c - supabase_classify() and supabase_info_size().
 *
 * Input: two bytes of HTTP status (big-endian, taken modulo 1000), then
 * the answer's body.  For every input the outcome is one of enum
 * store_outcome, "stored" exactly when the HTTP status itself is 2xx (an
 * envelope must never turn a refusal into a landed batch), code and
 * message are NUL-terminated printable ASCII, the size is -1 or more,
 * and the message store_answer_status() builds from the answer is one
 * printable line with a documented exit status.
 */

#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "store.h"
#include "supabase.h"

static void
check_line(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	FUZZ_CHECK(n > 0 && n < size);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_context ctx = { "supabase storage",
		"http://127.0.0.1:54321", "datalake",
		"bronze/new/2025-01-01T00:00:00_x.json", 1234, 1, 0 };
	struct store_answer a;
	struct err err;
	const char *body;
	long status;
	long long n;
	int st;

	if (size < 2)
		return 0;
	status = ((long)data[0] << 8 | data[1]) % 1000;
	body = (const char *)data + 2;
	size -= 2;

	supabase_classify(status, body, size, &a);
	FUZZ_CHECK(a.outcome >= STORE_STORED && a.outcome <= STORE_REFUSED);
	FUZZ_CHECK(
	    (a.outcome == STORE_STORED) == (status >= 200 && status < 300));
	FUZZ_CHECK(a.status >= 0);
	fuzz_check_ascii(a.code, sizeof(a.code));
	fuzz_check_ascii(a.message, sizeof(a.message));
	if (a.outcome != STORE_STORED) {
		err.msg[0] = '\0';
		st = store_answer_status(&a, &ctx, &err);
		FUZZ_CHECK(st == ST_DATA || st == ST_UNAVAILABLE ||
		    st == ST_CANTCREATE || st == ST_NOPERM || st == ST_CONFIG ||
		    st == ST_TEMPFAIL);
		check_line(err.msg, sizeof(err.msg));
	}

	n = supabase_info_size(body, size);
	FUZZ_CHECK(n >= -1);
	return 0;
}
