/*
 * collector - fetch product records, enrich them, land one batch.
 *
 * One run: load the configuration; fetch batch.max_size responses from
 * the source; give every record a user id from a stable pool and a shop
 * id; assemble one batch; write it to the lake under a fresh key; print
 * where it landed; exit with a status that says what happened.  The
 * schedule belongs to cron or a systemd timer, never to this program.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "batch.h"
#include "check.h"
#include "config.h"
#include "enrich.h"
#include "fault.h"
#include "gzip.h"
#include "http.h"
#include "interrupt.h"
#include "log.h"
#include "metrics.h"
#include "naming.h"
#include "source.h"
#include "spool.h"
#include "status.h"
#include "upload.h"

/* What replaying the spool did. */
struct replay {
	size_t elsewhere; /* bound for another destination, left */
	size_t retries;
	int stalled;	/* the status that stopped it early, or 0 */
	struct err why; /* and its message */
};

struct run {
	const struct config *cfg;
	struct user_pool users;
	struct batch batch;
	struct fetch_report fetched;
	struct sink sink;
	struct spool spool;
	int spooling; /* the spool is open and locked */
	char destination[WHERE_MAX];
	struct replay replay;
	struct upload_report landed;
	char key[KEY_MAX];
	double started;
};

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fetches the responses into the batch.  A run in which some responses
 * arrived goes on with them: their quota is already spent. */
static int
fetch_stage(struct run *run, struct err *err)
{
	const struct config *cfg = run->cfg;
	struct source src = { 0 };
	int status;

	if ((status = source_open(&src, cfg, err)) != ST_OK)
		return status;
	status = source_fetch(&src, (size_t)cfg->max_size, batch_add_response,
	    &run->batch, &run->fetched, err);
	source_close(&src);
	if (status != ST_OK && run->fetched.arrived == 0)
		return status;
	return batch_finish(&run->batch, err);
}

/* upload.gzip: the batch is stored compressed, everywhere alike. */
static int
compress_stage(struct run *run, struct err *err)
{
	struct buf gz = BUF_INIT;

	if (gzip_compress(run->batch.data.data, run->batch.data.len, &gz) != 0)
		return err_set(err, ST_TEMPFAIL,
		    "out of memory compressing the batch");
	log_debug("compressed %zu bytes to %zu", run->batch.data.len, gz.len);
	buf_free(&run->batch.data);
	run->batch.data = gz;
	return ST_OK;
}

static int
name_stage(struct run *run, struct err *err)
{
	const struct config *cfg = run->cfg;
	char uuid[UUID_LEN + 1], suffix[16];
	time_t now = time(NULL);
	struct tm utc;
	int status;

	if ((status = uuid4_random(uuid, err)) != ST_OK)
		return status;
	gmtime_r(&now, &utc);
	snprintf(suffix, sizeof(suffix), "%s%s", batch_key_suffix(cfg->format),
	    cfg->gzip ? GZIP_SUFFIX : "");
	return object_key_format(run->key, sizeof(run->key), cfg->path,
	    cfg->time_format, &utc, uuid, suffix, err);
}

/*
 * -o FILE: the batch goes to FILE the way it goes to a lake (a device
 * such as /dev/null is written through), or with "-" to standard output.
 * Only a regular file is a place where the batch landed, to print.
 */
