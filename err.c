/* err.c - the error message buffer and status names. */

#include <stdarg.h>
#include <stdio.h>

#include "status.h"

int
err_set(struct err *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->logged = 0;
	}
	return status;
}

const char *
status_name(int status)
{
	switch (status) {
	case ST_OK:
		return "ok";
	case ST_USAGE:
		return "usage";
	case ST_DATA:
		return "data";
	case ST_UNAVAILABLE:
		return "unavailable";
	case ST_CANTCREATE:
		return "cantcreate";
	case ST_IO:
		return "ioerr";
	case ST_TEMPFAIL:
		return "tempfail";
	case ST_NOPERM:
		return "noperm";
	case ST_CONFIG:
		return "config";
	default:
		return "unknown";
	}
}
