/*
 * config.c - the settings table and the five layers that fill it.
 *
 * Every setting is one row of settings[].  The defaults, the YAML file,
 * the .env file, the environment and the flags all find their rows there
 * and store through set_value(), which parses, validates and remembers
 * where the value came from.  Layers are applied lowest first, so a
 * later one simply overwrites an earlier one.
 *
 * Secret values are never copied into messages: errors about them name
 * the variable, flag or file only.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "enrich.h"
#include "http.h"
#include "log.h"
#include "naming.h"
#include "rng.h"

#define KIB 1024LL
#define MIB (1024LL * KIB)
#define GIB (1024LL * MIB)
#define TIB (1024LL * GIB)

#define POOL_SEED_TEXT "20250922" /* DEFAULT_POOL_SEED; a test checks */

#define CONFIG_FILE_MAX ((size_t)1024 * 1024)
#define SECRET_FILE_MAX ((size_t)64 * 1024)
#define KEY_PATH_MAX 256

/* Enum settings are stored through an int. */
_Static_assert(sizeof(enum key_in) == sizeof(int), "enum size");
_Static_assert(sizeof(enum batch_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum log_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum storage_kind) == sizeof(int), "enum size");

enum type {
	TYPE_STRING,	  /* any text without control characters */
	TYPE_NONEMPTY,	  /* the same, and not empty */
	TYPE_URL,	  /* starts with one of choices */
	TYPE_BUCKET,	  /* a bucket name */
	TYPE_PATH,	  /* a key prefix, normalised */
	TYPE_TIME_FORMAT, /* a strftime format or a preset name */
	TYPE_SECRET,	  /* a key: never printed */
	TYPE_INT,	  /* long from min to max */
	TYPE_SIZE,	  /* long long bytes from min to max */
	TYPE_BOOL,
	TYPE_ENUM,   /* int index into choices */
	TYPE_PARAMS, /* cfg->params */
	TYPE_U64
};

enum group {
	GROUP_GENERAL,
	GROUP_SOURCE,
	GROUP_STORAGE,
	GROUP_BATCH,
	GROUP_HTTP,
	GROUP_LOGGING,
	GROUP_SPOOL,
	NGROUPS
};

static const char *const group_names[NGROUPS] = { "General", "Source",
	"Storage", "Batch", "HTTP", "Logging", "Spool" };

struct setting {
	const char *name;     /* YAML dotted key, or a name for printing */
	bool yaml;	      /* name is a key of the YAML file */
	const char *flag;     /* long flag without "--", or NULL */
	const char *metavar;  /* NULL: the flag takes no argument */
	const char *env[2];   /* variables holding it; the later wins */
	const char *file_env; /* variable naming a file that holds it */
	enum type type;
	size_t offset;
	long long min, max;
	const char *const *choices;
	const char *def;  /* default as text; NULL = unset */
	const char *note; /* what unset means, for --help */
	enum group group;
	const char *help;
};

/* clang-format off */
enum row {
	S_URL, S_API_KEY, S_KEY_IN, S_PARAMS, S_RECORDS,
	S_PROJECT_URL, S_PROJECT_KEY, S_BUCKET, S_PATH, S_STORAGE_KIND,
	S_S3_ENDPOINT, S_S3_REGION, S_S3_PATH_STYLE, S_S3_KEY_ID,
	S_S3_SECRET, S_S3_TOKEN, S_CACHE_CONTROL, S_GZIP, S_RESUMABLE,
	S_MULTIPART,
	S_MAX_SIZE, S_FORMAT, S_USERS, S_SHOPS, S_POOL_SEED, S_SEED,
	S_TIME_FORMAT,
	S_CONCURRENCY, S_CONNECT_TIMEOUT, S_TIMEOUT, S_MAX_TIME, S_RETRIES,
	S_MAX_RESPONSE,
	S_LOG_LEVEL, S_LOG_FORMAT,
	S_SPOOL_DIR, S_SPOOL_MAX_BATCHES, S_SPOOL_MAX_BYTES, S_WAIT_LOCK,
	S_METRICS_FILE,
	NSETTINGS
};
/* clang-format on */

static const char *const key_in_names[] = { "header", "query", NULL };
static const char *const storage_names[] = { "auto", "supabase", "s3", NULL };
static const char *const format_names[] = { "array", "ndjson", NULL };
static const char *const level_names[] = {
	"error",
	"warning",
	"info",
	"debug",
	NULL,
};
static const char *const log_format_names[] = { "text", "json", NULL };
static const char *const source_schemes[] = {
	"builtin:",
	"file://",
	"http://",
	"https://",
	NULL,
};
static const char *const sink_schemes[] = {
	"file://",
	"http://",
	"https://",
	"s3://",
	NULL,
};
static const char *const endpoint_schemes[] = { "http://", "https://", NULL };

#define OFF(field) offsetof(struct config, field)

