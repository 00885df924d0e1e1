/*
 * status.h - exit statuses and the one error idiom.
 *
 * Every function that can fail returns an enum status and, on failure,
 * fills a caller-owned struct err with one sentence naming the thing at
 * fault.  main() returns the status, so the exit status is the error.
 */
#ifndef COLLECTOR_STATUS_H
#define COLLECTOR_STATUS_H

#include <stddef.h>

/* The values are sysexits(3)'s, which cron, systemd and scripts know. */
enum status {
	ST_OK = 0,
	ST_USAGE = 64,	     /* bad command line */
	ST_DATA = 65,	     /* bad data from the source */
	ST_UNAVAILABLE = 69, /* a service stayed unavailable after retries */
	ST_CANTCREATE = 73,  /* cannot create the output */
	ST_IO = 74,	     /* input/output error */
	ST_TEMPFAIL = 75,    /* temporary: the next scheduled run may succeed */
	ST_NOPERM = 77,	     /* permission or authentication refused */
	ST_CONFIG = 78	     /* configuration error */
};

#define ERR_SIZE 1024

struct err {
	char msg[ERR_SIZE];
	int logged; /* msg has been logged already */
};

/* Formats the message into err (if not NULL), marks it not yet logged,
 * and returns status. */
int err_set(struct err *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short lowercase name for a status ("ok", "data", "config", ...). */
const char *status_name(int status);

#endif
