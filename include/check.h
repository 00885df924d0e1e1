/*
 * check.h - collector --check: could a run succeed now?
 *
 * A one-shot program has no port to probe, so its health check is a run
 * cut short.  By the time check_run() is called the settings have loaded
 * (config_load failing is the first failed check).  Then:
 *
 *     source    the source opens: its URL is one we can fetch and the
 *               key it needs is there (no request is made)
 *     storage   the store opens with its key, answers, and takes a write
 *               of a probe object, {path}/.collector-check, holding an
 *               empty batch ("[]", or nothing for NDJSON) so that a
 *               reader listing the prefix finds no records in it; each
 *               check overwrites the same object
 *     api       with --check=api only: one request to the source, no
 *               retries (it costs quota)
 *
 * Each check that passes prints "ok NAME: detail" on out; each that fails
 * logs one error line, "check NAME: sentence".  Returns ST_OK, or the
 * status of the first check that failed.
 */
#ifndef COLLECTOR_CHECK_H
#define COLLECTOR_CHECK_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "status.h"

#define CHECK_PROBE_NAME ".collector-check"

int check_run(const struct config *cfg, FILE *out);

/* The probe's key: {path}/.collector-check with path's strftime fields
 * expanded for utc.  ST_CONFIG when it is no valid key. */
int check_probe_key(char *out, size_t outsz, const char *path,
    const struct tm *utc, struct err *err);

#endif
