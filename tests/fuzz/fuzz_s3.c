/*
 * fuzz_s3.c - s3_classify() and s3_xml_text().
 *
 * Input: two bytes of HTTP status (big-endian, modulo 1000), then the
 * answer's body.  The outcome is one of enum store_outcome and "stored"
 * only for an HTTP 2xx; code and message are NUL-terminated printable
 * ASCII; s3_xml_text() never writes past outsz, whatever outsz is, and
 * what it writes is printable.
 */

#include <string.h>

#include "fuzz.h"
#include "s3.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const
	    tags[] = { "Code", "Message", "UploadId", "ETag", "Key", "" };
	static const size_t sizes[] = { 1, 2, 7, 64, 300 };
	struct store_answer a;
	const char *body;
	char out[300], *exact;
	long status;
	size_t i, j;

	if (size < 2)
		return 0;
	status = ((long)data[0] << 8 | data[1]) % 1000;
	body = (const char *)data + 2;
	size -= 2;

	s3_classify(status, body, size, &a);
	FUZZ_CHECK(a.outcome >= STORE_STORED && a.outcome <= STORE_REFUSED);
	FUZZ_CHECK(
	    a.outcome != STORE_STORED || (status >= 200 && status < 300));
	fuzz_check_ascii(a.code, sizeof(a.code));
	fuzz_check_ascii(a.message, sizeof(a.message));

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			/* A buffer of exactly outsz bytes: ASan sees any
			 * write past it. */
			FUZZ_CHECK((exact = malloc(sizes[j])) != NULL);
			if (s3_xml_text(body, size, tags[i], exact, sizes[j]) ==
			    0)
				fuzz_check_ascii(exact, sizes[j]);
			free(exact);
		}
	FUZZ_CHECK(s3_xml_text(body, size, "Code", out, 0) == -1);
	return 0;
}