/* The tables are laid out by hand: each row reads as one. */
/* clang-format off */
static const struct setting settings[NSETTINGS] = {
	[S_URL] = {
		"mockaroo.url", true, "url", "URL", { "COLLECTOR_URL" }, NULL,
		TYPE_URL, OFF(url), 0, 0, source_schemes, NULL,
		"none (the built-in generator)", GROUP_SOURCE,
		"where responses come from: builtin:, file://, http:// or "
		"https://"
	},
	[S_API_KEY] = {
		"api_key", false, "api-key-file", "FILE",
		{ "api_key", "COLLECTOR_API_KEY" }, "COLLECTOR_API_KEY_FILE",
		TYPE_SECRET, OFF(api_key), 0, 0, NULL, NULL, "none",
		GROUP_SOURCE,
		"read the Mockaroo API key from FILE"
	},
	[S_KEY_IN] = {
		"mockaroo.key_in", true, "key-in", "header|query",
		{ "COLLECTOR_KEY_IN" }, NULL,
		TYPE_ENUM, OFF(key_in), 0, 0, key_in_names, "header", NULL,
		GROUP_SOURCE,
		"send the API key as the X-API-Key header or the key= query "
		"parameter"
	},
	[S_PARAMS] = {
		"mockaroo.params", true, "param", "NAME=VALUE", { NULL }, NULL,
		TYPE_PARAMS, 0, 0, 0, NULL, NULL, "none", GROUP_SOURCE,
		"add a query parameter (repeatable): the first --param "
		"replaces the parameters of the config file, later ones add "
		"to it"
	},
	[S_RECORDS] = {
		"builtin.records", true, "records", "N",
		{ "COLLECTOR_RECORDS" }, NULL,
		TYPE_INT, OFF(records), 0, 1000000, NULL, "1000", NULL,
		GROUP_SOURCE,
		"records per response of the built-in generator"
	},
	[S_PROJECT_URL] = {
		"supabase.url", true, "project-url", "URL",
		{ "project_url", "COLLECTOR_PROJECT_URL" }, NULL,
		TYPE_URL, OFF(project_url), 0, 0, sink_schemes, NULL,
		"none (the directory ./lake)", GROUP_STORAGE,
		"where batches go: a Supabase project (http://, https://), an "
		"S3 endpoint (s3://) or a directory (file://)"
	},
	[S_PROJECT_KEY] = {
		"project_key", false, "project-key-file", "FILE",
		{ "project_key", "COLLECTOR_PROJECT_KEY" },
		"COLLECTOR_PROJECT_KEY_FILE",
		TYPE_SECRET, OFF(project_key), 0, 0, NULL, NULL, "none",
		GROUP_STORAGE,
		"read the Supabase service key from FILE"
	},
	[S_BUCKET] = {
		"supabase.bucketName", true, "bucket", "NAME",
		{ "COLLECTOR_BUCKET" }, NULL,
		TYPE_BUCKET, OFF(bucket), 0, 0, NULL, "datalake", NULL,
		GROUP_STORAGE,
		"the bucket batches are uploaded to"
	},
	[S_PATH] = {
		"supabase.path_raw_data.new", true, "path", "PREFIX",
		{ "COLLECTOR_PATH" }, NULL,
		TYPE_PATH, OFF(path), 0, 0, NULL, "bronze/new", NULL,
		GROUP_STORAGE,
		"the key prefix of batches inside the bucket (strftime "
		"conversions are expanded in UTC)"
	},
	[S_STORAGE_KIND] = {
		"storage.kind", true, "storage-kind", "auto|supabase|s3",
		{ "COLLECTOR_STORAGE_KIND" }, NULL,
		TYPE_ENUM, OFF(storage_kind), 0, 0, storage_names, "auto",
		NULL, GROUP_STORAGE,
		"the storage protocol; auto chooses by the project URL"
	},
	[S_S3_ENDPOINT] = {
		"s3.endpoint", true, "s3-endpoint", "URL",
		{ "AWS_ENDPOINT_URL" }, NULL,
		TYPE_URL, OFF(s3_endpoint), 0, 0, endpoint_schemes, NULL,
		"none (AWS)", GROUP_STORAGE,
		"the S3 endpoint, for S3-compatible stores"
	},
	[S_S3_REGION] = {
		"s3.region", true, "s3-region", "NAME", { "AWS_REGION" }, NULL,
		TYPE_NONEMPTY, OFF(s3_region), 0, 0, NULL, "us-east-1", NULL,
		GROUP_STORAGE,
		"the S3 region requests are signed for"
	},
	[S_S3_PATH_STYLE] = {
		"s3.path_style", true, "s3-path-style", "BOOL", { NULL }, NULL,
		TYPE_BOOL, OFF(s3_path_style), 0, 0, NULL, NULL,
		"true when s3.endpoint is set", GROUP_STORAGE,
		"address buckets as endpoint/bucket rather than "
		"bucket.endpoint"
	},
	[S_S3_KEY_ID] = {
		"s3_access_key_id", false, NULL, NULL,
		{ "AWS_ACCESS_KEY_ID" }, NULL,
		TYPE_NONEMPTY, OFF(s3_access_key_id), 0, 0, NULL, NULL, "none",
		GROUP_STORAGE, "the S3 access key id"
	},
	[S_S3_SECRET] = {
		"s3_secret_access_key", false, NULL, NULL,
		{ "AWS_SECRET_ACCESS_KEY" }, NULL,
		TYPE_SECRET, OFF(s3_secret_access_key), 0, 0, NULL, NULL,
		"none", GROUP_STORAGE, "the S3 secret access key"
	},
	[S_S3_TOKEN] = {
		"s3_session_token", false, NULL, NULL,
		{ "AWS_SESSION_TOKEN" }, NULL,
		TYPE_SECRET, OFF(s3_session_token), 0, 0, NULL, NULL, "none",
		GROUP_STORAGE, "the S3 session token"
	},
	[S_CACHE_CONTROL] = {
		"upload.cache_control", true, "cache-control", "VALUE",
		{ NULL }, NULL,
		TYPE_STRING, OFF(cache_control), 0, 0, NULL, NULL, "none",
		GROUP_STORAGE,
		"the Cache-Control of uploaded objects"
	},
	[S_GZIP] = {
		"upload.gzip", true, "gzip", NULL, { NULL }, NULL,
		TYPE_BOOL, OFF(gzip), 0, 0, NULL, "false", NULL,
		GROUP_STORAGE,
		"compress batches with gzip before uploading"
	},
	[S_RESUMABLE] = {
		"upload.resumable_threshold", true, "resumable-threshold",
		"BYTES", { NULL }, NULL,
		TYPE_SIZE, OFF(resumable_threshold), 1, TIB, NULL, "6MiB",
		NULL, GROUP_STORAGE,
		"upload larger batches to Supabase with resumable uploads"
	},
	[S_MULTIPART] = {
		"upload.multipart_threshold", true, "multipart-threshold",
		"BYTES", { NULL }, NULL,
		TYPE_SIZE, OFF(multipart_threshold), 1, TIB, NULL, "64MiB",
		NULL, GROUP_STORAGE,
		"upload larger batches to S3 with multipart uploads"
	},
	[S_MAX_SIZE] = {
		"batch.max_size", true, "max-size", "N",
		{ "COLLECTOR_MAX_SIZE" }, NULL,
		TYPE_INT, OFF(max_size), 1, 100000, NULL, "10", NULL,
		GROUP_BATCH,
		"responses per batch"
	},
	[S_FORMAT] = {
		"batch.format", true, "format", "array|ndjson",
		{ "COLLECTOR_FORMAT" }, NULL,
		TYPE_ENUM, OFF(format), 0, 0, format_names, "array", NULL,
		GROUP_BATCH,
		"write the batch as one JSON array or one record per line"
	},
	[S_USERS] = {
		"enrich.users", true, "users", "N", { NULL }, NULL,
		TYPE_INT, OFF(users), 1, 10000000, NULL, "5000", NULL,
		GROUP_BATCH,
		"user ids in the pool records draw from"
	},
	[S_SHOPS] = {
		"enrich.shops", true, "shops", "N", { NULL }, NULL,
		TYPE_INT, OFF(shops), 1, 1000000000, NULL, "10000", NULL,
		GROUP_BATCH,
		"shop ids records draw from"
	},
	[S_POOL_SEED] = {
		"enrich.pool_seed", true, "pool-seed", "N", { NULL }, NULL,
		TYPE_U64, OFF(pool_seed), 0, 0, NULL, POOL_SEED_TEXT, NULL,
		GROUP_BATCH,
		"the seed of the user pool; hosts sharing it share user ids"
	},
	[S_SEED] = {
		"seed", false, "seed", "N", { "COLLECTOR_SEED" }, NULL,
		TYPE_U64, OFF(seed), 0, 0, NULL, NULL, "random per run",
		GROUP_BATCH,
		"the seed of the run's draws, to reproduce a batch"
	},
	[S_TIME_FORMAT] = {
		"naming.time_format", true, "time-format", "FMT", { NULL },
		NULL,
		TYPE_TIME_FORMAT, OFF(time_format), 0, 0, NULL, "iso", NULL,
		GROUP_BATCH,
		"the strftime format of the time in object keys; iso is "
		TIME_FORMAT_ISO ", basic is " TIME_FORMAT_BASIC
	},
	[S_CONCURRENCY] = {
		"http.concurrency", true, "concurrency", "N", { NULL }, NULL,
		TYPE_INT, OFF(concurrency), 1, 64, NULL, "4", NULL, GROUP_HTTP,
		"requests in flight at once"
	},
	[S_CONNECT_TIMEOUT] = {
		"http.connect_timeout", true, "connect-timeout", "SECONDS",
		{ NULL }, NULL,
		TYPE_INT, OFF(connect_timeout), 1, 3600, NULL, "10", NULL,
		GROUP_HTTP,
		"give up connecting after SECONDS"
	},
	[S_TIMEOUT] = {
		"http.timeout", true, "timeout", "SECONDS", { NULL }, NULL,
		TYPE_INT, OFF(timeout), 1, 86400, NULL, "60", NULL, GROUP_HTTP,
		"give up one request after SECONDS"
	},
	[S_MAX_TIME] = {
		"http.max_time", true, "max-time", "SECONDS", { NULL }, NULL,
		TYPE_INT, OFF(max_time), 1, 86400, NULL, "300", NULL,
		GROUP_HTTP,
		"give up fetching, or uploading, with retries after SECONDS"
	},
	[S_RETRIES] = {
		"http.retries", true, "retries", "N", { NULL }, NULL,
		TYPE_INT, OFF(retries), 0, 100, NULL, "4", NULL, GROUP_HTTP,
		"retries of a request that failed temporarily"
	},
	[S_MAX_RESPONSE] = {
		"http.max_response_bytes", true, "max-response-bytes", "BYTES",
		{ NULL }, NULL,
		TYPE_SIZE, OFF(max_response_bytes), 1, TIB, NULL, "64MiB",
		NULL, GROUP_HTTP,
		"refuse larger responses"
	},
	[S_LOG_LEVEL] = {
		"log.level", true, "log-level", "error|warning|info|debug",
		{ "COLLECTOR_LOG_LEVEL" }, NULL,
		TYPE_ENUM, OFF(log_level), 0, 0, level_names, "warning", NULL,
		GROUP_LOGGING,
		"the least severe messages written to stderr"
	},
	[S_LOG_FORMAT] = {
		"log.format", true, "log-format", "text|json",
		{ "COLLECTOR_LOG_FORMAT" }, NULL,
		TYPE_ENUM, OFF(log_format), 0, 0, log_format_names, "text",
		NULL, GROUP_LOGGING,
		"write messages as text lines or JSON objects"
	},
	[S_SPOOL_DIR] = {
		"spool.dir", true, "spool-dir", "DIR",
		{ "COLLECTOR_SPOOL_DIR" }, NULL,
		TYPE_NONEMPTY, OFF(spool_dir), 0, 0, NULL, NULL,
		"$STATE_DIRECTORY, else $XDG_STATE_HOME/collector",
		GROUP_SPOOL,
		"keep batches here until the store has them, and the run lock"
	},
	[S_SPOOL_MAX_BATCHES] = {
		"spool.max_batches", true, "spool-max-batches", "N", { NULL },
		NULL,
		TYPE_INT, OFF(spool_max_batches), 1, 1000000, NULL, "1000",
		NULL, GROUP_SPOOL,
		"fetch nothing new while N batches wait in the spool"
	},
	[S_SPOOL_MAX_BYTES] = {
		"spool.max_bytes", true, "spool-max-bytes", "BYTES", { NULL },
		NULL,
		TYPE_SIZE, OFF(spool_max_bytes), 1, TIB, NULL, "1GiB", NULL,
		GROUP_SPOOL,
		"fetch nothing new while BYTES wait in the spool"
	},
	[S_WAIT_LOCK] = {
		"spool.wait_lock", true, "wait-lock", "SECONDS", { NULL }, NULL,
		TYPE_INT, OFF(wait_lock), 0, 86400, NULL, "0", NULL,
		GROUP_SPOOL,
		"wait up to SECONDS for another run to release the lock"
	},
	[S_METRICS_FILE] = {
		"metrics.file", true, "metrics-file", "FILE",
		{ "COLLECTOR_METRICS_FILE" }, NULL,
		TYPE_NONEMPTY, OFF(metrics_file), 0, 0, NULL, NULL, "none",
		GROUP_LOGGING,
		"after every run, write its numbers to FILE in the Prometheus "
		"text format (for node_exporter's textfile collector)"
	},
};
/* clang-format on */

/* Flags that are not settings: they steer this run only. */
enum {
	OPT_SETTING = 256, /* + row */
	OPT_ENV_FILE = 512,
	OPT_ONCE,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_PRINT_CONFIG,
	OPT_S3_CREDENTIALS,
	OPT_NO_SPOOL,
	OPT_CHECK
};

struct run_option {
	int val; /* the short option, or OPT_* */
	const char *flag;
	const char *metavar; /* "[=...]": an optional argument */
	enum group group;
	const char *help;
};

/* clang-format off */
static const struct run_option run_options[] = {
	{ 'c', "config", "FILE", GROUP_GENERAL,
	    "read settings from the YAML FILE (default ./config.yaml, "
	    "else /etc/collector/config.yaml, when present)" },
	{ OPT_ENV_FILE, "env-file", "FILE", GROUP_GENERAL,
	    "read NAME=value lines from FILE (default .env beside the "
	    "config file, or ./.env, when present)" },
	{ 'o', "output", "FILE", GROUP_GENERAL,
	    "write the batch to FILE (- for stdout) instead of uploading "
	    "it" },
	{ OPT_DRY_RUN, "dry-run", NULL, GROUP_GENERAL,
	    "fetch and build the batch but store nothing" },
	{ OPT_JSON, "json", NULL, GROUP_GENERAL,
	    "print a JSON summary of the run on stdout" },
	{ OPT_ONCE, "once", NULL, GROUP_GENERAL,
	    "collect one batch (what every run does)" },
	{ OPT_PRINT_CONFIG, "print-config", NULL, GROUP_GENERAL,
	    "print the effective settings and where each came from, "
	    "then exit" },
	{ OPT_CHECK, "check", "[=api]", GROUP_GENERAL,
	    "check that a run could succeed (settings, keys, the bucket "
	    "writable), then exit; =api also makes one API request" },
	{ 'h', "help", NULL, GROUP_GENERAL, "print this help and exit" },
	{ 'V', "version", NULL, GROUP_GENERAL,
	    "print the version and exit" },
	{ OPT_S3_CREDENTIALS, "s3-credentials-file", "FILE", GROUP_STORAGE,
	    "read S3 credentials from section [default] of the AWS "
	    "shared-credentials FILE [env AWS_ACCESS_KEY_ID, "
	    "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN]" },
	{ 'v', "verbose", NULL, GROUP_LOGGING,
	    "log one level more; repeatable" },
	{ 'q', "quiet", NULL, GROUP_LOGGING,
	    "log errors only (overrides -v)" },
	{ OPT_NO_SPOOL, "no-spool", NULL, GROUP_SPOOL,
	    "upload without keeping the batch in the spool first, and "
	    "replay nothing" },
};
/* clang-format on */

#define NRUN_OPTIONS (sizeof(run_options) / sizeof(run_options[0]))

/* Where a value comes from: the text of messages and of the origin. */
struct where {
	const char *loc;    /* "--max-size", "config.yaml:7:9", ... */
	const char *key;    /* the YAML key said after loc, or NULL */
	const char *origin; /* remembered for --print-config */
	int status;	    /* for a bad value: ST_USAGE or ST_CONFIG */
};

union value {
	char *str;
	long l;
	long long ll;
	bool b;
	int e;
	uint64_t u;
};

/* A parsed .env file. */
struct dotenv_entry {
	char *name;
	char *value;
	int line;
};

struct dotenv {
	struct dotenv_entry *v;
	size_t n;
};

/* One setting flag, applied after the environment. */
struct pending {
	int val; /* OPT_SETTING + row, or OPT_S3_CREDENTIALS */
	const char *arg;
};

