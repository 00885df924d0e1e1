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

#endif
