/*
 * fuzz.h - shared by the fuzz harnesses (tests/fuzz/fuzz_*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput(); libFuzzer calls it with
 * generated inputs, driver.c with the files of the corpus and of the
 * regression directory.  A harness states what must hold for every input
 * with FUZZ_CHECK, which aborts with the condition's text: the sanitizers
 * and libFuzzer then report the input as a crash.
 */
#ifndef COLLECTOR_FUZZ_H
#define COLLECTOR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(c) \
	do { \
		if (!(c)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #c); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether all n bytes at p are zero. */
static inline int
fuzz_zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* s is NUL-terminated within size bytes and printable ASCII. */
static inline void
fuzz_check_ascii(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	FUZZ_CHECK(n < size);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(
		    (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f);
}

/* msg (of size bytes) is one non-empty line that starts with "path:",
 * with no control characters. */
static inline void
fuzz_check_line(const char *msg, size_t size, const char *path)
{
	size_t n = strnlen(msg, size), len = strlen(path), i;

	FUZZ_CHECK(n > 0 && n < size);
	FUZZ_CHECK(strncmp(msg, path, len) == 0 && msg[len] == ':');
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f);
}

#endif