struct flags {
	const char *config_file;
	const char *env_file;
	int verbose;
	bool quiet;
	struct pending *pending;
	size_t npending;
};

static int
oom(struct err *err)
{
	return err_set(err, ST_TEMPFAIL, "out of memory");
}

static void *
field(struct config *cfg, int row)
{
	return (char *)cfg + settings[row].offset;
}

static const void *
cfield(const struct config *cfg, int row)
{
	return (const char *)cfg + settings[row].offset;
}

static bool
is_string_type(enum type t)
{
	switch (t) {
	case TYPE_STRING:
	case TYPE_NONEMPTY:
	case TYPE_URL:
	case TYPE_BUCKET:
	case TYPE_PATH:
	case TYPE_TIME_FORMAT:
	case TYPE_SECRET:
		return true;
	default:
		return false;
	}
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* An excerpt of text fit for a message: short, no control characters. */
static void
excerpt(const char *text, char *out, size_t size)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i + 1 < size && i < 100; i++)
		out[i] = (char)((unsigned char)text[i] < 0x20 ||
			    text[i] == 0x7f ?
			'?' :
			text[i]);
	out[i] = '\0';
}

/* ---- parsing values ---- */

/* Plain decimal digits only: no sign, no spaces, no exponent. */
static int
parse_digits(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned d;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

static int
parse_u64(const char *text, uint64_t *out)
{
	if (parse_digits(&text, out) != 0 || *text != '\0')
		return -1;
	return 0;
}

static int
parse_size(const char *text, long long *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 },
		{ "k", KIB },
		{ "K", KIB },
		{ "KiB", KIB },
		{ "M", MIB },
		{ "MiB", MIB },
		{ "G", GIB },
		{ "GiB", GIB },
		{ "T", TIB },
		{ "TiB", TIB },
		{ "KB", 1000 },
		{ "kB", 1000 },
		{ "MB", 1000000 },
		{ "GB", 1000000000 },
		{ "TB", UINT64_C(1000000000000) },
	};
	uint64_t v;
	size_t i;

	if (parse_digits(&text, &v) != 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(text, units[i].suffix) != 0)
			continue;
		if (v > (uint64_t)LLONG_MAX / units[i].mult)
			return -1;
		*out = (long long)v * (long long)units[i].mult;
		return 0;
	}
	return -1;
}

/* The largest exact binary unit: 6291456 is "6MiB". */
static void
size_format(long long v, char *out, size_t size)
{
	static const struct {
		const char *suffix;
		long long mult;
	} units[] = {
		{ "TiB", TIB },
		{ "GiB", GIB },
		{ "MiB", MIB },
		{ "KiB", KIB },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v != 0 && v % units[i].mult == 0) {
			snprintf(out, size, "%lld%s", v / units[i].mult,
			    units[i].suffix);
			return;
		}
	snprintf(out, size, "%lld", v);
}

static int
parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };
	size_t i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return -1;
}

static int
parse_enum(const char *text, const char *const *choices, int *out)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(text, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static bool
url_allowed(const char *url, const char *const *schemes)
{
	size_t n;

	if (has_control(url) || strpbrk(url, " \t") != NULL)
		return false;
	for (; *schemes != NULL; schemes++) {
		n = strlen(*schemes);
		if (strncasecmp(url, *schemes, n) != 0)
			continue;
		/* "builtin:" alone is the generator; "http://" alone is
		 * nothing. */
		return url[n] != '\0' || (*schemes)[n - 1] == ':';
	}
	return false;
}

static bool
bucket_allowed(const char *name)
{
	const char *p;

	if (*name == '\0')
		return false;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			return false;
	return true;
}

/* "a", "a or b", "a, b or c". */
static void
list_choices(const char *const *choices, char *out, size_t size)
{
	size_t n, i, len = 0;

	for (n = 0; choices[n] != NULL; n++)
		;
	out[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    i == 0	   ? "" :
			i + 1 == n ? " or " :
				     ", ",
		    choices[i]);
	}
}

/* What a setting accepts, after "expected ". */
static void
expected(const struct setting *s, char *out, size_t size)
{
	char lo[32], hi[32], list[160];

	switch (s->type) {
	case TYPE_INT:
		snprintf(out, size, "an integer from %lld to %lld", s->min,
		    s->max);
		break;
	case TYPE_SIZE:
		size_format(s->min, lo, sizeof(lo));
		size_format(s->max, hi, sizeof(hi));
		snprintf(out, size, "a size in bytes from %s to %s", lo, hi);
		break;
	case TYPE_U64:
		snprintf(out, size, "an integer from 0 to %" PRIu64,
		    UINT64_MAX);
		break;
	case TYPE_BOOL:
		snprintf(out, size, "true or false");
		break;
	case TYPE_ENUM:
		list_choices(s->choices, list, sizeof(list));
		snprintf(out, size, "%s", list);
		break;
	case TYPE_URL:
		list_choices(s->choices, list, sizeof(list));
		snprintf(out, size, "a URL starting with %s", list);
		break;
	case TYPE_BUCKET:
		snprintf(out, size,
		    "a bucket name of letters, digits, '.', '_' and '-'");
		break;
	case TYPE_TIME_FORMAT:
		snprintf(out, size, "a strftime format, iso or basic");
		break;
	case TYPE_NONEMPTY:
		snprintf(out, size,
		    "a non-empty text without control characters");
		break;
	case TYPE_SECRET:
		snprintf(out, size, "a key without control characters");
		break;
	case TYPE_PARAMS:
		snprintf(out, size, "a mapping of parameter names to values");
		break;
	case TYPE_STRING:
	case TYPE_PATH:
	default:
		snprintf(out, size, "a text without control characters");
		break;
	}
}

/*
 * Parses text for setting s into v (strings newly allocated).  Returns
 * ST_OK; ST_CONFIG with problem filled ("expected ..., got ..."); or
 * ST_TEMPFAIL when memory runs out.
 */
static int
parse_value(const struct setting *s, const char *text, union value *v,
    char *problem, size_t size)
{
	char want[256], got[256], redacted[256];
	const char *str = text;
	uint64_t u;
	bool ok;

	switch (s->type) {
	case TYPE_INT:
		ok = parse_u64(text, &u) == 0 && u >= (uint64_t)s->min &&
		    u <= (uint64_t)s->max;
		v->l = ok ? (long)u : 0;
		break;
	case TYPE_SIZE:
		ok = parse_size(text, &v->ll) == 0 && v->ll >= s->min &&
		    v->ll <= s->max;
		break;
	case TYPE_U64:
		ok = parse_u64(text, &v->u) == 0;
		break;
	case TYPE_BOOL:
		ok = parse_bool(text, &v->b) == 0;
		break;
	case TYPE_ENUM:
		ok = parse_enum(text, s->choices, &v->e) == 0;
		break;
	case TYPE_URL:
		ok = url_allowed(text, s->choices);
		break;
	case TYPE_BUCKET:
		ok = bucket_allowed(text);
		break;
	case TYPE_TIME_FORMAT:
		ok = text[0] != '\0' && !has_control(text);
		str = time_format_expand(text);
		break;
	case TYPE_NONEMPTY:
	case TYPE_SECRET:
		ok = text[0] != '\0' && !has_control(text);
		break;
	case TYPE_STRING:
	case TYPE_PATH:
	case TYPE_PARAMS:
	default:
		ok = !has_control(text);
		break;
	}
	if (!ok) {
		expected(s, want, sizeof(want));
		if (s->type == TYPE_SECRET) {
			snprintf(problem, size, "expected %s", want);
			return ST_CONFIG;
		}
		if (s->type == TYPE_URL) {
			/* Without its credentials, and one line. */
			http_redact(text, redacted, sizeof(redacted));
			excerpt(redacted, got, sizeof(got));
		} else
			excerpt(text, got, sizeof(got));
		snprintf(problem, size, "expected %s, got \"%s\"", want, got);
		return ST_CONFIG;
	}
	if (is_string_type(s->type) && (v->str = strdup(str)) == NULL)
		return ST_TEMPFAIL;
	return ST_OK;
}

/* ---- storing values ---- */

static int
set_origin(struct config *cfg, int row, const char *origin, struct err *err)
{
	char *copy;

	if ((copy = strdup(origin)) == NULL)
		return oom(err);
	free(cfg->origins[row]);
	cfg->origins[row] = copy;
	return ST_OK;
}

static void
store_value(struct config *cfg, int row, union value *v)
{
	void *p = field(cfg, row);

	switch (settings[row].type) {
	case TYPE_INT:
		*(long *)p = v->l;
		break;
	case TYPE_SIZE:
		*(long long *)p = v->ll;
		break;
	case TYPE_U64:
		*(uint64_t *)p = v->u;
		if (row == S_SEED)
			cfg->seed_given = true;
		break;
	case TYPE_BOOL:
		*(bool *)p = v->b;
		break;
	case TYPE_ENUM:
		*(int *)p = v->e;
		break;
	case TYPE_PARAMS:
		break;
	default:
		if (settings[row].type == TYPE_SECRET)
			free_secret(*(char **)p);
		else
			free(*(char **)p);
		*(char **)p = v->str;
		break;
	}
}

static int
bad_value(const struct where *w, const char *problem, struct err *err)
{
	if (w->key != NULL)
		return err_set(err, w->status, "%s: %s: %s", w->loc, w->key,
		    problem);
	return err_set(err, w->status, "%s: %s", w->loc, problem);
}

/* A key prefix is normalised as it is set; naming's message names the
 * setting itself. */
static int
normalise_path(union value *v, const struct where *w, struct err *err)
{
	struct err nerr;

	if (key_prefix_normalise(v->str, settings[S_PATH].name, &nerr) == ST_OK)
		return ST_OK;
	free(v->str);
	return err_set(err, w->status, "%s: %s", w->loc, nerr.msg);
}

/* The one setter: parses text, validates it, stores it, remembers w. */
static int
set_value(struct config *cfg, int row, const char *text, const struct where *w,
    struct err *err)
{
	char problem[768];
	union value v;
	int status;

	memset(&v, 0, sizeof(v));
	status = parse_value(&settings[row], text, &v, problem,
	    sizeof(problem));
	if (status == ST_CONFIG)
		return bad_value(w, problem, err);
	if (status != ST_OK)
		return oom(err);
	if (settings[row].type == TYPE_PATH &&
	    (status = normalise_path(&v, w, err)) != ST_OK)
		return status;
	store_value(cfg, row, &v);
	return set_origin(cfg, row, w->origin, err);
}

/* Unsets a string setting (as a credentials file does for the token). */
static int
clear_value(struct config *cfg, int row, const char *origin, struct err *err)
{
	char **p = field(cfg, row);

	free_secret(*p);
	*p = NULL;
	return set_origin(cfg, row, origin, err);
}

static void
params_clear(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nparams; i++) {
		free(cfg->params[i].name);
		free(cfg->params[i].value);
	}
	free(cfg->params);
	cfg->params = NULL;
	cfg->nparams = 0;
}

