/*
 * alloc.c - counts the program's allocations and fails exactly one, for
 * the allocation-failure torture (tests/torture/run, `make torture`).
 *
 * The torture binary is linked with -Wl,--wrap for every allocating
 * call the program and its static libraries (jansson, libyaml, zlib)
 * make, so each reaches a __wrap_ function here.  libcurl is a shared
 * library: __wrap_curl_global_init hands it the counting functions
 * through curl_global_init_mem(), so curl's own allocations count too;
 * those of OpenSSL, nghttp2 and glibc itself (fopen, opendir, ...) do
 * not.
 *
 * Environment:
 *   COLLECTOR_ALLOC_FAIL=k	the k-th allocation (from 1) returns NULL
 *   COLLECTOR_ALLOC_COUNT=FILE	at exit, write "allocations failed\n" to
 *				FILE: the total, and 1 if the k-th was reached
 *   COLLECTOR_ALLOC_TRACE=1	print the stack of the failed allocation
 *
 * The count is atomic: curl's resolver may allocate from a thread.
 * A test program can steer the same counter itself (alloc.h).
 */

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alloc.h"

#if defined(__has_include)
#if __has_include(<sanitizer/common_interface_defs.h>)
#include <sanitizer/common_interface_defs.h>
#define HAVE_SANITIZER_TRACE 1
#endif
#endif

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
char *__real_strdup(const char *);
char *__real_strndup(const char *, size_t);
CURLcode __real_curl_global_init(long);

void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
char *__wrap_strdup(const char *);
char *__wrap_strndup(const char *, size_t);
CURLcode __wrap_curl_global_init(long);

static atomic_ulong count;
static atomic_int failed;
static atomic_ulong fail_at; /* 0: never */
static int trace;
static int ready;

static unsigned long
parse_ulong(const char *s)
{
	unsigned long v = 0;

	if (s == NULL)
		return 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

/* Reads the environment once; getenv() does not allocate. */
static void
setup(void)
{
	const char *t;

	if (ready)
		return;
	atomic_store(&fail_at, parse_ulong(getenv("COLLECTOR_ALLOC_FAIL")));
	t = getenv("COLLECTOR_ALLOC_TRACE");
	trace = t != NULL && t[0] != '\0' && t[0] != '0';
	ready = 1;
}

/* Counts one allocation; nonzero when it is the one to fail. */
static int
fail_now(void)
{
	unsigned long n, at;

	setup();
	n = atomic_fetch_add(&count, 1) + 1;
	at = atomic_load(&fail_at);
	if (at == 0 || n != at)
		return 0;
	atomic_store(&failed, 1);
	if (trace) {
		static const char msg[] = "alloc: failing this allocation\n";

		(void)!write(2, msg, sizeof(msg) - 1);
#ifdef HAVE_SANITIZER_TRACE
		__sanitizer_print_stack_trace();
#endif
	}
	return 1;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

static void
curl_free_cb(void *p)
{
	free(p);
}

CURLcode
__wrap_curl_global_init(long flags)
{
	return curl_global_init_mem(flags, __wrap_malloc, curl_free_cb,
	    __wrap_realloc, __wrap_strdup, __wrap_calloc);
}

void
alloc_fail_after(unsigned long n)
{
	setup();
	atomic_store(&failed, 0);
	atomic_store(&fail_at, n == 0 ? 0 : atomic_load(&count) + n);
}

int
alloc_failed(void)
{
	return atomic_load(&failed);
}

/* Writes the total with write(2): nothing may allocate this late. */
static void __attribute__((destructor)) report(void)
{
	const char *path = getenv("COLLECTOR_ALLOC_COUNT");
	char line[64];
	int fd, len;

	if (path == NULL || path[0] == '\0')
		return;
	len = snprintf(line, sizeof(line), "%lu %d\n",
	    (unsigned long)atomic_load(&count), atomic_load(&failed));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return;
	(void)!write(fd, line, (size_t)len);
	close(fd);
}
