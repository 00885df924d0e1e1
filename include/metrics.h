/*
 * metrics.h - the numbers of one run, for Prometheus.
 *
 * With --metrics-file the collector leaves a file in the Prometheus text
 * exposition format (0.0.4) at the end of every run, success or failure,
 * for node_exporter's textfile collector: one gauge per number, each with
 * HELP and TYPE lines, without labels or timestamps (the textfile
 * collector refuses samples with timestamps).  The file is replaced
 * atomically, so a scrape sees one run or the one before, never a mix.
 *
 * A failed run cannot know when the collector last succeeded, so the
 * caller carries that number over from the file the previous run left
 * (metrics_last_success).  metrics_format() and metrics_parse_value()
 * are pure; the pointers given are never kept.
 */
#ifndef COLLECTOR_METRICS_H
#define COLLECTOR_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

struct metrics {
	double last_run;		 /* Unix time the run ended */
	double last_success;		 /* Unix time the last run that exited 0
					 * ended; 0 when none is known */
	double duration;		 /* seconds the run took */
	unsigned long long records;	 /* records in the batch */
	unsigned long long bytes;	 /* bytes in the batch */
	unsigned long long responses;	 /* responses that arrived */
	unsigned long long http_retries; /* requests repeated after a
						 * transient fault */
	int exit_status;
	unsigned long long spool_pending; /* batches waiting in the
						 * spool when the run ended */
};

/* Appends the exposition text of m to out; returns 0, or -1 when memory
 * runs out. */
int metrics_format(struct buf *out, const struct metrics *m);

/*
 * Finds the sample of the metric called name in exposition text: a line
 * "name value" or "name{labels} value", optionally followed by a
 * timestamp.  Returns 0 with *value set, or -1 when there is none or its
 * value is not a finite number.
 */
int metrics_parse_value(const char *text, size_t len, const char *name,
    double *value);

/* Sets *value to collector_last_success_timestamp_seconds of the file
 * at path, or 0 when there is no file or it does not say.  Fails only
 * when the file is there but cannot be read: ST_IO. */
int metrics_last_success(const char *path, double *value, struct err *err);

/* Replaces the file at path with the exposition text of m, atomically
 * (upload.h's file_write_atomic).  ST_OK, or the status and sentence of
 * the failure. */
int metrics_write(const char *path, const struct metrics *m, struct err *err);

#endif