/*
 * Checks a query parameter: the API key has its own settings, so that
 * it never sits in a config file or on a command line.
 */
static int
param_check(const char *name, const char *value, char *problem, size_t size)
{
	char got[128];

	excerpt(name, got, sizeof(got));
	if (name[0] == '\0' || has_control(name) ||
	    strpbrk(name, "=&#") != NULL) {
		snprintf(problem, size, "expected a parameter name, got \"%s\"",
		    got);
		return ST_CONFIG;
	}
	if (strcmp(name, "key") == 0) {
		snprintf(problem, size,
		    "parameter \"key\" is the API key; set it with "
		    "COLLECTOR_API_KEY or --api-key-file and mockaroo.key_in: "
		    "query");
		return ST_CONFIG;
	}
	if (has_control(value)) {
		snprintf(problem, size,
		    "parameter \"%s\": expected a value without control "
		    "characters",
		    got);
		return ST_CONFIG;
	}
	return ST_OK;
}

/* Adds a parameter, or replaces the value of one of the same name. */
static int
params_put(struct config *cfg, const char *name, const char *value,
    struct err *err)
{
	struct param *p;
	char *v;
	size_t i;

	if ((v = strdup(value)) == NULL)
		return oom(err);
	for (i = 0; i < cfg->nparams; i++)
		if (strcmp(cfg->params[i].name, name) == 0) {
			free(cfg->params[i].value);
			cfg->params[i].value = v;
			return ST_OK;
		}
	p = realloc(cfg->params, (cfg->nparams + 1) * sizeof(*p));
	if (p == NULL) {
		free(v);
		return oom(err);
	}
	cfg->params = p;
	p += cfg->nparams;
	if ((p->name = strdup(name)) == NULL) {
		free(v);
		return oom(err);
	}
	p->value = v;
	cfg->nparams++;
	return ST_OK;
}

static int
apply_defaults(struct config *cfg, struct err *err)
{
	struct where w = { "default", NULL, "default", ST_CONFIG };
	int row, status;

	for (row = 0; row < NSETTINGS; row++) {
		if (settings[row].def != NULL)
			status = set_value(cfg, row, settings[row].def, &w,
			    err);
		else
			status = set_origin(cfg, row, "default", err);
		if (status != ST_OK)
			return status;
	}
	return ST_OK;
}

/* ---- warnings ---- */

static int add_warning(struct config *cfg, struct err *err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
add_warning(struct config *cfg, struct err *err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char **w;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(&b, (size_t)n + 1) != 0)
		return oom(err);
	va_start(ap, fmt);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if ((w = realloc(cfg->warnings, (cfg->nwarnings + 1) * sizeof(*w))) ==
	    NULL) {
		buf_free(&b);
		return oom(err);
	}
	cfg->warnings = w;
	cfg->warnings[cfg->nwarnings++] = b.data;
	return ST_OK;
}

/*
 * A file holding a secret that others on the host can read gives the
 * secret away as surely as a command line would: say so, with the mode.
 */
static int
warn_if_readable(struct config *cfg, const char *path, struct err *err)
{
	struct stat st;

	if (stat(path, &st) != 0 || (st.st_mode & (S_IRGRP | S_IROTH)) == 0)
		return ST_OK;
	return add_warning(cfg, err,
	    "%s holds a secret but is readable by %s (mode %04o): chmod 600 %s",
	    path, (st.st_mode & S_IROTH) ? "others" : "its group",
	    (unsigned)(st.st_mode & 07777), path);
}

/* Whether a URL carries credentials (userinfo, key=, token=, ...). */
static bool
url_has_credentials(const char *url)
{
	char shown[2048];

	http_redact(url, shown, sizeof(shown));
	return strcmp(shown, url) != 0;
}

/* Whether a URL setting got credentials from the config file at path. */
static bool
config_file_holds_secret(const struct config *cfg, const char *path)
{
	size_t n = strlen(path);
	const char *origin, *url;
	int row;

	for (row = 0; row < NSETTINGS; row++) {
		if (settings[row].type != TYPE_URL)
			continue;
		origin = cfg->origins[row];
		url = *(char *const *)cfield(cfg, row);
		if (url != NULL && origin != NULL &&
		    strncmp(origin, path, n) == 0 && origin[n] == ':' &&
		    url_has_credentials(url))
			return true;
	}
	return false;
}

/* ---- files ---- */

/* Reads a whole file of at most max bytes; returns 0 or an errno. */
static int
read_file(const char *path, size_t max, struct buf *out)
{
	char chunk[4096];
	FILE *fp;
	size_t n;
	int error = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return errno;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (out->len + n > max) {
			error = EFBIG;
			break;
		}
		if (buf_append(out, chunk, n) != 0) {
			error = ENOMEM;
			break;
		}
	}
	if (error == 0 && ferror(fp))
		error = errno != 0 ? errno : EIO;
	(void)fclose(fp);
	if (error == 0 && buf_append(out, "", 0) != 0)
		error = ENOMEM;
	return error;
}

/* A file that cannot be read is a configuration error, unless the disk
 * failed under it. */
static int
read_status(int error)
{
	return error == EIO ? ST_IO : ST_CONFIG;
}

static void
buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	buf_free(b);
}

/*
 * Reads a key file: trailing line ends go, and what is left must not be
 * empty.  Messages name the file, never its content.
 */
static int
secret_from_file(struct config *cfg, int row, const char *path,
    const struct where *w, struct err *err)
{
	struct buf b = BUF_INIT;
	int error, status;

	if ((error = read_file(path, SECRET_FILE_MAX, &b)) != 0) {
		status = err_set(err, read_status(error),
		    "%s: cannot read \"%s\": %s", w->loc, path,
		    error == EFBIG ? "too large for a key" : strerror(error));
		goto out;
	}
	while (b.len > 0 &&
	    (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		status = err_set(err, ST_CONFIG, "%s: \"%s\" is empty", w->loc,
		    path);
		goto out;
	}
	if (strlen(b.data) != b.len || has_control(b.data)) {
		status = err_set(err, ST_CONFIG,
		    "%s: \"%s\" holds control characters or more than one line",
		    w->loc, path);
		goto out;
	}
	status = set_value(cfg, row, b.data, w, err);
out:
	buf_wipe(&b);
	return status;
}

/* ---- the YAML file ---- */

struct yaml_ctx {
	struct config *cfg;
	yaml_document_t *doc;
	const char *path;
	int seen[NSETTINGS]; /* line that set each setting, or 0 */
};

static int
find_row(const char *name)
{
	int row;

	for (row = 0; row < NSETTINGS; row++)
		if (strcmp(settings[row].name, name) == 0)
			return row;
	return -1;
}

/* Whether name is a mapping of settings ("batch", "supabase.path_raw_data"). */
static bool
is_group(const char *name)
{
	size_t n = strlen(name);
	int row;

	for (row = 0; row < NSETTINGS; row++)
		if (settings[row].yaml &&
		    strncmp(settings[row].name, name, n) == 0 &&
		    settings[row].name[n] == '.')
			return true;
	return false;
}

static bool
yaml_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

static const char *
yaml_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	default:
		return "a scalar";
	}
}

/* "a mapping", "a sequence" or the quoted text of a scalar. */
static void
yaml_got(const yaml_node_t *n, char *out, size_t size)
{
	char text[128];

	if (n->type != YAML_SCALAR_NODE) {
		snprintf(out, size, "%s", yaml_kind(n));
		return;
	}
	excerpt((const char *)n->data.scalar.value, text, sizeof(text));
	snprintf(out, size, "\"%s\"", text);
}

static int
line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int
col_of(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

/* A scalar's text, refusing the NUL bytes escapes can smuggle in. */
static const char *
yaml_text(struct yaml_ctx *y, const yaml_node_t *n, const char *key,
    struct err *err, int *status)
{
	const char *text = (const char *)n->data.scalar.value;

	*status = ST_OK;
	if (strlen(text) != n->data.scalar.length)
		*status = err_set(err, ST_CONFIG,
		    "%s:%d:%d: %s: expected a text without NUL bytes", y->path,
		    line_of(n), col_of(n), key);
	return text;
}

/* A key's text: keys reach messages, which stay one printable line. */
static const char *
yaml_key_text(struct yaml_ctx *y, const yaml_node_t *k, const char *what,
    struct err *err, int *status)
{
	const char *text = yaml_text(y, k, what, err, status);
	char got[128];

	if (*status == ST_OK && has_control(text)) {
		excerpt(text, got, sizeof(got));
		*status = err_set(err, ST_CONFIG,
		    "%s:%d:%d: %s: expected a key without control characters, "
		    "got \"%s\"",
		    y->path, line_of(k), col_of(k), what, got);
	}
	return text;
}

/* Checks pair against the pairs before it in the same mapping. */
static int
yaml_check_duplicate(struct yaml_ctx *y, yaml_node_t *map,
    yaml_node_pair_t *pair, const char *name, struct err *err)
{
	yaml_node_pair_t *other;
	yaml_node_t *k = yaml_document_get_node(y->doc, pair->key), *ok;

	for (other = map->data.mapping.pairs.start; other < pair; other++) {
		ok = yaml_document_get_node(y->doc, other->key);
		if (ok->type == YAML_SCALAR_NODE &&
		    ok->data.scalar.length == k->data.scalar.length &&
		    memcmp(ok->data.scalar.value, k->data.scalar.value,
			k->data.scalar.length) == 0)
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: duplicate key \"%s\" (first at line %d)",
			    y->path, line_of(k), col_of(k), name, line_of(ok));
	}
	return ST_OK;
}

static int
yaml_params(struct yaml_ctx *y, yaml_node_t *v, const char *origin,
    struct err *err)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *val;
	const char *name, *text;
	char problem[512], key[KEY_PATH_MAX], got[160];
	int status;

	if (v->type != YAML_MAPPING_NODE) {
		yaml_got(v, got, sizeof(got));
		return err_set(err, ST_CONFIG,
		    "%s:%d:%d: mockaroo.params: expected a mapping of "
		    "parameter names to values, got %s",
		    y->path, line_of(v), col_of(v), got);
	}
	params_clear(y->cfg);
	for (pair = v->data.mapping.pairs.start;
	     pair < v->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(y->doc, pair->key);
		val = yaml_document_get_node(y->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: mockaroo.params: expected a parameter "
			    "name, got %s",
			    y->path, line_of(k), col_of(k), yaml_kind(k));
		name = yaml_key_text(y, k, "mockaroo.params", err, &status);
		if (status != ST_OK)
			return status;
		snprintf(key, sizeof(key), "mockaroo.params.%s", name);
		if ((status = yaml_check_duplicate(y, v, pair, key, err)) !=
		    ST_OK)
			return status;
		if (val->type != YAML_SCALAR_NODE)
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: %s: expected a scalar value, got %s",
			    y->path, line_of(val), col_of(val), key,
			    yaml_kind(val));
		text = yaml_text(y, val, key, err, &status);
		if (status != ST_OK)
			return status;
		if (param_check(name, text, problem, sizeof(problem)) != ST_OK)
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: mockaroo.params: %s", y->path,
			    line_of(k), col_of(k), problem);
		if ((status = params_put(y->cfg, name, text, err)) != ST_OK)
			return status;
	}
	return set_origin(y->cfg, S_PARAMS, origin, err);
}

