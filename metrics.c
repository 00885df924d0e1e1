/*
 * metrics.c - the Prometheus text file of a run.
 *
 * Every metric is a gauge: it describes the last run, and a counter would
 * reset whenever the file is lost (a tmpfs after a reboot, a new
 * container).  Rates and "how long since" are PromQL's business:
 * time() - collector_last_success_timestamp_seconds.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "upload.h"

/* A previous file larger than this is not ours: its value is ignored. */
#define METRICS_FILE_MAX ((size_t)64 * 1024)

#define LAST_SUCCESS "collector_last_success_timestamp_seconds"

enum value_kind { VALUE_TIME, VALUE_SECONDS, VALUE_COUNT, VALUE_STATUS };

struct gauge {
	const char *name;
	const char *help;
	enum value_kind kind;
	size_t offset;
};

#define AT(field) offsetof(struct metrics, field)

static const struct gauge gauges[] = {
	{ "collector_last_run_timestamp_seconds",
	    "Unix time the last run ended.", VALUE_TIME, AT(last_run) },
	{ LAST_SUCCESS,
	    "Unix time the last successful run (exit status 0) ended; 0 if "
	    "none is known.",
	    VALUE_TIME, AT(last_success) },
	{ "collector_run_duration_seconds", "Seconds the last run took.",
	    VALUE_SECONDS, AT(duration) },
	{ "collector_records", "Records in the batch of the last run.",
	    VALUE_COUNT, AT(records) },
	{ "collector_bytes", "Bytes in the batch of the last run.", VALUE_COUNT,
	    AT(bytes) },
	{ "collector_responses", "Responses that arrived in the last run.",
	    VALUE_COUNT, AT(responses) },
	{ "collector_http_retries",
	    "Requests the last run repeated after a temporary fault.",
	    VALUE_COUNT, AT(http_retries) },
	{ "collector_exit_status",
	    "Exit status of the last run (0 success, 75 temporary failure; see "
	    "collector(1)).",
	    VALUE_STATUS, AT(exit_status) },
	{ "collector_spool_pending_batches",
	    "Batches waiting in the spool when the last run ended.",
	    VALUE_COUNT, AT(spool_pending) },
};

#define NGAUGES (sizeof(gauges) / sizeof(gauges[0]))

static int
format_value(struct buf *out, const struct metrics *m, const struct gauge *g)
{
	const char *p = (const char *)m + g->offset;
	double d;
	unsigned long long u;
	int i;

	switch (g->kind) {
	case VALUE_TIME:
	case VALUE_SECONDS:
		memcpy(&d, p, sizeof(d));
		/* A scrape must never see NaN or a negative time. */
		if (!isfinite(d) || d < 0)
			d = 0;
		return buf_printf(out, g->kind == VALUE_TIME ? "%.3f" : "%.6f",
		    d);
	case VALUE_COUNT:
		memcpy(&u, p, sizeof(u));
		return buf_printf(out, "%llu", u);
	case VALUE_STATUS:
	default:
		memcpy(&i, p, sizeof(i));
		return buf_printf(out, "%d", i);
	}
}

int
metrics_format(struct buf *out, const struct metrics *m)
{
	size_t i;

	for (i = 0; i < NGAUGES; i++) {
		if (buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s ",
			gauges[i].name, gauges[i].help, gauges[i].name,
			gauges[i].name) != 0 ||
		    format_value(out, m, &gauges[i]) != 0 ||
		    buf_puts(out, "\n") != 0)
			return -1;
	}
	return 0;
}

/* The index just past the label set that opens at line[i] ('{'), or len
 * when it does not close.  Label values may hold '}' inside quotes. */
static size_t
skip_labels(const char *line, size_t len, size_t i)
{
	int quoted = 0;

	for (i++; i < len; i++) {
		if (quoted && line[i] == '\\')
			i++;
		else if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && line[i] == '}')
			return i + 1;
	}
	return len;
}

/* The value of a sample line of the metric called name, or -1. */
static int
sample_value(const char *line, size_t len, const char *name, double *value)
{
	size_t n = strlen(name), i;
	char number[64], *end;
	double d;

	if (len <= n || memcmp(line, name, n) != 0)
		return -1;
	i = line[n] == '{' ? skip_labels(line, len, n) : n;
	if (i >= len || (line[i] != ' ' && line[i] != '\t'))
		return -1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (n = 0;
	     i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r';
	     i++) {
		if (n + 1 >= sizeof(number))
			return -1;
		number[n++] = line[i];
	}
	number[n] = '\0';
	if (n == 0)
		return -1;
	errno = 0;
	d = strtod(number, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(d))
		return -1;
	*value = d;
	return 0;
}

int
metrics_parse_value(const char *text, size_t len, const char *name,
    double *value)
{
	const char *line = text, *end = text + len, *nl;
	size_t n;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		while (n > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (n > 0 && *line != '#' &&
		    sample_value(line, n, name, value) == 0)
			return 0;
		if (nl == end)
			break;
	}
	return -1;
}

int
metrics_last_success(const char *path, double *value, struct err *err)
{
	char chunk[4096];
	struct buf text = BUF_INIT;
	FILE *fp;
	size_t n;
	int status = ST_OK, ours = 1, said = 0;

	*value = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return errno == ENOENT ?
		    ST_OK :
		    err_set(err, ST_IO, "cannot read %s: %s", path,
			strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (text.len + n > METRICS_FILE_MAX) {
			ours = 0;
			break;
		}
		if (buf_append(&text, chunk, n) != 0) {
			status = err_set(err, ST_TEMPFAIL,
			    "out of memory reading %s", path);
			break;
		}
	}
	if (status == ST_OK && ferror(fp))
		status = err_set(err, ST_IO, "cannot read %s: %s", path,
		    strerror(errno));
	(void)fclose(fp);
	/* A file that is not ours, or does not say, carries over nothing. */
	if (status == ST_OK && ours && text.len > 0)
		said = metrics_parse_value(text.data, text.len, LAST_SUCCESS,
			   value) == 0;
	if (!said || *value < 0)
		*value = 0;
	buf_free(&text);
	return status;
}

int
metrics_write(const char *path, const struct metrics *m, struct err *err)
{
	struct buf text = BUF_INIT;
	int status;

	if (metrics_format(&text, m) != 0)
		status = err_set(err, ST_TEMPFAIL,
		    "out of memory formatting the metrics for %s", path);
	else
		status = file_write_atomic(path, text.data, text.len, err);
	buf_free(&text);
	return status;
}
