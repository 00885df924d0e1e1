/*
 * check.c - collector --check.
 *
 * The checks reuse the run's own parts (source_open, sink_open, sink_put,
 * source_fetch), so a check passes exactly when those parts would work.
 * The remote stores' uploads refuse an existing key, and a probe must
 * overwrite the last one instead of leaving a new object behind every
 * time: their sinks' overwrite calls write it in one request.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "check.h"
#include "enrich.h"
#include "http.h"
#include "log.h"
#include "naming.h"
#include "s3.h"
#include "source.h"
#include "supabase.h"
#include "upload.h"

struct checks {
	FILE *out;
	int status; /* of the first check that failed */
};

static void
passed(struct checks *c, const char *name, const char *detail)
{
	fprintf(c->out, "ok %s: %s\n", name, detail);
}

static int
failed(struct checks *c, const char *name, int status, const struct err *err)
{
	log_error("check %s: %s", name, err->msg);
	if (c->status == ST_OK)
		c->status = status;
	return status;
}

int
check_probe_key(char *out, size_t outsz, const char *path, const struct tm *utc,
    struct err *err)
{
	char prefix[KEY_MAX];
	size_t n = 0;

	if (path[0] != '\0' &&
	    (n = strftime(prefix, sizeof(prefix), path, utc)) == 0)
		return err_set(err, ST_CONFIG,
		    "supabase.path_raw_data.new \"%.200s\" expands to nothing, "
		    "or to more than %zu bytes",
		    path, sizeof(prefix) - 1);
	prefix[n] = '\0';
	if ((size_t)snprintf(out, outsz, "%s%s%s", prefix, n > 0 ? "/" : "",
		CHECK_PROBE_NAME) >= outsz)
		return err_set(err, ST_CONFIG,
		    "supabase.path_raw_data.new makes a probe key longer than "
		    "%zu bytes",
		    outsz - 1);
	return object_key_check(out, err);
}

/* ---- storage ---- */

static void
check_storage(struct checks *c, const struct config *cfg)
{
	struct upload_report landed = { "", 0 };
	struct sink sink = { 0 };
	struct object obj = { 0 };
	char key[KEY_MAX], detail[WHERE_MAX + 16];
	struct err err = { "", 0 };
	time_t now = time(NULL);
	struct tm utc;
	int status;

	gmtime_r(&now, &utc);
	if ((status = check_probe_key(key, sizeof(key), cfg->path, &utc,
		 &err)) != ST_OK ||
	    (status = sink_open(&sink, cfg, &err)) != ST_OK)
		goto out;
	obj.key = key;
	obj.data = cfg->format == FORMAT_NDJSON ? "" : "[]";
	obj.len = strlen(obj.data);
	obj.content_type = batch_content_type(cfg->format);
	if (sink.ops == &supabase_ops)
		status = supabase_overwrite(&sink, &obj, &landed, &err);
	else if (sink.ops == &s3_ops)
		status = s3_overwrite(&sink, &obj, &landed, &err);
	else
		status = sink_put(&sink, &obj, &landed, &err);
out:
	sink_close(&sink);
	if (status != ST_OK) {
		failed(c, "storage", status, &err);
		return;
	}
	snprintf(detail, sizeof(detail), "wrote %s", landed.where);
	passed(c, "storage", detail);
}

/* ---- source ---- */

static void
check_source(struct checks *c, const struct config *cfg)
{
	struct source src = { 0 };
	struct err err = { "", 0 };
	char shown[512];
	int status;

	status = source_open(&src, cfg, &err);
	source_close(&src);
	if (status != ST_OK) {
		failed(c, "source", status, &err);
		return;
	}
	if (cfg->url == NULL)
		snprintf(shown, sizeof(shown), "the built-in generator");
	else
		http_redact(cfg->url, shown, sizeof(shown));
	passed(c, "source", shown);
}

/* One response, through the batch a run would put it in, so that a body
 * a run would refuse fails the check too. */
static void
check_api(struct checks *c, const struct config *cfg)
{
	struct config once = *cfg; /* shares cfg's strings; not freed */
	struct fetch_report report = { 0 };
	struct user_pool users = { 0, NULL };
	struct batch batch = { 0 };
	struct source src = { 0 };
	struct err err = { "", 0 };
	char detail[128];
	int status;

	once.max_size = 1;
	once.retries = 0;
	if (user_pool_build(&users, cfg->pool_seed, 1) != 0) {
		status = err_set(&err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	if ((status = batch_init(&batch, 1, cfg->format, &users,
		 (uint64_t)cfg->shops, cfg->seed, &err)) != ST_OK ||
	    (status = source_open(&src, &once, &err)) != ST_OK)
		goto out;
	status = source_fetch(&src, 1, batch_add_response, &batch, &report,
	    &err);
	if (status == ST_OK)
		status = batch_finish(&batch, &err);
out:
	source_close(&src);
	if (status != ST_OK)
		failed(c, "api", status, &err);
	else {
		snprintf(detail, sizeof(detail),
		    "1 response, %zu records, %zu bytes", batch.records,
		    report.bytes);
		passed(c, "api", detail);
	}
	batch_free(&batch);
	user_pool_free(&users);
}

int
check_run(const struct config *cfg, FILE *out)
{
	struct checks c = { out, ST_OK };
	char detail[600];

	snprintf(detail, sizeof(detail), "%s",
	    cfg->config_file ?
		cfg->config_file :
		"no config file; defaults, environment and flags");
	passed(&c, "config", detail);
	check_source(&c, cfg);
	check_storage(&c, cfg);
	if (cfg->check == CHECK_API)
		check_api(&c, cfg);
	return c.status;
}
