/* test_metrics.c - the Prometheus text of a run, and reading it back. */

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "upload.h"
#include "t.h"

static char root[] = "/tmp/collector-metrics.XXXXXX";

static const char expected[] =
    "# HELP collector_last_run_timestamp_seconds Unix time the last run "
    "ended.\n"
    "# TYPE collector_last_run_timestamp_seconds gauge\n"
    "collector_last_run_timestamp_seconds 1764768000.250\n"
    "# HELP collector_last_success_timestamp_seconds Unix time the last "
    "successful run (exit status 0) ended; 0 if none is known.\n"
    "# TYPE collector_last_success_timestamp_seconds gauge\n"
    "collector_last_success_timestamp_seconds 1764767940.125\n"
    "# HELP collector_run_duration_seconds Seconds the last run took.\n"
    "# TYPE collector_run_duration_seconds gauge\n"
    "collector_run_duration_seconds 1.500000\n"
    "# HELP collector_records Records in the batch of the last run.\n"
    "# TYPE collector_records gauge\n"
    "collector_records 10000\n"
    "# HELP collector_bytes Bytes in the batch of the last run.\n"
    "# TYPE collector_bytes gauge\n"
    "collector_bytes 3456789\n"
    "# HELP collector_responses Responses that arrived in the last run.\n"
    "# TYPE collector_responses gauge\n"
    "collector_responses 10\n"
    "# HELP collector_http_retries Requests the last run repeated after a "
    "temporary fault.\n"
    "# TYPE collector_http_retries gauge\n"
    "collector_http_retries 3\n"
    "# HELP collector_exit_status Exit status of the last run (0 success, 75 "
    "temporary failure; see collector(1)).\n"
    "# TYPE collector_exit_status gauge\n"
    "collector_exit_status 75\n"
    "# HELP collector_spool_pending_batches Batches waiting in the spool when "
    "the last run ended.\n"
    "# TYPE collector_spool_pending_batches gauge\n"
    "collector_spool_pending_batches 2\n";

static struct metrics
sample(void)
{
	struct metrics m;

	memset(&m, 0, sizeof(m));
	m.last_run = 1764768000.25;
	m.last_success = 1764767940.125;
	m.duration = 1.5;
	m.records = 10000;
	m.bytes = 3456789;
	m.responses = 10;
	m.http_retries = 3;
	m.exit_status = 75;
	m.spool_pending = 2;
	return m;
}

static void
test_format(void)
{
	struct metrics m = sample();
	struct buf out = BUF_INIT;

	T_INT(metrics_format(&out, &m), 0);
	T_MEM(out.data, out.len, expected, strlen(expected));
	buf_free(&out);

	/* A clock gone wrong must not put NaN or a negative time in. */
	memset(&m, 0, sizeof(m));
	m.last_run = -5;
	m.duration = NAN;
	T_INT(metrics_format(&out, &m), 0);
	T_CONTAINS(out.data, "\ncollector_last_run_timestamp_seconds 0.000\n");
	T_CONTAINS(out.data,
	    "\ncollector_last_success_timestamp_seconds 0.000\n");
	T_CONTAINS(out.data, "\ncollector_run_duration_seconds 0.000000\n");
	T_CONTAINS(out.data, "\ncollector_exit_status 0\n");
	buf_free(&out);
}

/* Every value of the formatted text reads back as it was. */
static void
test_round_trip(void)
{
	static const struct {
		const char *name;
		double want;
	} rows[] = {
		{ "collector_last_run_timestamp_seconds", 1764768000.25 },
		{ "collector_last_success_timestamp_seconds", 1764767940.125 },
		{ "collector_run_duration_seconds", 1.5 },
		{ "collector_records", 10000 },
		{ "collector_bytes", 3456789 },
		{ "collector_responses", 10 },
		{ "collector_http_retries", 3 },
		{ "collector_exit_status", 75 },
		{ "collector_spool_pending_batches", 2 },
	};
	size_t i;
	double v;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = -1;
		T_INT(metrics_parse_value(expected, strlen(expected),
			  rows[i].name, &v),
		    0);
		if (v != rows[i].want)
			T_STR(rows[i].name, "read back a different value");
	}
}