static int
yaml_setting(struct yaml_ctx *y, int row, yaml_node_t *k, yaml_node_t *v,
    struct err *err)
{
	const struct setting *s = &settings[row];
	char origin[KEY_PATH_MAX + 32], loc[KEY_PATH_MAX + 32], want[256];
	struct where w = { loc, s->name, origin, ST_CONFIG };
	const char *text;
	int status;

	if (y->seen[row] != 0)
		return err_set(err, ST_CONFIG,
		    "%s:%d:%d: duplicate key \"%s\" (first at line %d)",
		    y->path, line_of(k), col_of(k), s->name, y->seen[row]);
	y->seen[row] = line_of(k);
	if (yaml_is_null(v))
		return ST_OK;
	snprintf(origin, sizeof(origin), "%s:%d", y->path, line_of(k));
	snprintf(loc, sizeof(loc), "%s:%d:%d", y->path, line_of(v), col_of(v));
	if (row == S_PARAMS)
		return yaml_params(y, v, origin, err);
	if (v->type != YAML_SCALAR_NODE) {
		expected(s, want, sizeof(want));
		return err_set(err, ST_CONFIG, "%s: %s: expected %s, got %s",
		    loc, s->name, want, yaml_kind(v));
	}
	text = yaml_text(y, v, s->name, err, &status);
	if (status != ST_OK)
		return status;
	return set_value(y->cfg, row, text, &w, err);
}

static int
yaml_mapping(struct yaml_ctx *, yaml_node_t *, const char *, struct err *);

/* One key of a mapping: a setting, a group of settings, or a mistake. */
static int
yaml_entry(struct yaml_ctx *y, const char *name, yaml_node_t *k, yaml_node_t *v,
    struct err *err)
{
	int row = find_row(name);
	char got[160];

	if (row >= 0 && settings[row].yaml)
		return yaml_setting(y, row, k, v, err);
	if (row >= 0)
		return err_set(err, ST_CONFIG,
		    "%s:%d:%d: \"%s\" cannot be set in a config file; see "
		    "collector --help",
		    y->path, line_of(k), col_of(k), name);
	if (!is_group(name))
		return err_set(err, ST_CONFIG, "%s:%d:%d: unknown key \"%s\"",
		    y->path, line_of(k), col_of(k), name);
	if (yaml_is_null(v))
		return ST_OK;
	if (v->type != YAML_MAPPING_NODE) {
		yaml_got(v, got, sizeof(got));
		return err_set(err, ST_CONFIG,
		    "%s:%d:%d: %s: expected a mapping, got %s", y->path,
		    line_of(v), col_of(v), name, got);
	}
	return yaml_mapping(y, v, name, err);
}

/* Keys may nest ("batch:" then "max_size:") or be dotted
 * ("batch.max_size:"), so --print-config output can be pasted back. */
static int
yaml_mapping(struct yaml_ctx *y, yaml_node_t *map, const char *prefix,
    struct err *err)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	char name[KEY_PATH_MAX];
	const char *key;
	int n, status;

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(y->doc, pair->key);
		v = yaml_document_get_node(y->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: expected a key, got %s", y->path,
			    line_of(k), col_of(k), yaml_kind(k));
		key = yaml_key_text(y, k, prefix[0] ? prefix : "key", err,
		    &status);
		if (status != ST_OK)
			return status;
		n = snprintf(name, sizeof(name), "%s%s%s", prefix,
		    prefix[0] ? "." : "", key);
		if (n < 0 || (size_t)n >= sizeof(name))
			return err_set(err, ST_CONFIG,
			    "%s:%d:%d: unknown key \"%.100s...\"", y->path,
			    line_of(k), col_of(k), name);
		if ((status = yaml_check_duplicate(y, map, pair, name, err)) !=
		    ST_OK)
			return status;
		if ((status = yaml_entry(y, name, k, v, err)) != ST_OK)
			return status;
	}
	return ST_OK;
}

static int
yaml_syntax_error(const yaml_parser_t *p, const char *path, struct err *err)
{
	const char *problem = p->problem ? p->problem : "syntax error";

	if (p->error == YAML_READER_ERROR)
		return err_set(err, ST_CONFIG, "%s: %s at byte %zu", path,
		    problem, p->problem_offset);
	/* libyaml's loader fails without setting an error when memory runs
	 * out copying a tag or growing its stacks. */
	if (p->error == YAML_MEMORY_ERROR || p->error == YAML_NO_ERROR)
		return oom(err);
	return err_set(err, ST_CONFIG, "%s:%d:%d: %s", path,
	    (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
	    problem);
}

/* Applies the YAML text of path; an empty document sets nothing. */
static int
yaml_apply(struct config *cfg, const char *path, const struct buf *text,
    struct err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root, *other;
	struct yaml_ctx *y = NULL;
	bool have_doc = false;
	int status;

	if (!yaml_parser_initialize(&parser))
		return oom(err);
	yaml_parser_set_input_string(&parser,
	    (const unsigned char *)(text->data ? text->data : ""), text->len);
	if (!yaml_parser_load(&parser, &doc)) {
		status = yaml_syntax_error(&parser, path, err);
		goto out;
	}
	have_doc = true;
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		status = ST_OK;
		goto out;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		status = yaml_syntax_error(&parser, path, err);
		goto out;
	}
	other = yaml_document_get_root_node(&extra);
	status = other == NULL ?
	    ST_OK :
	    err_set(err, ST_CONFIG,
		"%s:%d:%d: expected one YAML document, found another", path,
		line_of(other), col_of(other));
	yaml_document_delete(&extra);
	if (status != ST_OK || yaml_is_null(root))
		goto out;
	if (root->type != YAML_MAPPING_NODE) {
		status = err_set(err, ST_CONFIG,
		    "%s:%d:%d: expected a mapping of settings, got %s", path,
		    line_of(root), col_of(root), yaml_kind(root));
		goto out;
	}
	if ((y = calloc(1, sizeof(*y))) == NULL) {
		status = oom(err);
		goto out;
	}
	y->cfg = cfg;
	y->doc = &doc;
	y->path = path;
	status = yaml_mapping(y, root, "", err);
out:
	free(y);
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return status;
}

static bool
file_exists(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "rb")) != NULL) {
		(void)fclose(fp);
		return true;
	}
	return errno != ENOENT; /* unreadable still counts: say so */
}

static int
load_config_file(struct config *cfg, const char *given, struct err *err)
{
	static const char *const candidates[] = { "config.yaml",
		"/etc/collector/config.yaml", NULL };
	struct buf text = BUF_INIT;
	const char *path = given;
	size_t i;
	int error, status;

	for (i = 0; path == NULL && candidates[i] != NULL; i++)
		if (file_exists(candidates[i]))
			path = candidates[i];
	if (path == NULL)
		return ST_OK;
	if ((error = read_file(path, CONFIG_FILE_MAX, &text)) == ENOMEM) {
		status = oom(err);
		goto out;
	}
	if (error != 0) {
		status = err_set(err, read_status(error),
		    "cannot read config file \"%s\": %s", path,
		    error == EFBIG ? "larger than 1MiB" : strerror(error));
		goto out;
	}
	if ((cfg->config_file = strdup(path)) == NULL) {
		status = oom(err);
		goto out;
	}
	if ((status = yaml_apply(cfg, path, &text, err)) == ST_OK &&
	    config_file_holds_secret(cfg, path))
		status = warn_if_readable(cfg, path, err);
out:
	buf_free(&text);
	return status;
}

/* ---- the .env file ---- */

