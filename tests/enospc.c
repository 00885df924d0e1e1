/*
 * enospc.c - an LD_PRELOAD shim that makes the disk look full.
 *
 * write() to a file whose path contains $ENOSPC_PATH fails with ENOSPC,
 * as it would on a full file system; everything else is untouched.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t
write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	const char *match = getenv("ENOSPC_PATH");
	char link[64], path[4096];
	ssize_t n;

	if (real_write == NULL)
		*(void **)&real_write = dlsym(RTLD_NEXT, "write");
	if (match != NULL && fd > 2) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0) {
			path[n] = '\0';
			if (strstr(path, match) != NULL) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real_write(fd, buf, len);
}