static void
test_parse(void)
{
	static const struct {
		const char *text;
		int status;
		double value;
	} rows[] = {
		{ "m 1\n", 0, 1 },
		{ "m 1", 0, 1 }, /* no final newline */
		{ "m\t2.5\n", 0, 2.5 },
		{ "  m 3\n", 0, 3 },		 /* leading blanks */
		{ "m 4 1700000000000\n", 0, 4 }, /* with a timestamp */
		{ "m 5\r\n", 0, 5 },
		{ "m{a=\"x\"} 6\n", 0, 6 },
		{ "m{a=\"}\\\"\"} 7\n", 0, 7 }, /* '}' in a label */
		{ "m 1e3\n", 0, 1000 },
		{ "m -2\n", 0, -2 },
		{ "# m 1\nm 8\n", 0, 8 }, /* comments skipped */
		{ "# HELP m x\n# TYPE m gauge\nm 9\n", 0, 9 },
		{ "mm 1\nm 10\n", 0, 10 }, /* longer names differ */
		{ "m_total 1\n", -1, 0 },
		{ "n 1\n", -1, 0 },
		{ "m\n", -1, 0 },
		{ "m \n", -1, 0 },
		{ "m abc\n", -1, 0 },
		{ "m 1x\n", -1, 0 },
		{ "m NaN\n", -1, 0 },
		{ "m +Inf\n", -1, 0 },
		{ "m 1e999\n", -1, 0 },
		{ "m{a=\"x\" 1\n", -1, 0 }, /* labels never close */
		{ "m "
		  "123456789012345678901234567890123456789012345678901234567890"
		  "1234567890\n",
		    -1, 0 }, /* too long to be ours */
		{ "", -1, 0 },
	};
	size_t i;
	double v;
	int st;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = -99;
		st = metrics_parse_value(rows[i].text, strlen(rows[i].text),
		    "m", &v);
		if (st != rows[i].status || (st == 0 && v != rows[i].value))
			printf("row %zu: \"%s\": status %d, value %g\n", i,
			    rows[i].text, st, v);
		T_INT(st, rows[i].status);
		if (st == 0)
			T_OK(v == rows[i].value);
		else
			T_OK(v == -99);
	}
}

static int
count_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/* The last success the file at path records, which must be readable. */
static double
last_success(const char *path)
{
	struct err err = { "", 0 };
	double value = -1;

	T_INT(metrics_last_success(path, &value, &err), ST_OK);
	return value;
}

static void
test_write(void)
{
	struct metrics m = sample();
	char path[512], dir[256], got[4096];
	struct err err = { "", 0 };
	struct stat st;
	FILE *f;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "%s/textfile", root);
	snprintf(path, sizeof(path), "%s/collector.prom", dir);

	/* No file yet: nothing is known. */
	T_OK(last_success(path) == 0);

	T_INT(metrics_write(path, &m, &err), ST_OK);
	if ((f = fopen(path, "rb")) != NULL) {
		n = fread(got, 1, sizeof(got) - 1, f);
		(void)fclose(f);
	}
	T_MEM(got, n, expected, strlen(expected));
	/* Only the file itself: no temporary left beside it. */
	T_INT(count_entries(dir), 1);
	T_INT(stat(path, &st), 0);
	T_OK((st.st_mode & 0444) == 0444);
	T_OK(last_success(path) == 1764767940.125);

	/* The next run replaces it whole. */
	m.last_success = 1764768060;
	m.exit_status = 0;
	T_INT(metrics_write(path, &m, &err), ST_OK);
	T_OK(last_success(path) == 1764768060);
	T_INT(count_entries(dir), 1);

	/* A file that is not ours tells nothing. */
	if ((f = fopen(path, "wb")) != NULL) {
		fputs("collector_last_success_timestamp_seconds yesterday\n",
		    f);
		T_INT(fclose(f), 0);
	}
	T_OK(last_success(path) == 0);
	if ((f = fopen(path, "wb")) != NULL) {
		fputs("collector_last_success_timestamp_seconds -3\n", f);
		T_INT(fclose(f), 0);
	}
	T_OK(last_success(path) == 0);

	/* A directory in the way: the error names the file. */
	snprintf(path, sizeof(path), "%s/textfile", root);
	T_INT(metrics_write(path, &m, &err), ST_CANTCREATE);
	T_CONTAINS(err.msg, "textfile");
	/* Nor can it be read: that is said, not taken for "no success". */
	err.msg[0] = '\0';
	T_INT(metrics_last_success(path, &m.last_success, &err), ST_IO);
	T_CONTAINS(err.msg, "textfile: Is a directory");
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_format();
	test_round_trip();
	test_parse();
	test_write();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", root);
	return t_done();
}