static void
dotenv_free(struct dotenv *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free_secret(d->v[i].value);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* A double-quoted value: \n, \" and \\ are escapes; end is after it.
 * Returns 0, -1 for an unterminated value or -2 when memory runs out. */
static int
dotenv_unquote(const char *p, struct buf *out, const char **end)
{
	char quote = *p++;

	for (; *p != '\0' && *p != quote; p++) {
		if (quote == '"' && *p == '\\' &&
		    (p[1] == 'n' || p[1] == '"' || p[1] == '\\')) {
			p++;
			if (buf_append(out, *p == 'n' ? "\n" : p, 1) != 0)
				return -2;
		} else if (buf_append(out, p, 1) != 0)
			return -2;
	}
	if (*p != quote)
		return -1;
	*end = p + 1;
	return buf_append(out, "", 0) != 0 ? -2 : 0;
}

/*
 * Parses one line (without its line end) into name and value.  Returns
 * 1 for an entry, 0 for a blank or comment line, -1 for bad syntax, -2
 * when memory runs out.
 */
static int
dotenv_line(const char *line, struct buf *name, struct buf *value)
{
	const char *p = line, *start, *end, *value_start;
	int r;

	p += strspn(p, " \t");
	if (*p == '\0' || *p == '#')
		return 0;
	if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	start = p;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return -1;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (buf_append(name, start, (size_t)(p - start)) != 0)
		return -2;
	p += strspn(p, " \t");
	if (*p++ != '=')
		return -1;
	value_start = p;
	p += strspn(p, " \t");
	if (*p == '"' || *p == '\'') {
		if ((r = dotenv_unquote(p, value, &end)) != 0)
			return r;
		end += strspn(end, " \t");
		return *end == '\0' || *end == '#' ? 1 : -1;
	}
	/* Unquoted: a comment starts at " #"; blanks around are trimmed. */
	start = p;
	for (end = p; *end != '\0'; end++)
		if (*end == '#' && end > value_start &&
		    (end[-1] == ' ' || end[-1] == '\t'))
			break;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (buf_append(value, start, (size_t)(end - start)) != 0 ||
	    buf_append(value, "", 0) != 0)
		return -2;
	return 1;
}

static int
dotenv_add(struct dotenv *d, struct buf *name, struct buf *value, int line)
{
	struct dotenv_entry *v;

	if ((v = realloc(d->v, (d->n + 1) * sizeof(*v))) == NULL)
		return -1;
	d->v = v;
	v += d->n;
	v->name = name->data;
	v->value = value->data;
	v->line = line;
	name->data = value->data = NULL;
	name->len = name->cap = value->len = value->cap = 0;
	d->n++;
	return 0;
}

/* The line of the first NUL byte in text, or 0 when there is none: the
 * line-based parsers would end the text there and leave the rest
 * unread. */
static int
nul_byte_line(const char *text, size_t len)
{
	const char *nul, *nl;
	int line = 1;

	if (len == 0 || (nul = memchr(text, '\0', len)) == NULL)
		return 0;
	while ((nl = memchr(text, '\n', (size_t)(nul - text))) != NULL) {
		text = nl + 1;
		line++;
	}
	return line;
}

/*
 * Parses the len bytes of a .env file at text (NUL-terminated after
 * them); messages never quote a value.
 */
static int
dotenv_parse(char *text, size_t len, const char *path, struct dotenv *d,
    struct err *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	char *line = text, *nl;
	int lineno, r, status = ST_OK;

	if ((lineno = nul_byte_line(text, len)) > 0)
		return err_set(err, ST_CONFIG, "%s:%d: NUL byte in the file",
		    path, lineno);
	for (lineno = 1; line != NULL; lineno++, line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		r = dotenv_line(line, &name, &value);
		if (r == -2) {
			status = oom(err);
			break;
		}
		if (r < 0) {
			status = err_set(err, ST_CONFIG,
			    "%s:%d: expected NAME=value", path, lineno);
			break;
		}
		if (r > 0 && dotenv_add(d, &name, &value, lineno) != 0) {
			status = oom(err);
			break;
		}
		buf_free(&name);
		buf_wipe(&value);
	}
	buf_free(&name);
	buf_wipe(&value);
	return status;
}

/* ---- the environment and the .env file, one layer each ---- */

/* The value of name in the layer (the .env file, or the environment when
 * d is NULL); NULL when unset or empty, which mean the same. */
static const char *
layer_lookup(const struct dotenv *d, const char *name, int *line)
{
	const char *v = NULL;
	size_t i;

	*line = 0;
	if (d == NULL)
		v = getenv(name);
	else
		for (i = 0; i < d->n; i++)
			if (strcmp(d->v[i].name, name) == 0) {
				v = d->v[i].value;
				*line = d->v[i].line;
			}
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
layer_where(const char *path, const char *name, int line, char *loc,
    char *origin, size_t size)
{
	if (path != NULL) {
		snprintf(loc, size, "%s:%d: %s", path, line, name);
		snprintf(origin, size, "%s:%d", path, line);
	} else {
		snprintf(loc, size, "environment variable %s", name);
		snprintf(origin, size, "env %s", name);
	}
}

/* "api key" for api_key, in messages. */
static void
setting_label(const struct setting *s, char *out, size_t size)
{
	size_t i;

	snprintf(out, size, "%s", s->name);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '_')
			out[i] = ' ';
}

/*
 * Under systemd's LoadCredential= a key arrives as the file
 * $CREDENTIALS_DIRECTORY/<name> ("api_key", "project_key"): the
 * environment's own way of naming a key file, so it belongs to that
 * layer, beside COLLECTOR_*_FILE.  Fills out and returns true when the
 * file exists.
 */
static bool
credential_file(const struct setting *s, char *out, size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (s->file_env == NULL || dir == NULL || dir[0] == '\0')
		return false;
	n = snprintf(out, size, "%s/%s", dir, s->name);
	return n > 0 && (size_t)n < size && access(out, F_OK) == 0;
}

static int
set_twice(const struct setting *s, const char *path, const char *one,
    const char *other, struct err *err)
{
	char label[64];

	setting_label(s, label, sizeof(label));
	return err_set(err, ST_CONFIG,
	    "%s%s%s is set both by %s and %s; use one", path ? path : "",
	    path ? ": " : "", label, one, other);
}

static int
layer_row(struct config *cfg, int row, const struct dotenv *d, const char *path,
    struct err *err)
{
	const struct setting *s = &settings[row];
	const char *value = NULL, *file = NULL, *name = NULL, *v;
	const char *file_name = s->file_env;
	char loc[512], origin[512], cred[400], cred_name[80];
	struct where w = { loc, NULL, origin, ST_CONFIG };
	int i, line = 0, fline = 0, l;

	for (i = 0; i < 2; i++)
		if (s->env[i] != NULL &&
		    (v = layer_lookup(d, s->env[i], &l)) != NULL) {
			value = v;
			name = s->env[i];
			line = l;
		}
	if (s->file_env != NULL)
		file = layer_lookup(d, s->file_env, &fline);
	if (d == NULL && credential_file(s, cred, sizeof(cred))) {
		snprintf(cred_name, sizeof(cred_name),
		    "$CREDENTIALS_DIRECTORY/%s", s->name);
		if (file != NULL)
			return set_twice(s, path, s->file_env, cred_name, err);
		file = cred;
		file_name = cred_name;
	}
	if (value != NULL && file != NULL)
		return set_twice(s, path, name, file_name, err);
	if (file != NULL && file == cred) {
		snprintf(loc, sizeof(loc), "credential %s", cred_name);
		snprintf(origin, sizeof(origin), "credential %s", cred);
		return secret_from_file(cfg, row, file, &w, err);
	}
	if (file != NULL) {
		layer_where(path, s->file_env, fline, loc, origin, sizeof(loc));
		return secret_from_file(cfg, row, file, &w, err);
	}
	if (value == NULL)
		return ST_OK;
	layer_where(path, name, line, loc, origin, sizeof(loc));
	return set_value(cfg, row, value, &w, err);
}

static int
apply_layer(struct config *cfg, const struct dotenv *d, const char *path,
    struct err *err)
{
	int row, status;

	for (row = 0; row < NSETTINGS; row++)
		if ((status = layer_row(cfg, row, d, path, err)) != ST_OK)
			return status;
	return ST_OK;
}

/* The default .env lives beside the config file. */
static int
default_env_file(const struct config *cfg, char **out)
{
	const char *slash;
	struct buf b = BUF_INIT;

	slash = cfg->config_file ? strrchr(cfg->config_file, '/') : NULL;
	if (slash != NULL) {
		if (buf_append(&b, cfg->config_file,
			(size_t)(slash - cfg->config_file) + 1) != 0 ||
		    buf_puts(&b, ".env") != 0) {
			buf_free(&b);
			return -1;
		}
		*out = b.data;
		return 0;
	}
	*out = strdup(".env");
	return *out == NULL ? -1 : 0;
}

/* Whether NAME=value sets a key, or a URL with credentials in it. */
static bool
env_entry_is_secret(const char *name, const char *value)
{
	const struct setting *s;
	int row;

	if (value[0] == '\0')
		return false;
	for (row = 0; row < NSETTINGS; row++) {
		s = &settings[row];
		if ((s->env[0] == NULL || strcmp(s->env[0], name) != 0) &&
		    (s->env[1] == NULL || strcmp(s->env[1], name) != 0))
			continue;
		if (s->type == TYPE_SECRET ||
		    (s->type == TYPE_URL && url_has_credentials(value)))
			return true;
	}
	return false;
}

static bool
dotenv_holds_secret(const struct dotenv *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (env_entry_is_secret(d->v[i].name, d->v[i].value))
			return true;
	return false;
}

static int
load_env_file(struct config *cfg, const char *given, struct err *err)
{
	struct buf text = BUF_INIT;
	struct dotenv d = { NULL, 0 };
	char *path = NULL;
	int error, status;

	if (given != NULL)
		path = strdup(given);
	else if (default_env_file(cfg, &path) != 0)
		path = NULL;
	if (path == NULL)
		return oom(err);
	error = read_file(path, CONFIG_FILE_MAX, &text);
	if (error == ENOENT && given == NULL) {
		status = ST_OK;
		goto out;
	}
	if (error == ENOMEM) {
		status = oom(err);
		goto out;
	}
	if (error != 0) {
		status = err_set(err, read_status(error),
		    "cannot read env file \"%s\": %s", path,
		    error == EFBIG ? "larger than 1MiB" : strerror(error));
		goto out;
	}
	if ((status = dotenv_parse(text.data, text.len, path, &d, err)) !=
	    ST_OK)
		goto out;
	if ((status = apply_layer(cfg, &d, path, err)) != ST_OK)
		goto out;
	if (dotenv_holds_secret(&d) &&
	    (status = warn_if_readable(cfg, path, err)) != ST_OK)
		goto out;
	cfg->env_file = path;
	path = NULL;
out:
	dotenv_free(&d);
	buf_wipe(&text);
	free(path);
	return status;
}

/* The defaults, as config_load() starts from them. */
static int
config_start(struct config *cfg, struct err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	if ((cfg->origins = calloc(NSETTINGS, sizeof(char *))) == NULL)
		return oom(err);
	return apply_defaults(cfg, err);
}

int
config_apply_yaml(struct config *cfg, const char *path, const char *text,
    size_t len, struct err *err)
{
	struct buf b = { (char *)text, len, len };
	int status;

	if ((status = config_start(cfg, err)) == ST_OK)
		status = yaml_apply(cfg, path, &b, err);
	if (status != ST_OK)
		config_free(cfg);
	return status;
}

int
config_apply_dotenv(struct config *cfg, const char *path, const char *text,
    size_t len, struct err *err)
{
	struct buf copy = BUF_INIT;
	struct dotenv d = { NULL, 0 };
	int status;

	if ((status = config_start(cfg, err)) != ST_OK)
		goto out;
	/* dotenv_parse() wants the NUL-terminated text read_file() gives. */
	if (buf_append(&copy, text, len) != 0 ||
	    buf_append(&copy, "", 0) != 0) {
		status = oom(err);
		goto out;
	}
	if ((status = dotenv_parse(copy.data, len, path, &d, err)) == ST_OK)
		status = apply_layer(cfg, &d, path, err);
out:
	dotenv_free(&d);
	buf_wipe(&copy);
	if (status != ST_OK)
		config_free(cfg);
	return status;
}

/* ---- the S3 shared-credentials file ---- */

struct aws_creds {
	char *id, *secret, *token;
	int id_line, secret_line, token_line;
};

static void
aws_creds_free(struct aws_creds *c)
{
	free(c->id);
	free_secret(c->secret);
	free_secret(c->token);
}

static char *
trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (
	    end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int
aws_creds_take(struct aws_creds *c, const char *key, const char *value,
    int line)
{
	char **slot;
	int *slot_line;

	if (strcmp(key, "aws_access_key_id") == 0) {
		slot = &c->id;
		slot_line = &c->id_line;
	} else if (strcmp(key, "aws_secret_access_key") == 0) {
		slot = &c->secret;
		slot_line = &c->secret_line;
	} else if (strcmp(key, "aws_session_token") == 0) {
		slot = &c->token;
		slot_line = &c->token_line;
	} else
		return 0; /* other keys belong to other tools */
	free_secret(*slot);
	if ((*slot = strdup(value)) == NULL)
		return -1;
	*slot_line = line;
	return 0;
}

/* Section [default] of an AWS shared-credentials (INI) file. */
static int
aws_creds_parse(char *text, const char *path, struct aws_creds *c,
    struct err *err)
{
	char *line = text, *nl, *p, *eq, *end;
	bool in_default = false;
	int lineno;

	for (lineno = 1; line != NULL; lineno++, line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		p = trim(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			if ((end = strchr(p, ']')) == NULL ||
			    *trim(end + 1) != '\0')
				return err_set(err, ST_CONFIG,
				    "%s:%d: expected [section]", path, lineno);
			*end = '\0';
			in_default = strcmp(trim(p + 1), "default") == 0;
			continue;
		}
		if ((eq = strchr(p, '=')) == NULL || eq == p)
			return err_set(err, ST_CONFIG,
			    "%s:%d: expected name = value", path, lineno);
		*eq = '\0';
		if (in_default &&
		    aws_creds_take(c, trim(p), trim(eq + 1), lineno) != 0)
			return oom(err);
	}
	if (c->id == NULL || c->secret == NULL || c->id[0] == '\0' ||
	    c->secret[0] == '\0')
		return err_set(err, ST_CONFIG,
		    "%s: section [default] lacks aws_access_key_id or "
		    "aws_secret_access_key",
		    path);
	return ST_OK;
}

static int
aws_creds_apply(struct config *cfg, const char *path, const char *value,
    int row, int line, struct err *err)
{
	char loc[512], origin[512];
	struct where w = { loc, NULL, origin, ST_CONFIG };

	snprintf(loc, sizeof(loc), "%s:%d: %s", path, line,
	    row == S_S3_KEY_ID ?
		"aws_access_key_id" :
		row == S_S3_SECRET ?
		"aws_secret_access_key" :
		"aws_session_token");
	snprintf(origin, sizeof(origin), "%s:%d", path, line);
	if (value == NULL)
		return clear_value(cfg, row, path, err);
	return set_value(cfg, row, value, &w, err);
}

static int
load_aws_credentials(struct config *cfg, const char *path, struct err *err)
{
	struct buf text = BUF_INIT;
	struct aws_creds c;
	int error, line, status;

	memset(&c, 0, sizeof(c));
	if ((error = read_file(path, CONFIG_FILE_MAX, &text)) != 0) {
		status = err_set(err, read_status(error),
		    "--s3-credentials-file: cannot read \"%s\": %s", path,
		    error == EFBIG ? "larger than 1MiB" : strerror(error));
		goto out;
	}
	if ((line = nul_byte_line(text.data, text.len)) > 0) {
		status = err_set(err, ST_CONFIG, "%s:%d: NUL byte in the file",
		    path, line);
		goto out;
	}
	if ((status = aws_creds_parse(text.data, path, &c, err)) != ST_OK)
		goto out;
	if ((status = aws_creds_apply(cfg, path, c.id, S_S3_KEY_ID, c.id_line,
		 err)) != ST_OK ||
	    (status = aws_creds_apply(cfg, path, c.secret, S_S3_SECRET,
		 c.secret_line, err)) != ST_OK)
		goto out;
	/* A token belongs to the key pair it came with. */
	status = aws_creds_apply(cfg, path, c.token, S_S3_TOKEN, c.token_line,
	    err);
out:
	aws_creds_free(&c);
	buf_wipe(&text);
	return status;
}

/* ---- the command line ---- */

static size_t
build_longopts(struct option *opts)
{
	size_t n = 0, i;
	int row;

	for (row = 0; row < NSETTINGS; row++) {
		if (settings[row].flag == NULL)
			continue;
		opts[n].name = settings[row].flag;
		opts[n].has_arg = settings[row].metavar ?
		    required_argument :
		    no_argument;
		opts[n].flag = NULL;
		opts[n].val = OPT_SETTING + row;
		n++;
	}
	for (i = 0; i < NRUN_OPTIONS; i++) {
		opts[n].name = run_options[i].flag;
		opts[n].has_arg = run_options[i].metavar == NULL ?
		    no_argument :
		    run_options[i].metavar[0] == '[' ?
		    optional_argument :
		    required_argument;
		opts[n].flag = NULL;
		opts[n].val = run_options[i].val;
		n++;
	}
	memset(&opts[n], 0, sizeof(opts[n]));
	return n;
}

/* The "--name" of argv's element, without any "=value" (which may be a
 * secret typed in the wrong place). */
static void
option_text(const char *arg, char *out, size_t size)
{
	size_t n = strcspn(arg, "=");
	char shown[128];

	snprintf(out, size, "%.*s", (int)(n < 100 ? n : 100), arg);
	excerpt(out, shown, sizeof(shown));
	snprintf(out, size, "%s", shown);
}

static int
unknown_option(const char *name, struct err *err)
{
	return err_set(err, ST_USAGE,
	    "unknown option \"%s\"; see collector --help", name);
}

static int
bad_option(int c, int argc, char **argv, struct err *err)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	char name[128];
	bool long_form;

	/*
	 * After a missing argument or a long option, getopt has moved past
	 * the element at fault; after an unknown short option in a cluster
	 * ("-xv") it may not have, so that one is named by optopt alone.
	 * A known short letter in '?' can only be its long form given a
	 * value ("--help=x").
	 */
	long_form = strncmp(arg, "--", 2) == 0 &&
	    (c == ':' || optopt == 0 || optopt >= OPT_SETTING ||
		strchr("choqVv", optopt) != NULL);
	if (long_form)
		option_text(arg, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "-%c",
		    isprint(optopt) ? optopt : '?');
	if (c == ':')
		return err_set(err, ST_USAGE,
		    "option \"%s\" needs an argument; see collector --help",
		    name);
	if (long_form && optopt != 0)
		return err_set(err, ST_USAGE,
		    "option \"%s\" takes no argument; see collector --help",
		    name);
	return unknown_option(name, err);
}

/*
 * getopt_long takes any unambiguous prefix of a long option; we take
 * whole names only, so that "--api-key=..." is not read as
 * --api-key-file and scripts keep working when options are added.
 */
static int
check_whole_name(int argc, char **argv, const struct option *opt,
    struct err *err)
{
	const char *arg;
	char name[128];
	size_t n;

	/* A separate argument is argv[optind - 1] itself. */
	if (opt->has_arg == required_argument && optind >= 2 &&
	    optarg == argv[optind - 1])
		arg = argv[optind - 2];
	else
		arg = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
	n = strcspn(arg, "=");
	if (n >= 2 && strncmp(arg, "--", 2) == 0 &&
	    strlen(opt->name) == n - 2 &&
	    strncmp(arg + 2, opt->name, n - 2) == 0)
		return ST_OK;
	option_text(arg, name, sizeof(name));
	return unknown_option(name, err);
}

/* --check, or --check=api. */
static int
take_check(struct config *cfg, const char *arg, struct err *err)
{
	char shown[128];

	if (arg == NULL) {
		cfg->check = CHECK_STORAGE;
		return ST_OK;
	}
	if (strcmp(arg, "api") == 0) {
		cfg->check = CHECK_API;
		return ST_OK;
	}
	excerpt(arg, shown, sizeof(shown));
	return err_set(err, ST_USAGE,
	    "--check: expected nothing or =api, got \"%s\"", shown);
}

static int
take_option(struct config *cfg, struct flags *fl, int c, struct err *err)
{
	switch (c) {
	case 'c':
		fl->config_file = optarg;
		break;
	case 'o':
		free(cfg->output);
		if ((cfg->output = strdup(optarg)) == NULL)
			return oom(err);
		break;
	case 'h':
		cfg->show_help = true;
		break;
	case 'V':
		cfg->show_version = true;
		break;
	case 'v':
		fl->verbose++;
		break;
	case 'q':
		fl->quiet = true;
		break;
	case OPT_ENV_FILE:
		fl->env_file = optarg;
		break;
	case OPT_ONCE:
		break;
	case OPT_DRY_RUN:
		cfg->dry_run = true;
		break;
	case OPT_NO_SPOOL:
		cfg->no_spool = true;
		break;
	case OPT_JSON:
		cfg->json_summary = true;
		break;
	case OPT_PRINT_CONFIG:
		cfg->print_config = true;
		break;
	case OPT_CHECK:
		return take_check(cfg, optarg, err);
	default:
		/* Settings and credentials wait until the lower layers are
		 * in, so that flags win. */
		fl->pending[fl->npending].val = c;
		fl->pending[fl->npending].arg = optarg;
		fl->npending++;
		break;
	}
	return ST_OK;
}

static int
parse_flags(struct config *cfg, int argc, char **argv, struct flags *fl,
    struct err *err)
{
	struct option opts[NSETTINGS + NRUN_OPTIONS + 1];
	int c, status, index;

	build_longopts(opts);
	if ((fl->pending = calloc((size_t)(argc > 0 ? argc : 1),
		 sizeof(*fl->pending))) == NULL)
		return oom(err);
	optind = 0; /* glibc: reinitialise fully, as for a new argv */
	opterr = 0;
	for (;;) {
		index = -1;
		c = getopt_long(argc, argv, ":c:ho:qVv", opts, &index);
		if (c == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, argc, argv, err);
		if (index >= 0 &&
		    (status = check_whole_name(argc, argv, &opts[index],
			 err)) != ST_OK)
			return status;
		if ((status = take_option(cfg, fl, c, err)) != ST_OK)
			return status;
	}
	if (optind < argc)
		return err_set(err, ST_USAGE,
		    "unexpected argument \"%.100s\"; see collector --help",
		    argv[optind]);
	return ST_OK;
}

/* --param NAME=VALUE: the first replaces lower layers, later ones add. */
static int
flag_param(struct config *cfg, const char *arg, bool *seen, struct err *err)
{
	char problem[512], *name;
	const char *eq = strchr(arg, '=');
	int status;

	if (eq == NULL || eq == arg) {
		excerpt(arg, problem, sizeof(problem));
		return err_set(err, ST_USAGE,
		    "--param: expected NAME=VALUE, got \"%s\"", problem);
	}
	if ((name = strndup(arg, (size_t)(eq - arg))) == NULL)
		return oom(err);
	if (param_check(name, eq + 1, problem, sizeof(problem)) != ST_OK) {
		free(name);
		return err_set(err, ST_USAGE, "--param: %s", problem);
	}
	if (!*seen)
		params_clear(cfg);
	*seen = true;
	status = params_put(cfg, name, eq + 1, err);
	free(name);
	if (status != ST_OK)
		return status;
	return set_origin(cfg, S_PARAMS, "--param", err);
}

static int
apply_flags(struct config *cfg, const struct flags *fl, struct err *err)
{
	char flag[64];
	struct where w = { flag, NULL, flag, ST_USAGE };
	bool params_seen = false;
	const struct pending *p;
	int row, status;
	size_t i;

	for (i = 0; i < fl->npending; i++) {
		p = &fl->pending[i];
		if (p->val == OPT_S3_CREDENTIALS) {
			status = load_aws_credentials(cfg, p->arg, err);
		} else if ((row = p->val - OPT_SETTING) == S_PARAMS) {
			status = flag_param(cfg, p->arg, &params_seen, err);
		} else {
			snprintf(flag, sizeof(flag), "--%s",
			    settings[row].flag);
			if (settings[row].type == TYPE_SECRET)
				status = secret_from_file(cfg, row, p->arg, &w,
				    err);
			else
				status = set_value(cfg, row,
				    p->arg ? p->arg : "true", &w, err);
		}
		if (status != ST_OK)
			return status;
	}
	return ST_OK;
}

/* ---- after the layers ---- */

static int
finish_log_level(struct config *cfg, const struct flags *fl, struct err *err)
{
	struct buf origin = BUF_INIT;
	int i, failed, status;

	if (fl->quiet) {
		cfg->log_level = LOG_ERROR;
		return set_origin(cfg, S_LOG_LEVEL, "-q", err);
	}
	if (fl->verbose == 0)
		return ST_OK;
	cfg->log_level += fl->verbose;
	if (cfg->log_level > LOG_DEBUG)
		cfg->log_level = LOG_DEBUG;
	failed = buf_printf(&origin, "%s, -", cfg->origins[S_LOG_LEVEL]);
	for (i = 0; i < fl->verbose; i++)
		failed |= buf_puts(&origin, "v");
	status = failed ?
	    oom(err) :
	    set_origin(cfg, S_LOG_LEVEL, origin.data, err);
	buf_free(&origin);
	return status;
}

static int
finish(struct config *cfg, const struct flags *fl, struct err *err)
{
	int status;

	if (strcmp(cfg->origins[S_S3_PATH_STYLE], "default") == 0 &&
	    cfg->s3_endpoint != NULL) {
		cfg->s3_path_style = true;
		if ((status = set_origin(cfg, S_S3_PATH_STYLE,
			 "default, as s3.endpoint is set", err)) != ST_OK)
			return status;
	}
	if (!cfg->seed_given && os_random(&cfg->seed, sizeof(cfg->seed)) != 0)
		return err_set(err, ST_IO, "cannot draw a random seed: %s",
		    strerror(errno));
	return finish_log_level(cfg, fl, err);
}

int
config_load(struct config *cfg, int argc, char **argv, struct err *err)
{
	struct flags fl;
	int status;

	memset(cfg, 0, sizeof(*cfg));
	memset(&fl, 0, sizeof(fl));
	if ((cfg->origins = calloc(NSETTINGS, sizeof(char *))) == NULL) {
		status = oom(err);
		goto out;
	}
	if ((status = parse_flags(cfg, argc, argv, &fl, err)) != ST_OK ||
	    (status = apply_defaults(cfg, err)) != ST_OK)
		goto out;
	if (cfg->show_help || cfg->show_version)
		goto out;
	if ((status = load_config_file(cfg, fl.config_file, err)) != ST_OK ||
	    (status = load_env_file(cfg, fl.env_file, err)) != ST_OK ||
	    (status = apply_layer(cfg, NULL, NULL, err)) != ST_OK ||
	    (status = apply_flags(cfg, &fl, err)) != ST_OK)
		goto out;
	status = finish(cfg, &fl, err);
out:
	free(fl.pending);
	if (status != ST_OK)
		config_free(cfg);
	return status;
}

void
config_free(struct config *cfg)
{
	size_t i;
	int row;

	if (cfg == NULL)
		return;
	for (row = 0; row < NSETTINGS; row++) {
		if (!is_string_type(settings[row].type))
			continue;
		free_secret(*(char **)field(cfg, row));
		*(char **)field(cfg, row) = NULL;
	}
	params_clear(cfg);
	if (cfg->origins != NULL)
		for (row = 0; row < NSETTINGS; row++)
			free(cfg->origins[row]);
	free(cfg->origins);
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->config_file);
	free(cfg->env_file);
	free(cfg->output);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- --print-config ---- */

/* A YAML double-quoted scalar. */
static int
yaml_quote(struct buf *b, const char *s)
{
	int failed = buf_puts(b, "\"");

	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			failed |= buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			failed |= buf_puts(b, "\\n");
		else if (*s == '\t')
			failed |= buf_puts(b, "\\t");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			failed |= buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			failed |= buf_append(b, s, 1);
	}
	return failed | buf_puts(b, "\"");
}

