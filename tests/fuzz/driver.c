/*
 * driver.c - runs a fuzz harness over files, without libFuzzer.
 *
 *     fuzz_NAME FILE...
 *
 * feeds each file to LLVMFuzzerTestOneInput() and prints "ok FILE" after
 * it returns, so a script can tell which file a crash came from.  This is
 * how the corpus and the crash reproducers are replayed by `make check`,
 * with any compiler.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
read_all(const char *path, unsigned char **data, size_t *len)
{
	unsigned char *p = NULL, *grown;
	size_t cap = 0, n;
	FILE *fp;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap * 2 + 4096;
			if ((grown = realloc(p, cap)) == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			p = grown;
		}
		if ((n = fread(p + *len, 1, cap - *len, fp)) == 0)
			break;
		*len += n;
	}
	if (ferror(fp))
		goto fail;
	(void)fclose(fp);
	/* Exactly len bytes, so that ASan sees a read past the end, as
	 * under libFuzzer. */
	if ((*data = malloc(*len > 0 ? *len : 1)) == NULL) {
		free(p);
		errno = ENOMEM;
		return -1;
	}
	memcpy(*data, p, *len);
	free(p);
	return 0;
fail:
	free(p);
	(void)fclose(fp);
	return -1;
}

int
main(int argc, char **argv)
{
	unsigned char *data;
	size_t len;
	int i, status = 0;

	for (i = 1; i < argc; i++) {
		if (read_all(argv[i], &data, &len) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		/* Flushed at once: a crash in the next file must not lose
		 * the line. */
		if (printf("ok %s\n", argv[i]) < 0 || fflush(stdout) != 0)
			status = 1;
	}
	return status;
}
