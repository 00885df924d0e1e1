/*
 * test_oom.c - the loaders that once mistook memory running out for bad
 * input, each run with its n-th allocation failing for every n until a
 * run completes: the config file (libyaml), the .env file and a spool
 * file (jansson).  Each must either succeed with what the input says or
 * fail with ST_TEMPFAIL and "out of memory": never ST_CONFIG or ST_DATA
 * (a sound spool file would be set aside), never another status, and
 * never a value that differs from the input.
 *
 * Linked with tests/torture/alloc.c (`make torture`), not with the unit
 * tests: only that build can fail one allocation.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "spool.h"
#include "status.h"
#include "t.h"

#define MAX_RUNS 100000

static const char yaml[] =
    "mockaroo:\n"
    "  url: http://127.0.0.1:9/users.json\n"
    "  key_in: query\n"
    "  params:\n"
    "    count: 7\n"
    "    schema: !!str Orders\n"
    "supabase:\n"
    "  bucketName: 'bronze-bucket'\n"
    "  path_raw_data:\n"
    "    new: \"raw/dt=%Y-%m-%d\"\n"
    "batch: {max_size: 3, format: ndjson}\n"
    "log:\n"
    "  level: debug\n";

static const char dotenv[] =
    "# comment\n"
    "COLLECTOR_BUCKET=envbucket\n"
    "export COLLECTOR_PATH = \"a/b c\"  # comment\n"
    "COLLECTOR_FORMAT='ndjson'\n"
    "COLLECTOR_MAX_SIZE=4\n";

/* Checks one run's outcome; returns nonzero when the failure was not
 * reached (the run is complete, the loop ends). */
static int
outcome(const char *what, unsigned long n, int status, const struct err *err)
{
	int reached = alloc_failed();

	alloc_fail_after(0);
	if (!reached) {
		t_report(status == ST_OK, __FILE__, __LINE__, what,
		    "status %d, \"%s\"", status, err->msg);
		return 1;
	}
	t_report(status == ST_OK ||
		(status == ST_TEMPFAIL &&
		    strstr(err->msg, "out of memory") != NULL),
	    __FILE__, __LINE__, what,
	    "allocation %lu failed: status %d, \"%s\"", n, status, err->msg);
	return 0;
}

typedef int
apply_fn(struct config *, const char *, const char *, size_t, struct err *);

/* Applies the settings file text with each allocation failing in turn,
 * until one run completes; a run that does must give what the file
 * says. */
static void
torture_loader(apply_fn *apply, const char *path, const char *text,
    const char *bucket, const char *prefix, long max_size)
{
	struct config cfg;
	struct err err;
	unsigned long n;
	int status;

	for (n = 1; n < MAX_RUNS; n++) {
		memset(&cfg, 0, sizeof(cfg));
		alloc_fail_after(n);
		status = apply(&cfg, path, text, strlen(text), &err);
		if (status == ST_OK) {
			T_STR(cfg.bucket, bucket);
			T_STR(cfg.path, prefix);
			T_INT(cfg.max_size, max_size);
		}
		if (outcome(path, n, status, &err))
			break;
		if (status == ST_OK)
			config_free(&cfg);
	}
	if (status == ST_OK)
		config_free(&cfg);
	T_OK(n > 10 && n < MAX_RUNS);
}

static void
test_yaml(void)
{
	torture_loader(config_apply_yaml, "config.yaml", yaml, "bronze-bucket",
	    "raw/dt=%Y-%m-%d", 3);
}

static void
test_dotenv(void)
{
	torture_loader(config_apply_dotenv, ".env", dotenv, "envbucket",
	    "a/b c", 4);
}

static void
test_spool(void)
{
	static const char
	    batch[] = "[{\"a\":1,\"id\":\"x\",\"shop_id\":\"shop_1\"}]";
	static const char where[] = "supabase http://127.0.0.1:9 datalake";
	char dir[] = "/tmp/test_oom.XXXXXX", name[SPOOL_NAME_MAX + 1];
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];
	struct spool sp = { "", -1 };
	struct spool_batch got;
	struct object obj = { "bronze/new/2026-01-01T00:00:00_k.json", batch,
		sizeof(batch) - 1, "application/json", 0 };
	struct err err;
	unsigned long n;
	int status = ST_OK;

	if (!T_OK(mkdtemp(dir) != NULL))
		return;
	snprintf(sp.dir, sizeof(sp.dir), "%s", dir);
	if (!T_OK(
		spool_add(&sp, where, &obj, name, sizeof(name), &err) == ST_OK))
		goto out;
	for (n = 1; n < MAX_RUNS; n++) {
		alloc_fail_after(n);
		status = spool_load(&sp, name, &got, &err);
		if (status == ST_OK) {
			T_STR(got.destination, where);
			T_STR(got.key, obj.key);
			T_MEM(got.data.data, got.data.len, batch,
			    sizeof(batch) - 1);
		}
		spool_batch_free(&got);
		if (outcome("spool file", n, status, &err))
			break;
	}
	T_OK(n > 3 && n < MAX_RUNS);
out:
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_yaml();
	test_dotenv();
	test_spool();
	return t_done();
}