static int
format_params(const struct config *cfg, struct buf *b)
{
	int failed = buf_puts(b, "{");
	size_t i;

	for (i = 0; i < cfg->nparams; i++) {
		failed |= buf_puts(b, i == 0 ? "" : ", ");
		failed |= yaml_quote(b, cfg->params[i].name);
		failed |= buf_puts(b, ": ");
		failed |= yaml_quote(b, cfg->params[i].value);
	}
	return failed | buf_puts(b, "}");
}

/* The value of row as YAML; unset is ~ for keys of the file and a
 * parenthesised note for the others, which are printed commented out. */
static int
format_value(const struct config *cfg, int row, struct buf *b)
{
	const struct setting *s = &settings[row];
	const void *p = cfield(cfg, row);
	const char *str;
	char text[1024];

	if (row == S_SEED && !cfg->seed_given)
		return buf_puts(b, "(random per run)");
	switch (s->type) {
	case TYPE_INT:
		return buf_printf(b, "%ld", *(const long *)p);
	case TYPE_SIZE:
		size_format(*(const long long *)p, text, sizeof(text));
		return buf_puts(b, text);
	case TYPE_U64:
		return buf_printf(b, "%" PRIu64, *(const uint64_t *)p);
	case TYPE_BOOL:
		return buf_puts(b, *(const bool *)p ? "true" : "false");
	case TYPE_ENUM:
		return buf_puts(b, s->choices[*(const int *)p]);
	case TYPE_PARAMS:
		return format_params(cfg, b);
	default:
		break;
	}
	if ((str = *(char *const *)p) == NULL)
		return buf_puts(b, s->yaml ? "~" : "(unset)");
	if (s->type == TYPE_SECRET)
		return buf_puts(b, "\"***\"");
	if (s->type == TYPE_URL) {
		http_redact(str, text, sizeof(text));
		str = text;
	}
	return yaml_quote(b, str);
}