static int
output_stage(struct run *run, struct err *err)
{
	const struct buf *data = &run->batch.data;
	const char *path = run->cfg->output;
	struct stat st;
	int status;

	if (strcmp(path, "-") == 0) {
		if (fwrite(data->data, 1, data->len, stdout) != data->len ||
		    fflush(stdout) != 0)
			return err_set(err, ST_IO,
			    "cannot write the batch to standard output: %s",
			    strerror(errno));
		return ST_OK;
	}
	status = file_write_atomic(path, data->data, data->len, err);
	if (status == ST_OK && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		snprintf(run->landed.where, sizeof(run->landed.where), "%s",
		    path);
	return status;
}

/* A failure worth a later attempt; the batch waits in the spool. */
static int
is_transient(int status)
{
	return status == ST_UNAVAILABLE || status == ST_TEMPFAIL ||
	    status == ST_IO;
}

/* Stores one spooled batch of an earlier run under its original key. */
static int
replay_one(struct run *run, const struct spool_entry *entry, struct err *err)
{
	struct spool_batch spooled;
	struct upload_report landed;
	struct object obj;
	struct err why;
	int status;

	status = spool_load(&run->spool, entry->name, &spooled, &why);
	if (status == ST_DATA) {
		status = spool_set_aside(&run->spool, entry->name, why.msg,
		    err);
		if (status == ST_OK)
			log_error("%s; moved to %s/bad", why.msg,
			    run->spool.dir);
		goto out;
	}
	if (status != ST_OK) {
		err_set(err, status, "%s", why.msg);
		goto out;
	}
	if (strcmp(spooled.destination, run->destination) != 0) {
		run->replay.elsewhere++;
		goto out;
	}
	obj.key = spooled.key;
	obj.data = spooled.data.data;
	obj.len = spooled.data.len;
	obj.content_type = spooled.content_type;
	obj.replay = 1;
	status = sink_put(&run->sink, &obj, &landed, &why);
	if (status == ST_OK) {
		log_info("replayed %s", landed.where);
		run->replay.retries += landed.retries;
		fault_point("replayed");
		status = spool_remove(&run->spool, entry->name, err);
	} else if (status == ST_DATA || status == ST_CANTCREATE) {
		/* The store will never take it (too large, or another object
		 * holds its key): keep it, out of the way. */
		status = spool_set_aside(&run->spool, entry->name, why.msg,
		    err);
		if (status == ST_OK)
			log_error("spooled batch %s refused: %s; moved to "
				  "%s/bad",
			    spooled.key, why.msg, run->spool.dir);
	} else
		status = err_set(err,
		    is_transient(status) ? ST_TEMPFAIL : status,
		    "replaying %s: %s", spooled.key, why.msg);
out:
	spool_batch_free(&spooled);
	return status;
}

/* Replays what earlier runs spooled, oldest first.  A transient failure
 * stops the replay, so batches land in the order they were taken. */
static int
replay_stage(struct run *run, struct err *err)
{
	struct spool_entry *entries;
	size_t n, i;
	int status;

	if ((status = spool_list(&run->spool, &entries, &n, err)) != ST_OK)
		return status;
	for (i = 0; i < n && !interrupted(); i++) {
		status = replay_one(run, &entries[i], err);
		if (status != ST_OK && is_transient(status)) {
			log_warning("%s; %zu spooled batches wait for the next "
				    "run",
			    err->msg, n - i);
			run->replay.stalled = status;
			run->replay.why = *err;
			status = ST_OK;
			break;
		}
		if (status != ST_OK)
			break;
	}
	free(entries);
	if (run->replay.elsewhere > 0)
		log_warning("%zu spooled batches are bound for another "
			    "destination and stay in %s",
		    run->replay.elsewhere, run->spool.dir);
	return status;
}

/* The error of a run whose replay stopped early, with its cause: the
 * store, or a spool file that could not be read or removed. */
static int
stalled_error(const struct run *run, int spooled, struct err *err)
{
	if (spooled)
		return err_set(err, run->replay.stalled,
		    "%.700s; the batch waits in %.256s for the next run",
		    run->replay.why.msg, run->spool.dir);
	return err_set(err, run->replay.stalled,
	    "%.700s; spooled batches wait for the next run",
	    run->replay.why.msg);
}

/* True when the spool holds as much as it may: back-pressure. */
static int
spool_full(struct run *run, struct err *err)
{
	const struct config *cfg = run->cfg;
	struct spool_entry *entries;
	unsigned long long bytes = 0;
	size_t n, i;

	if (spool_list(&run->spool, &entries, &n, err) != ST_OK)
		return 0;
	for (i = 0; i < n; i++)
		bytes += entries[i].bytes;
	free(entries);
	if ((long)n < cfg->spool_max_batches &&
	    bytes < (unsigned long long)cfg->spool_max_bytes)
		return 0;
	err_set(err, ST_TEMPFAIL,
	    "the spool %s is full (%zu batches, %llu bytes; spool.max_batches "
	    "%ld, spool.max_bytes %lld): fetching nothing new until the store "
	    "takes them",
	    run->spool.dir, n, bytes, cfg->spool_max_batches,
	    cfg->spool_max_bytes);
	return 1;
}

/* Spools the new batch, then uploads it; the spool file goes only once
 * the store has confirmed.  Without a spool, uploads it straight. */
static int
upload_stage(struct run *run, struct err *err)
{
	char name[SPOOL_NAME_MAX + 1];
	struct object obj = { 0 };
	struct err cause;
	int status;

	obj.key = run->key;
	obj.data = run->batch.data.data;
	obj.len = run->batch.data.len;
	obj.content_type = run->cfg->gzip ?
	    GZIP_CONTENT_TYPE :
	    batch_content_type(run->cfg->format);
	if (!run->spooling)
		return sink_put(&run->sink, &obj, &run->landed, err);

	if ((status = spool_add(&run->spool, run->destination, &obj, name,
		 sizeof(name), err)) != ST_OK)
		return status;
	fault_point("spooled");
	if (interrupted())
		return err_set(err, ST_TEMPFAIL,
		    "interrupted by signal %d; the batch waits in %.256s for "
		    "the next run",
		    interrupted(), run->spool.dir);
	if (run->replay.stalled)
		return stalled_error(run, 1, err);
	status = sink_put(&run->sink, &obj, &run->landed, err);
	if (status == ST_OK) {
		fault_point("uploaded");
		return spool_remove(&run->spool, name, err);
	}
	run->landed.where[0] = '\0';
	if (status == ST_DATA) {
		/* The store will never take it: keep it, out of the way. */
		struct err aside;

		if (spool_set_aside(&run->spool, name, err->msg, &aside) ==
		    ST_OK)
			log_warning("the refused batch is kept in %s/bad",
			    run->spool.dir);
		return status;
	}
	cause = *err;
	return err_set(err, is_transient(status) ? ST_TEMPFAIL : status,
	    "%.700s; the batch waits in %.256s for the next run", cause.msg,
	    run->spool.dir);
}

/* Opens the sink, and the spool unless this run writes elsewhere; then
 * lands what earlier runs left. */
static int
prepare_stage(struct run *run, struct err *err)
{
	const struct config *cfg = run->cfg;
	int status;

	if (cfg->dry_run || cfg->output != NULL)
		return ST_OK;
	if ((status = sink_open(&run->sink, cfg, err)) != ST_OK)
		return status;
	if (cfg->no_spool || !sink_needs_spool(&run->sink))
		return ST_OK;
	if ((status = sink_destination(cfg, run->destination,
		 sizeof(run->destination), err)) != ST_OK ||
	    (status = spool_open(&run->spool, cfg, err)) != ST_OK)
		return status;
	run->spooling = 1;
	if ((status = replay_stage(run, err)) != ST_OK)
		return status;
	if (spool_full(run, err))
		return ST_TEMPFAIL;
	return ST_OK;
}

static int
collect(struct run *run, struct err *err)
{
	const struct config *cfg = run->cfg;
	int status;

	if ((status = prepare_stage(run, err)) != ST_OK)
		return status;
	if (user_pool_build(&run->users, cfg->pool_seed, (size_t)cfg->users) !=
	    0)
		return err_set(err, ST_TEMPFAIL,
		    "out of memory building the user pool");
	if ((status = batch_init(&run->batch, (size_t)cfg->max_size,
		 cfg->format, &run->users, (uint64_t)cfg->shops, cfg->seed,
		 err)) != ST_OK)
		return status;
	if ((status = fetch_stage(run, err)) != ST_OK)
		return status;
	fault_point("fetched");
	if (cfg->gzip && (status = compress_stage(run, err)) != ST_OK)
		return status;
	if (interrupted() && (run->batch.records == 0 || !run->spooling))
		return err_set(err, ST_TEMPFAIL, "interrupted by signal %d",
		    interrupted());
	if (run->batch.records == 0) {
		/* An empty object would only make readers list and skip it. */
		log_warning("no records arrived; nothing was written");
		return run->replay.stalled ? stalled_error(run, 0, err) : ST_OK;
	}
	if ((status = name_stage(run, err)) != ST_OK)
		return status;

	if (cfg->dry_run) {
		snprintf(run->landed.where, sizeof(run->landed.where), "%s",
		    run->key);
		log_info("dry run: %zu bytes not written", run->batch.data.len);
	} else if (cfg->output != NULL)
		status = output_stage(run, err);
	else
		status = upload_stage(run, err);
	if (status != ST_OK)
		return status;

	if (run->fetched.arrived < run->fetched.requested) {
		log_warning("landed %zu of %zu responses", run->fetched.arrived,
		    run->fetched.requested);
		err_set(err, ST_TEMPFAIL, "landed %zu of %zu responses",
		    run->fetched.arrived, run->fetched.requested);
		err->logged = 1;
		return ST_TEMPFAIL;
	}
	return ST_OK;
}

static double
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Batches still in the spool: those of this run that did not land, and
 * those of earlier runs that did not either. */
static size_t
spool_pending(const struct run *run)
{
	struct spool_entry *entries;
	struct err err;
	size_t n;

	if (!run->spooling ||
	    spool_list(&run->spool, &entries, &n, &err) != ST_OK)
		return 0;
	free(entries);
	return n;
}

/* The numbers of the run, for --metrics-file and --json alike.  Only a
 * run that exited 0 is a success; a failed one carries the last success
 * over from the metrics file the previous run left, and fails when that
 * file is there but cannot be read. */
static int
run_metrics(const struct run *run, int status, struct metrics *m,
    struct err *err)
{
	int carried = ST_OK;

	memset(m, 0, sizeof(*m));
	m->last_run = wall_clock();
	m->duration = now_seconds() - run->started;
	if (status == ST_OK)
		m->last_success = m->last_run;
	else if (run->cfg->metrics_file != NULL)
		carried = metrics_last_success(run->cfg->metrics_file,
		    &m->last_success, err);
	m->records = run->batch.records;
	m->bytes = run->batch.data.len;
	m->responses = run->fetched.arrived;
	m->http_retries = run->fetched.retries + run->landed.retries +
	    run->replay.retries;
	m->exit_status = status;
	m->spool_pending = spool_pending(run);
	return carried;
}

/* --json: one line that a script can parse, on success and failure. */
static void
print_summary(const struct run *run, int status, const struct err *err,
    const struct metrics *m, FILE *out)
{
	json_t *s;
	char *line;

	s = json_pack("{s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:b, "
		      "s:f, s:I}",
	    "status", status_name(status), "exit", status, "key", run->key,
	    "where", run->landed.where, "records", (json_int_t)m->records,
	    "bytes", (json_int_t)m->bytes, "responses",
	    (json_int_t)m->responses, "requested",
	    (json_int_t)run->fetched.requested, "retries",
	    (json_int_t)m->http_retries, "duration_seconds", m->duration,
	    "dry_run", run->cfg->dry_run, "last_run_timestamp_seconds",
	    m->last_run, "spool_pending_batches", (json_int_t)m->spool_pending);
	/* 0 means no success is known: null says so to a script. */
	if (s != NULL)
		json_object_set_new(s, "last_success_timestamp_seconds",
		    m->last_success > 0 ?
			json_real(m->last_success) :
			json_null());
	if (s != NULL && status != ST_OK && err->msg[0] != '\0')
		json_object_set_new(s, "error", json_string(err->msg));
	if (s != NULL && (line = json_dumps(s, JSON_COMPACT)) != NULL) {
		fprintf(out, "%s\n", line);
		free(line);
	}
	json_decref(s);
}

static void
report(const struct run *run, int status, const struct err *err,
    const struct metrics *m)
{
	const struct config *cfg = run->cfg;
	int landed = status == ST_OK ||
	    (status == ST_TEMPFAIL && run->landed.where[0] != '\0');
	int batch_on_stdout = cfg->output && strcmp(cfg->output, "-") == 0;

	if (status != ST_OK && err->msg[0] != '\0' && !err->logged)
		log_error("%s", err->msg);
	if (landed)
		log_info("%llu records from %llu of %zu responses, %llu bytes, "
			 "%llu retries, %.3f s",
		    m->records, m->responses, run->fetched.requested, m->bytes,
		    m->http_retries, m->duration);
	if (cfg->json_summary)
		print_summary(run, status, err, m,
		    batch_on_stdout ? stderr : stdout);
	else if (landed && !batch_on_stdout)
		printf("%s\n", run->landed.where);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct run run;
	struct metrics metrics;
	struct err err = { "", 0 }, unread = { "", 0 };
	size_t i;
	int status, kept;

	memset(&cfg, 0, sizeof(cfg));
	memset(&run, 0, sizeof(run));
	run.cfg = &cfg;
	run.started = now_seconds();

	if ((status = config_load(&cfg, argc, argv, &err)) != ST_OK) {
		fprintf(stderr, "collector: error: %s\n", err.msg);
		goto out;
	}
	if (cfg.show_help) {
		config_usage(stdout);
		goto out;
	}
	if (cfg.show_version) {
		printf("collector %s\n", COLLECTOR_VERSION);
		goto out;
	}
	if (cfg.print_config) {
		config_print(&cfg, stdout);
		goto out;
	}
	log_setup(cfg.log_level, cfg.log_format == LOG_FORMAT_JSON);
	for (i = 0; i < cfg.nwarnings; i++)
		log_warning("%s", cfg.warnings[i]);
	if (cfg.check != CHECK_OFF) {
		if ((status = http_global_init(&err)) != ST_OK)
			log_error("%s", err.msg);
		else {
			status = check_run(&cfg, stdout);
			http_global_cleanup();
		}
		goto out;
	}
	interrupt_install();
	if ((status = http_global_init(&err)) == ST_OK) {
		status = collect(&run, &err);
		http_global_cleanup();
	}
	kept = run_metrics(&run, status, &metrics, &unread) != ST_OK;
	report(&run, status, &err, &metrics);
	/* A file that cannot be written goes stale, and the alert on the
	 * age of the last success fires: the run's own status stands.  One
	 * that cannot be read is left stale too, rather than replaced with
	 * a last success of 0. */
	if (kept)
		log_error("%s; left as it is", unread.msg);
	else if (cfg.metrics_file != NULL &&
	    metrics_write(cfg.metrics_file, &metrics, &err) != ST_OK)
		log_error("%s", err.msg);
out:
	sink_close(&run.sink);
	if (run.spooling)
		spool_close(&run.spool);
	batch_free(&run.batch);
	user_pool_free(&run.users);
	config_free(&cfg);
	if (fflush(stdout) != 0 && status == ST_OK)
		status = ST_IO;
	return status;
}
