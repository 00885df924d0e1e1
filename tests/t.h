/*
 * t.h - a minimal unit test harness.
 *
 * Each check that fails prints "FAIL file:line: what: detail"; main ends
 * with t_done(), which prints "N passed, N failed" (the line tests/run
 * adds up) and returns the exit status.
 */
#ifndef COLLECTOR_T_H
#define COLLECTOR_T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

__attribute__((format(printf, 5, 6))) static int
t_report(int ok, const char *file, int line, const char *what, const char *fmt,
    ...)
{
	va_list ap;

	if (ok) {
		t_passed++;
		return 1;
	}
	t_failed++;
	printf("FAIL %s:%d: %s", file, line, what);
	if (fmt[0] != '\0') {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	return 0;
}

#define T_OK(cond) t_report(!!(cond), __FILE__, __LINE__, #cond, "%s", "")

#define T_INT(got, want) \
	do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		t_report(g_ == w_, __FILE__, __LINE__, #got, \
		    "got %lld, want %lld", g_, w_); \
	} while (0)

#define T_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		t_report(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, \
		    __FILE__, __LINE__, #got, "got \"%s\", want \"%s\"", \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

#define T_MEM(got, glen, want, wlen) \
	do { \
		const char * \
		    g_ = (const char *)(got), \
		   *w_ = (const char *)(want); \
		size_t gl_ = (glen), wl_ = (wlen); \
		t_report(gl_ == wl_ && \
			(gl_ == 0 || \
			    (g_ != NULL && w_ != NULL && \
				memcmp(g_, w_, gl_) == 0)), \
		    __FILE__, __LINE__, #got, \
		    "got \"%.*s\" (%zu bytes), " \
		    "want \"%.*s\" (%zu bytes)", \
		    (int)(gl_ > 300 ? 300 : gl_), g_ ? g_ : "", gl_, \
		    (int)(wl_ > 300 ? 300 : wl_), w_ ? w_ : "", wl_); \
	} while (0)

/* Checks that haystack contains needle. */
#define T_CONTAINS(haystack, needle) \
	do { \
		const char *h_ = (haystack), *n_ = (needle); \
		t_report(h_ != NULL && strstr(h_, n_) != NULL, __FILE__, \
		    __LINE__, #haystack, "\"%s\" does not contain \"%s\"", \
		    h_ ? h_ : "(null)", n_); \
	} while (0)

static int
t_done(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed != 0;
}

#endif