#define PRINT_COLUMN 44

void
config_print(const struct config *cfg, FILE *out)
{
	struct buf line = BUF_INIT;
	const char *origin;
	int row;

	fprintf(out, "# config file: %s\n",
	    cfg->config_file ? cfg->config_file : "(none)");
	fprintf(out, "# env file: %s\n",
	    cfg->env_file ? cfg->env_file : "(none)");
	for (row = 0; row < NSETTINGS; row++) {
		buf_truncate(&line, 0);
		if (buf_printf(&line, "%s%s: ", settings[row].yaml ? "" : "#",
			settings[row].name) != 0 ||
		    format_value(cfg, row, &line) != 0)
			break;
		origin = cfg->origins && cfg->origins[row] ?
		    cfg->origins[row] :
		    "default";
		fprintf(out, "%-*s  # %s\n", PRINT_COLUMN - 2, line.data,
		    origin);
	}
	buf_free(&line);
}

/* ---- --help ---- */

#define HELP_COLUMN 30
#define HELP_WIDTH 79

/* Joins two words that wrap() keeps on one line ("default 64MiB"). */
#define GLUE "\037"

/* Writes text word by word from column *col, wrapping at HELP_WIDTH to
 * HELP_COLUMN. */
static void
wrap(FILE *out, const char *text, int *col)
{
	const char *p = text;
	int n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		n = (int)strcspn(p, " ");
		if (n == 0)
			break;
		if (*col > HELP_COLUMN && *col + 1 + n > HELP_WIDTH) {
			fprintf(out, "\n%*s", HELP_COLUMN, "");
			*col = HELP_COLUMN;
		} else if (*col > HELP_COLUMN) {
			fputc(' ', out);
			(*col)++;
		}
		for (; n > 0; n--, p++, (*col)++)
			fputc(*p == GLUE[0] ? ' ' : *p, out);
	}
}

static void
help_head(FILE *out, int shortopt, const char *flag, const char *metavar,
    int *col)
{
	/* An optional argument is glued on: "--check[=api]". */
	const char *space = metavar && metavar[0] != '[' ? " " : "";
	char head[128];

	if (shortopt != 0)
		snprintf(head, sizeof(head), "  -%c, --%s%s%s", shortopt, flag,
		    space, metavar ? metavar : "");
	else
		snprintf(head, sizeof(head), "      --%s%s%s", flag, space,
		    metavar ? metavar : "");
	fputs(head, out);
	*col = (int)strlen(head);
	if (*col >= HELP_COLUMN - 1) {
		fprintf(out, "\n%*s", HELP_COLUMN, "");
	} else
		fprintf(out, "%*s", HELP_COLUMN - *col, "");
	*col = HELP_COLUMN;
}

/* "[batch.max_size; env COLLECTOR_MAX_SIZE; 1 to 100000; default 10]" */
static void
help_details(const struct setting *s, struct buf *b)
{
	char lo[32], hi[32];

	buf_puts(b, "[");
	if (s->yaml)
		buf_printf(b, "%s; ", s->name);
	if (s->env[1] != NULL)
		buf_printf(b, "env %s or %s; ", s->env[1], s->env[0]);
	else if (s->env[0] != NULL)
		buf_printf(b, "env %s; ", s->env[0]);
	if (s->file_env != NULL)
		buf_printf(b, "or a file named by env %s; ", s->file_env);
	if (s->type == TYPE_INT)
		buf_printf(b, "%lld" GLUE "to" GLUE "%lld; ", s->min, s->max);
	if (s->type == TYPE_SIZE) {
		size_format(s->min, lo, sizeof(lo));
		size_format(s->max, hi, sizeof(hi));
		buf_printf(b, "%s" GLUE "to" GLUE "%s; ", lo, hi);
	}
	buf_printf(b, "default" GLUE "%s]", s->def ? s->def : s->note);
}

static void
help_setting(FILE *out, const struct setting *s)
{
	struct buf b = BUF_INIT;
	int col;

	help_head(out, 0, s->flag, s->metavar, &col);
	wrap(out, s->help, &col);
	fprintf(out, "\n%*s", HELP_COLUMN, "");
	col = HELP_COLUMN;
	help_details(s, &b);
	if (b.data != NULL)
		wrap(out, b.data, &col);
	fputc('\n', out);
	buf_free(&b);
}

static void
help_run_option(FILE *out, const struct run_option *o)
{
	int col;

	help_head(out, o->val < 128 ? o->val : 0, o->flag, o->metavar, &col);
	wrap(out, o->help, &col);
	fputc('\n', out);
}

void
config_usage(FILE *out)
{
	size_t i;
	int g, row;

	fputs(
	    "usage: collector [-hqVv] [-c file] [-o file] [--dry-run] "
	    "[--env-file file]\n"
	    "                 [--json] [--once] [--print-config] [option "
	    "...]\n\n"
	    "Fetches mock product records, enriches them and uploads them as "
	    "one batch.\n"
	    "Settings come from, lowest first: defaults, the YAML config "
	    "file, the .env\n"
	    "file, the environment, the command line.  Secrets are read from "
	    "the\n"
	    "environment or from files, never from the command line.\n",
	    out);
	for (g = 0; g < NGROUPS; g++) {
		fprintf(out, "\n%s:\n", group_names[g]);
		for (row = 0; row < NSETTINGS; row++)
			if (settings[row].group == (enum group)g &&
			    settings[row].flag != NULL)
				help_setting(out, &settings[row]);
		for (i = 0; i < NRUN_OPTIONS; i++)
			if (run_options[i].group == (enum group)g)
				help_run_option(out, &run_options[i]);
	}
}
