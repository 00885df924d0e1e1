/*
 * test_config.c - the five layers, their precedence, and every message.
 *
 * Each case runs in a fresh temporary directory (the default config and
 * .env files are looked up in the working directory) with every variable
 * of the settings table unset.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "enrich.h"
#include "log.h"
#include "naming.h"
#include "status.h"
#include "t.h"

static const char *const env_names[] = { "COLLECTOR_URL", "api_key",
	"COLLECTOR_API_KEY", "COLLECTOR_API_KEY_FILE", "COLLECTOR_KEY_IN",
	"COLLECTOR_RECORDS", "project_url", "COLLECTOR_PROJECT_URL",
	"project_key", "COLLECTOR_PROJECT_KEY", "COLLECTOR_PROJECT_KEY_FILE",
	"COLLECTOR_BUCKET", "COLLECTOR_PATH", "COLLECTOR_STORAGE_KIND",
	"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "COLLECTOR_MAX_SIZE",
	"COLLECTOR_FORMAT", "COLLECTOR_SEED", "COLLECTOR_LOG_LEVEL",
	"COLLECTOR_LOG_FORMAT", NULL };

static char top[] = "/tmp/test_config.XXXXXX";
static int case_no;
static struct config cfg;
static struct err err;

/* A fresh directory and a clean environment for one case. */
static void
fresh(void)
{
	char dir[256];
	size_t i;

	config_free(&cfg);
	memset(&err, 0, sizeof(err));
	snprintf(dir, sizeof(dir), "%s/%d", top, ++case_no);
	if (mkdir(dir, 0700) != 0 || chdir(dir) != 0) {
		perror(dir);
		exit(2);
	}
	for (i = 0; env_names[i] != NULL; i++)
		unsetenv(env_names[i]);
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

/* Loads with argv "collector" followed by the NULL-terminated flags. */
static int
load(const char *first, ...)
{
	char *argv[64];
	const char *a;
	va_list ap;
	int argc = 0;

	config_free(&cfg);
	memset(&err, 0, sizeof(err));
	argv[argc++] = "collector";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_load(&cfg, argc, argv, &err);
}

/* The --print-config text of the loaded cfg; the caller frees it. */
static char *
printed(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	config_print(&cfg, fp);
	T_INT(fclose(fp), 0);
	return text;
}

static const char *
origin(int row)
{
	return cfg.origins ? cfg.origins[row] : NULL;
}

/* Row numbers of config.c's table, in its order. */
enum {
	R_URL,
	R_API_KEY,
	R_KEY_IN,
	R_PARAMS,
	R_RECORDS,
	R_PROJECT_URL,
	R_PROJECT_KEY,
	R_BUCKET,
	R_PATH,
	R_STORAGE_KIND,
	R_S3_ENDPOINT,
	R_S3_REGION,
	R_S3_PATH_STYLE,
	R_S3_KEY_ID,
	R_S3_SECRET,
	R_S3_TOKEN,
	R_CACHE_CONTROL,
	R_GZIP,
	R_RESUMABLE,
	R_MULTIPART,
	R_MAX_SIZE,
	R_FORMAT,
	R_USERS,
	R_SHOPS,
	R_POOL_SEED,
	R_SEED,
	R_TIME_FORMAT,
	R_CONCURRENCY,
	R_CONNECT_TIMEOUT,
	R_TIMEOUT,
	R_MAX_TIME,
	R_RETRIES,
	R_MAX_RESPONSE,
	R_LOG_LEVEL,
	R_LOG_FORMAT
};

static void
test_defaults(void)
{
	fresh();
	T_INT(load(NULL), ST_OK);
	T_OK(cfg.url == NULL);
	T_OK(cfg.api_key == NULL);
	T_INT(cfg.key_in, KEY_IN_HEADER);
	T_INT(cfg.nparams, 0);
	T_INT(cfg.records, 1000);
	T_OK(cfg.project_url == NULL);
	T_OK(cfg.project_key == NULL);
	T_STR(cfg.bucket, "datalake");
	T_STR(cfg.path, "bronze/new");
	T_INT(cfg.storage_kind, STORAGE_AUTO);
	T_OK(cfg.s3_endpoint == NULL);
	T_STR(cfg.s3_region, "us-east-1");
	T_INT(cfg.s3_path_style, 0);
	T_OK(cfg.s3_access_key_id == NULL);
	T_OK(cfg.cache_control == NULL);
	T_INT(cfg.gzip, 0);
	T_INT(cfg.resumable_threshold, 6LL * 1024 * 1024);
	T_INT(cfg.multipart_threshold, 64LL * 1024 * 1024);
	T_INT(cfg.max_size, 10);
	T_INT(cfg.format, FORMAT_ARRAY);
	T_INT(cfg.users, 5000);
	T_INT(cfg.shops, 10000);
	T_OK(cfg.pool_seed == DEFAULT_POOL_SEED);
	T_INT(cfg.seed_given, 0);
	T_STR(cfg.time_format, TIME_FORMAT_ISO);
	T_INT(cfg.concurrency, 4);
	T_INT(cfg.connect_timeout, 10);
	T_INT(cfg.timeout, 60);
	T_INT(cfg.max_time, 300);
	T_INT(cfg.retries, 4);
	T_INT(cfg.max_response_bytes, 64LL * 1024 * 1024);
	T_INT(cfg.log_level, LOG_WARNING);
	T_INT(cfg.log_format, LOG_FORMAT_TEXT);
	T_OK(cfg.config_file == NULL);
	T_OK(cfg.env_file == NULL);
	T_OK(!cfg.dry_run && !cfg.json_summary && !cfg.print_config);
	T_OK(!cfg.show_help && !cfg.show_version && cfg.output == NULL);
	T_STR(origin(R_MAX_SIZE), "default");
	T_STR(origin(R_URL), "default");
}

static const char precedence_yaml[] =
    "# every layer sets these\n"
    "batch:\n"
    "  max_size: 20\n"
    "  format: ndjson\n"
    "supabase:\n"
    "  bucketName: from-yaml\n"
    "log.level: info\n"
    "mockaroo:\n"
    "  url: http://yaml.example/\n";

static void
test_precedence(void)
{
	/* defaults < YAML */
	fresh();
	put("config.yaml", precedence_yaml);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.config_file, "config.yaml");
	T_INT(cfg.max_size, 20);
	T_STR(origin(R_MAX_SIZE), "config.yaml:3");
	T_INT(cfg.format, FORMAT_NDJSON);
	T_STR(cfg.bucket, "from-yaml");
	T_STR(origin(R_BUCKET), "config.yaml:6");
	T_INT(cfg.log_level, LOG_INFO);
	T_STR(origin(R_LOG_LEVEL), "config.yaml:7");
	T_STR(cfg.url, "http://yaml.example/");
	T_STR(origin(R_CONCURRENCY), "default");

	/* < .env */
	put(".env",
	    "COLLECTOR_MAX_SIZE=30\nCOLLECTOR_BUCKET=from-dotenv\n"
	    "COLLECTOR_LOG_LEVEL=debug\n");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.env_file, ".env");
	T_INT(cfg.max_size, 30);
	T_STR(origin(R_MAX_SIZE), ".env:1");
	T_STR(cfg.bucket, "from-dotenv");
	T_STR(origin(R_BUCKET), ".env:2");
	T_INT(cfg.log_level, LOG_DEBUG);
	T_INT(cfg.format, FORMAT_NDJSON); /* untouched by .env */

	/* < environment */
	setenv("COLLECTOR_MAX_SIZE", "40", 1);
	setenv("COLLECTOR_BUCKET", "from-env", 1);
	setenv("COLLECTOR_URL", "file:///tmp/responses", 1);
	T_INT(load(NULL), ST_OK);
	T_INT(cfg.max_size, 40);
	T_STR(origin(R_MAX_SIZE), "env COLLECTOR_MAX_SIZE");
	T_STR(cfg.bucket, "from-env");
	T_STR(cfg.url, "file:///tmp/responses");
	T_STR(origin(R_URL), "env COLLECTOR_URL");
	T_INT(cfg.log_level, LOG_DEBUG);
	T_STR(origin(R_LOG_LEVEL), ".env:3");

	/* < flags */
	T_INT(load("--max-size", "50", "--bucket", "from-flag",
		  "--log-level=error", "--url", "builtin:", NULL),
	    ST_OK);
	T_INT(cfg.max_size, 50);
	T_STR(origin(R_MAX_SIZE), "--max-size");
	T_STR(cfg.bucket, "from-flag");
	T_STR(origin(R_BUCKET), "--bucket");
	T_INT(cfg.log_level, LOG_ERROR);
	T_STR(cfg.url, "builtin:");
	T_STR(origin(R_URL), "--url");
	T_INT(cfg.format, FORMAT_NDJSON);

	/* An empty variable is the same as an unset one. */
	setenv("COLLECTOR_MAX_SIZE", "", 1);
	T_INT(load(NULL), ST_OK);
	T_INT(cfg.max_size, 30);

	/* The later of two names wins within a layer. */
	fresh();
	setenv("project_url", "http://bare.example", 1);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.project_url, "http://bare.example");
	T_STR(origin(R_PROJECT_URL), "env project_url");
	setenv("COLLECTOR_PROJECT_URL", "s3://prefixed", 1);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.project_url, "s3://prefixed");
}

static void
test_files_chosen(void)
{
	fresh();
	T_INT(mkdir("etc", 0700), 0);
	put("etc/conf.yaml", "batch:\n  max_size: 7\n");
	put("etc/.env", "COLLECTOR_FORMAT=ndjson\n");
	put(".env", "COLLECTOR_FORMAT=bogus\n");
	T_INT(load("-c", "etc/conf.yaml", NULL), ST_OK);
	T_STR(cfg.config_file, "etc/conf.yaml");
	T_STR(cfg.env_file, "etc/.env");
	T_INT(cfg.max_size, 7);
	T_INT(cfg.format, FORMAT_NDJSON);
	T_STR(origin(R_FORMAT), "etc/.env:1");

	put("other.env", "COLLECTOR_FORMAT=array\n");
	T_INT(load("--config=etc/conf.yaml", "--env-file", "other.env", NULL),
	    ST_OK);
	T_STR(cfg.env_file, "other.env");
	T_INT(cfg.format, FORMAT_ARRAY);

	T_INT(load("-c", "missing.yaml", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "cannot read config file \"missing.yaml\": No such file or "
	    "directory");
	T_INT(load("--env-file", "missing.env", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "cannot read env file \"missing.env\": No such file or directory");
	T_OK(cfg.origins == NULL && cfg.bucket == NULL); /* freed */

	/* No config file: ./.env is the default. */
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    ".env:1: COLLECTOR_FORMAT: expected array or ndjson, got "
	    "\"bogus\"");

	/* An empty file sets nothing, and so does a null document. */
	fresh();
	put("config.yaml", "");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.config_file, "config.yaml");
	T_INT(cfg.max_size, 10);
	put("config.yaml", "# only a comment\n~\n");
	T_INT(load(NULL), ST_OK);
}

struct yaml_case {
	const char *text;
	int status;
	const char *msg;
};

static const struct yaml_case yaml_errors[] = {
	{ "batch:\n  max_sise: 3\n", ST_CONFIG,
	    "config.yaml:2:3: unknown key \"batch.max_sise\"" },
	{ "frob: 1\n", ST_CONFIG, "config.yaml:1:1: unknown key \"frob\"" },
	{ "batch.max_sise: 1\n", ST_CONFIG,
	    "config.yaml:1:1: unknown key \"batch.max_sise\"" },
	{ "supabase:\n  path_raw_data:\n    old: x\n", ST_CONFIG,
	    "config.yaml:3:5: unknown key \"supabase.path_raw_data.old\"" },
	{ "batch:\n  max_size: [1, 2]\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got a sequence" },
	{ "batch:\n  max_size:\n    a: 1\n", ST_CONFIG,
	    "config.yaml:3:5: batch.max_size: expected an integer from 1 to "
	    "100000, got a mapping" },
	{ "batch: 10\n", ST_CONFIG,
	    "config.yaml:1:8: batch: expected a mapping, got \"10\"" },
	{ "batch:\n  max_size: ten\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"ten\"" },
	{ "batch:\n  max_size: -1\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"-1\"" },
	{ "batch:\n  max_size: 1e3\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"1e3\"" },
	{ "batch:\n  max_size: 100001\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"100001\"" },
	{ "batch:\n  max_size: 0\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"0\"" },
	{ "batch:\n  max_size: \"12x\"\n", ST_CONFIG,
	    "config.yaml:2:13: batch.max_size: expected an integer from 1 to "
	    "100000, got \"12x\"" },
	{ "batch:\n  format: csv\n", ST_CONFIG,
	    "config.yaml:2:11: batch.format: expected array or ndjson, got "
	    "\"csv\"" },
	{ "log:\n  level: loud\n", ST_CONFIG,
	    "config.yaml:2:10: log.level: expected error, warning, info or "
	    "debug, got \"loud\"" },
	{ "upload:\n  gzip: maybe\n", ST_CONFIG,
	    "config.yaml:2:9: upload.gzip: expected true or false, got "
	    "\"maybe\"" },
	{ "http:\n  max_response_bytes: 2TiB\n", ST_CONFIG,
	    "config.yaml:2:23: http.max_response_bytes: expected a size in "
	    "bytes from 1 to 1TiB, got \"2TiB\"" },
	{ "enrich:\n  pool_seed: 18446744073709551616\n", ST_CONFIG,
	    "config.yaml:2:14: enrich.pool_seed: expected an integer from 0 to "
	    "18446744073709551615, got \"18446744073709551616\"" },
	{ "a: b: c\n", ST_CONFIG,
	    "config.yaml:1:5: mapping values are not allowed in this context" },
	{ "batch:\n  max_size: 3\n  max_size: 4\n", ST_CONFIG,
	    "config.yaml:3:3: duplicate key \"batch.max_size\" (first at line "
	    "2)" },
	{ "batch.max_size: 3\nbatch:\n  max_size: 4\n", ST_CONFIG,
	    "config.yaml:3:3: duplicate key \"batch.max_size\" (first at line "
	    "1)" },
	{ "batch:\n  format: array\nbatch:\n  max_size: 4\n", ST_CONFIG,
	    "config.yaml:3:1: duplicate key \"batch\" (first at line 1)" },
	{ "batch:\n  max_size: 3\n---\nbatch:\n  max_size: 4\n", ST_CONFIG,
	    "config.yaml:4:1: expected one YAML document, found another" },
	{ "- batch\n", ST_CONFIG,
	    "config.yaml:1:1: expected a mapping of settings, got a sequence" },
	{ "api_key: x\n", ST_CONFIG,
	    "config.yaml:1:1: \"api_key\" cannot be set in a config file; see "
	    "collector --help" },
	{ "mockaroo:\n  params:\n    count: 1\n    count: 2\n", ST_CONFIG,
	    "config.yaml:4:5: duplicate key \"mockaroo.params.count\" (first "
	    "at line 3)" },
	{ "mockaroo:\n  params: [1]\n", ST_CONFIG,
	    "config.yaml:2:11: mockaroo.params: expected a mapping of "
	    "parameter names to values, got a sequence" },
	{ "mockaroo:\n  params:\n    a: [1]\n", ST_CONFIG,
	    "config.yaml:3:8: mockaroo.params.a: expected a scalar value, got "
	    "a sequence" },
	{ "mockaroo:\n  params:\n    key: abc\n", ST_CONFIG,
	    "config.yaml:3:5: mockaroo.params: parameter \"key\" is the API "
	    "key; set it with COLLECTOR_API_KEY or --api-key-file and "
	    "mockaroo.key_in: query" },
	{ "mockaroo:\n  url: ftp://u:pw@host/x?key=abc\n", ST_CONFIG,
	    "config.yaml:2:8: mockaroo.url: expected a URL starting with "
	    "builtin:, file://, http:// or https://, got "
	    "\"ftp://***@host/x?key=***\"" },
	{ "supabase:\n  url: /srv/lake\n", ST_CONFIG,
	    "config.yaml:2:8: supabase.url: expected a URL starting with "
	    "file://, http://, https:// or s3://, got \"/srv/lake\"" },
	{ "supabase:\n  bucketName: a/b\n", ST_CONFIG,
	    "config.yaml:2:15: supabase.bucketName: expected a bucket name of "
	    "letters, digits, '.', '_' and '-', got \"a/b\"" },
	{ "supabase:\n  bucketName: \"\"\n", ST_CONFIG,
	    "config.yaml:2:15: supabase.bucketName: expected a bucket name of "
	    "letters, digits, '.', '_' and '-', got \"\"" },
	{ "supabase:\n  path_raw_data:\n    new: a/../b\n", ST_CONFIG,
	    "config.yaml:3:10: supabase.path_raw_data.new: \"..\" segments are "
	    "not allowed in object keys" },
	{ "naming:\n  time_format: \"\"\n", ST_CONFIG,
	    "config.yaml:2:16: naming.time_format: expected a strftime format, "
	    "iso or basic, got \"\"" },
	{ "s3:\n  region: \"\"\n", ST_CONFIG,
	    "config.yaml:2:11: s3.region: expected a non-empty text without "
	    "control characters, got \"\"" },
	{ "upload:\n  cache_control: \"a\\r\\nb\"\n", ST_CONFIG,
	    "config.yaml:2:18: upload.cache_control: expected a text without "
	    "control characters, got \"a??b\"" },
	{ "batch:\n  format: \"a\\0b\"\n", ST_CONFIG,
	    "config.yaml:2:11: batch.format: expected a text without NUL "
	    "bytes" },
};

static void
test_yaml_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(yaml_errors) / sizeof(yaml_errors[0]); i++) {
		fresh();
		put("config.yaml", yaml_errors[i].text);
		T_INT(load(NULL), yaml_errors[i].status);
		T_STR(err.msg, yaml_errors[i].msg);
		T_OK(strstr(err.msg, "pw@") == NULL &&
		    strstr(err.msg, "abc") == NULL);
	}
}

static void
test_yaml_values(void)
{
	fresh();
	put("config.yaml",
	    "mockaroo:\n"
	    "  url: https://my.api.mockaroo.com/products.json\n"
	    "  key_in: query\n"
	    "  params:\n"
	    "    count: 1000\n"
	    "    array: true\n"
	    "    empty: \"\"\n"
	    "builtin:\n"
	    "  records: 0\n"
	    "supabase:\n"
	    "  url: https://abc.supabase.co\n"
	    "  bucketName: Lake_1.x\n"
	    "  path_raw_data:\n"
	    "    new: /bronze//new/%Y/\n"
	    "storage.kind: s3\n"
	    "s3:\n"
	    "  endpoint: http://127.0.0.1:9000\n"
	    "  region: eu-west-1\n"
	    "upload:\n"
	    "  cache_control: max-age=60\n"
	    "  gzip: yes\n"
	    "  resumable_threshold: 1k\n"
	    "  multipart_threshold: 5MB\n"
	    "batch:\n"
	    "  max_size: 100000\n"
	    "enrich:\n"
	    "  users: 1\n"
	    "  shops: 1000000000\n"
	    "  pool_seed: 18446744073709551615\n"
	    "naming:\n"
	    "  time_format: basic\n"
	    "http:\n"
	    "  concurrency: 64\n"
	    "  connect_timeout: 3600\n"
	    "  timeout: 1\n"
	    "  max_time: 86400\n"
	    "  retries: 0\n"
	    "  max_response_bytes: 1TiB\n"
	    "log:\n"
	    "  level: ~\n"
	    "  format: json\n");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.url, "https://my.api.mockaroo.com/products.json");
	T_INT(cfg.key_in, KEY_IN_QUERY);
	T_INT(cfg.nparams, 3);
	if (cfg.nparams == 3) {
		T_STR(cfg.params[0].name, "count");
		T_STR(cfg.params[0].value, "1000");
		T_STR(cfg.params[1].name, "array");
		T_STR(cfg.params[1].value, "true");
		T_STR(cfg.params[2].name, "empty");
		T_STR(cfg.params[2].value, "");
	}
	T_STR(origin(R_PARAMS), "config.yaml:4");
	T_INT(cfg.records, 0);
	T_STR(cfg.project_url, "https://abc.supabase.co");
	T_STR(cfg.bucket, "Lake_1.x");
	T_STR(cfg.path, "bronze/new/%Y");
	T_INT(cfg.storage_kind, STORAGE_S3);
	T_STR(cfg.s3_endpoint, "http://127.0.0.1:9000");
	T_INT(cfg.s3_path_style, 1);
	T_STR(origin(R_S3_PATH_STYLE), "default, as s3.endpoint is set");
	T_STR(cfg.s3_region, "eu-west-1");
	T_STR(cfg.cache_control, "max-age=60");
	T_INT(cfg.gzip, 1);
	T_INT(cfg.resumable_threshold, 1024);
	T_INT(cfg.multipart_threshold, 5000000);
	T_INT(cfg.max_size, 100000);
	T_INT(cfg.users, 1);
	T_INT(cfg.shops, 1000000000);
	T_OK(cfg.pool_seed == UINT64_MAX);
	T_STR(cfg.time_format, TIME_FORMAT_BASIC);
	T_INT(cfg.concurrency, 64);
	T_INT(cfg.connect_timeout, 3600);
	T_INT(cfg.timeout, 1);
	T_INT(cfg.max_time, 86400);
	T_INT(cfg.retries, 0);
	T_INT(cfg.max_response_bytes, 1024LL * 1024 * 1024 * 1024);
	T_INT(cfg.log_level, LOG_WARNING); /* null: left as default */
	T_STR(origin(R_LOG_LEVEL), "default");
	T_INT(cfg.log_format, LOG_FORMAT_JSON);

	/* A null in a higher file leaves a lower layer's value. */
	fresh();
	put(".env", "COLLECTOR_URL=builtin:x\n");
	put("config.yaml", "mockaroo:\n  url:\n  params: ~\nbatch: ~\n");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.url, "builtin:x");
	T_INT(cfg.nparams, 0);

	/* An explicit path_style beats the automatic one. */
	fresh();
	T_INT(load("--s3-endpoint", "https://s3.example", "--s3-path-style",
		  "off", NULL),
	    ST_OK);
	T_INT(cfg.s3_path_style, 0);
	T_STR(origin(R_S3_PATH_STYLE), "--s3-path-style");
	T_INT(load("--s3-endpoint", "ftp://s3.example", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--s3-endpoint: expected a URL starting with http:// or https://, "
	    "got \"ftp://s3.example\"");
}

static void
test_dotenv(void)
{
	fresh();
	put(".env",
	    "# shared with other tools\n"
	    "\n"
	    "export COLLECTOR_BUCKET=bkt   # the bucket\n"
	    "COLLECTOR_URL = http://h/x#frag  \n"
	    "AWS_REGION=\"eu \\\"west\\\" \\\\1\"  # quoted\n"
	    "COLLECTOR_STORAGE_KIND='supabase'\n"
	    "OTHER_TOOL_SETTING=whatever\n"
	    "COLLECTOR_LOG_FORMAT= # empty: unset\n"
	    "COLLECTOR_KEY_IN=header\r\n"
	    "COLLECTOR_KEY_IN=query\n");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.bucket, "bkt");
	T_STR(origin(R_BUCKET), ".env:3");
	T_STR(cfg.url, "http://h/x#frag");
	T_STR(cfg.s3_region, "eu \"west\" \\1");
	T_INT(cfg.storage_kind, STORAGE_SUPABASE);
	T_INT(cfg.log_format, LOG_FORMAT_TEXT);
	T_INT(cfg.key_in, KEY_IN_QUERY);
	T_STR(origin(R_KEY_IN), ".env:10");

	static const struct yaml_case bad[] = {
		{ "COLLECTOR_BUCKET\n", ST_CONFIG,
		    ".env:1: expected NAME=value" },
		{ "\n\n1X=2\n", ST_CONFIG, ".env:3: expected NAME=value" },
		{ "A=\"unterminated\n", ST_CONFIG,
		    ".env:1: expected NAME=value" },
		{ "A='x' junk\n", ST_CONFIG, ".env:1: expected NAME=value" },
		{ "COLLECTOR_MAX_SIZE=0x10\n", ST_CONFIG,
		    ".env:1: COLLECTOR_MAX_SIZE: expected an integer from 1 to "
		    "100000, got \"0x10\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fresh();
		put(".env", bad[i].text);
		T_INT(load(NULL), bad[i].status);
		T_STR(err.msg, bad[i].msg);
	}
}

static void
test_env_errors(void)
{
	fresh();
	setenv("COLLECTOR_MAX_SIZE", "x", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "environment variable COLLECTOR_MAX_SIZE: expected an integer from "
	    "1 to 100000, got \"x\"");
	/* A flag does not rescue a bad variable: every layer is checked. */
	T_INT(load("--max-size", "5", NULL), ST_CONFIG);
	unsetenv("COLLECTOR_MAX_SIZE");

	setenv("COLLECTOR_SEED", "12 ", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "environment variable COLLECTOR_SEED: expected an integer from 0 "
	    "to 18446744073709551615, got \"12 \"");
	setenv("COLLECTOR_SEED", "12", 1);
	T_INT(load(NULL), ST_OK);
	T_OK(cfg.seed == 12 && cfg.seed_given);
	T_STR(origin(R_SEED), "env COLLECTOR_SEED");
}

static void
test_flags(void)
{
	fresh();
	T_INT(load("--max-size", "x", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--max-size: expected an integer from 1 to 100000, got \"x\"");
	T_INT(load("--format=csv", NULL), ST_USAGE);
	T_STR(err.msg, "--format: expected array or ndjson, got \"csv\"");
	T_INT(load("--bucket", "a b", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--bucket: expected a bucket name of letters, digits, '.', '_' and "
	    "'-', got \"a b\"");
	T_INT(load("--time-format", "", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--time-format: expected a strftime format, iso or basic, got "
	    "\"\"");
	T_INT(load("--concurrency", "65", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--concurrency: expected an integer from 1 to 64, got \"65\"");
	T_INT(load("--frob", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--frob\"; see collector --help");
	T_INT(load("--api-key=s3cr3t", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--api-key\"; see collector --help");
	T_INT(load("--dry-run", "-x", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"-x\"; see collector --help");
	T_INT(load("--dry-run", "-vx", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"-x\"; see collector --help");
	T_INT(load("--max-size", NULL), ST_USAGE);
	T_STR(err.msg,
	    "option \"--max-size\" needs an argument; see collector --help");
	T_INT(load("-c", NULL), ST_USAGE);
	T_STR(err.msg, "option \"-c\" needs an argument; see collector --help");
	T_INT(load("--once=yes", NULL), ST_USAGE);
	T_STR(err.msg,
	    "option \"--once\" takes no argument; see collector --help");
	T_INT(load("--help=me", NULL), ST_USAGE);
	T_STR(err.msg,
	    "option \"--help\" takes no argument; see collector --help");
	T_INT(load("--max", "3", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--max\"; see collector --help");
	T_INT(load("--max-s", "3", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--max-s\"; see collector --help");
	T_INT(load("--bucket=x", "--max-s=3", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--max-s\"; see collector --help");
	T_INT(load("--gzi", NULL), ST_USAGE);
	T_STR(err.msg, "unknown option \"--gzi\"; see collector --help");
	T_INT(load("--path", "--max-s", NULL), ST_OK); /* an argument */
	T_STR(cfg.path, "--max-s");
	T_INT(load("--once", "extra", NULL), ST_USAGE);
	T_STR(err.msg, "unexpected argument \"extra\"; see collector --help");

	/* Run-only flags. */
	T_INT(load("--once", "--dry-run", "-o", "-", "--json", "--print-config",
		  "--gzip", "--max-size", "3", NULL),
	    ST_OK);
	T_OK(cfg.dry_run && cfg.json_summary && cfg.print_config);
	T_STR(cfg.output, "-");
	T_INT(cfg.gzip, 1);
	T_STR(origin(R_GZIP), "--gzip");
	T_INT(cfg.max_size, 3);
	T_INT(load("-h", NULL), ST_OK);
	T_OK(cfg.show_help && !cfg.show_version);
	T_INT(load("--version", NULL), ST_OK);
	T_OK(cfg.show_version);

	/* Help and version do not read (possibly broken) files. */
	put("config.yaml", "junk: [\n");
	T_INT(load("-h", NULL), ST_OK);
	T_INT(load("-V", NULL), ST_OK);
	T_INT(load(NULL), ST_CONFIG);
}

static void
test_sizes(void)
{
	static const struct {
		const char *text;
		long long want; /* -1: refused */
	} cases[] = {
		{ "1", 1 }, { "4096", 4096 }, { "1k", 1024 }, { "2K", 2048 },
		{ "3KiB", 3072 }, { "1M", 1048576 }, { "2MiB", 2097152 },
		{ "1G", 1073741824 }, { "1GiB", 1073741824 },
		{ "1T", 1099511627776LL }, { "1TiB", 1099511627776LL },
		{ "1KB", 1000 }, { "1kB", 1000 }, { "7MB", 7000000 },
		{ "2GB", 2000000000 }, { "1TB", 1000000000000LL }, { "0", -1 },
		{ "", -1 }, { "k", -1 }, { "1.5M", -1 }, { "1 M", -1 },
		{ "1m", -1 }, { "1MiBs", -1 }, { "-1", -1 }, { "2TiB", -1 },
		{ "1e3", -1 }, { "9223372036854775807", -1 },
		{ "18446744073709551616", -1 },
		{ "17179869184G", -1 }, /* 2^64 bytes: overflow */
	};
	size_t i;

	fresh();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = load("--max-response-bytes", cases[i].text, NULL);

		if (cases[i].want < 0) {
			T_INT(status, ST_USAGE);
			continue;
		}
		T_INT(status, ST_OK);
		T_INT(cfg.max_response_bytes, cases[i].want);
	}
	T_INT(load("--resumable-threshold", "6m", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--resumable-threshold: expected a size in bytes from 1 to 1TiB, "
	    "got \"6m\"");
}

static void
test_params(void)
{
	fresh();
	put("config.yaml",
	    "mockaroo:\n  params:\n    count: 10\n"
	    "    schema: old\n");
	T_INT(load(NULL), ST_OK);
	T_INT(cfg.nparams, 2);

	/* The first --param replaces the file's, later ones add. */
	T_INT(load("--param", "schema=new", "--param", "array=true", "--param",
		  "schema=newer", "--param", "q=a=b", NULL),
	    ST_OK);
	T_INT(cfg.nparams, 3);
	if (cfg.nparams == 3) {
		T_STR(cfg.params[0].name, "schema");
		T_STR(cfg.params[0].value, "newer");
		T_STR(cfg.params[1].name, "array");
		T_STR(cfg.params[1].value, "true");
		T_STR(cfg.params[2].name, "q");
		T_STR(cfg.params[2].value, "a=b");
	}
	T_STR(origin(R_PARAMS), "--param");
	T_INT(load("--param", "empty=", NULL), ST_OK);
	T_INT(cfg.nparams, 1);
	if (cfg.nparams == 1)
		T_STR(cfg.params[0].value, "");

	T_INT(load("--param", "novalue", NULL), ST_USAGE);
	T_STR(err.msg, "--param: expected NAME=VALUE, got \"novalue\"");
	T_INT(load("--param", "=x", NULL), ST_USAGE);
	T_STR(err.msg, "--param: expected NAME=VALUE, got \"=x\"");
	T_INT(load("--param", "key=sekrit", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--param: parameter \"key\" is the API key; set it with "
	    "COLLECTOR_API_KEY or --api-key-file and mockaroo.key_in: query");
}

static void
test_path(void)
{
	fresh();
	T_INT(load("--path", "//a//b/", NULL), ST_OK);
	T_STR(cfg.path, "a/b");
	T_INT(load("--path", "/", NULL), ST_OK);
	T_STR(cfg.path, "");
	T_INT(load("--path", "a/../b", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--path: supabase.path_raw_data.new: \"..\" segments are not "
	    "allowed in object keys");
	setenv("COLLECTOR_PATH", "x/./y", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "environment variable COLLECTOR_PATH: supabase.path_raw_data.new: "
	    "\".\" segments are not allowed in object keys");
}

static void
test_secrets(void)
{
	fresh();
	put("key.txt", "file-key-1\r\n");
	put("key2.txt", "file-key-2\n\n");
	put("empty.txt", "\n");
	put("two-lines.txt", "a\nb\n");

	T_INT(load("--api-key-file", "key.txt", NULL), ST_OK);
	T_STR(cfg.api_key, "file-key-1");
	T_STR(origin(R_API_KEY), "--api-key-file");
	T_INT(load("--project-key-file", "key2.txt", NULL), ST_OK);
	T_STR(cfg.project_key, "file-key-2");

	T_INT(load("--api-key-file", "missing.txt", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "--api-key-file: cannot read \"missing.txt\": No such file or "
	    "directory");
	T_INT(load("--api-key-file", "empty.txt", NULL), ST_CONFIG);
	T_STR(err.msg, "--api-key-file: \"empty.txt\" is empty");
	T_INT(load("--project-key-file", "two-lines.txt", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "--project-key-file: \"two-lines.txt\" holds control characters or "
	    "more than one line");

	/* Both ways within one layer. */
	setenv("COLLECTOR_API_KEY", "env-key", 1);
	setenv("COLLECTOR_API_KEY_FILE", "key.txt", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "api key is set both by COLLECTOR_API_KEY and "
	    "COLLECTOR_API_KEY_FILE; use one");
	unsetenv("COLLECTOR_API_KEY");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.api_key, "file-key-1");
	T_STR(origin(R_API_KEY), "env COLLECTOR_API_KEY_FILE");
	setenv("COLLECTOR_API_KEY_FILE", "empty.txt", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "environment variable COLLECTOR_API_KEY_FILE: \"empty.txt\" is "
	    "empty");
	unsetenv("COLLECTOR_API_KEY_FILE");

	put(".env",
	    "api_key=dotenv-key\nCOLLECTOR_PROJECT_KEY=pk\n"
	    "COLLECTOR_PROJECT_KEY_FILE=key2.txt\n");
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    ".env: project key is set both by COLLECTOR_PROJECT_KEY and "
	    "COLLECTOR_PROJECT_KEY_FILE; use one");
	put(".env", "api_key=dotenv-key\nproject_key='pk two'\n");
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.api_key, "dotenv-key");
	T_STR(origin(R_API_KEY), ".env:1");
	T_STR(cfg.project_key, "pk two");

	/* A higher layer overrides a lower one, whichever way it is set. */
	setenv("COLLECTOR_API_KEY_FILE", "key2.txt", 1);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.api_key, "file-key-2");
	T_INT(load("--api-key-file", "key.txt", NULL), ST_OK);
	T_STR(cfg.api_key, "file-key-1");
	unsetenv("COLLECTOR_API_KEY_FILE");
	setenv("COLLECTOR_API_KEY", "direct-env", 1);
	setenv("api_key", "bare-env", 1);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.api_key, "direct-env");
	T_STR(origin(R_API_KEY), "env COLLECTOR_API_KEY");

	setenv("COLLECTOR_API_KEY", "bad\001key", 1);
	T_INT(load(NULL), ST_CONFIG);
	T_STR(err.msg,
	    "environment variable COLLECTOR_API_KEY: expected a key without "
	    "control characters");
}

static void
test_s3_credentials(void)
{
	fresh();
	put("creds",
	    "[profile other]\n"
	    "aws_access_key_id = OTHER\n"
	    "\n"
	    "[default]\n"
	    "; comment\n"
	    "aws_access_key_id = AKIDEXAMPLE\n"
	    "aws_secret_access_key=wJalrXUtnFEMI\r\n"
	    "region = eu-west-1\n"
	    "[other]\n"
	    "aws_session_token = OTHERTOKEN\n");
	setenv("AWS_ACCESS_KEY_ID", "ENVID", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	T_INT(load(NULL), ST_OK);
	T_STR(cfg.s3_access_key_id, "ENVID");
	T_STR(cfg.s3_secret_access_key, "envsecret");
	T_STR(cfg.s3_session_token, "envtoken");
	T_STR(origin(R_S3_SECRET), "env AWS_SECRET_ACCESS_KEY");

	T_INT(load("--s3-credentials-file", "creds", NULL), ST_OK);
	T_STR(cfg.s3_access_key_id, "AKIDEXAMPLE");
	T_STR(origin(R_S3_KEY_ID), "creds:6");
	T_STR(cfg.s3_secret_access_key, "wJalrXUtnFEMI");
	T_STR(origin(R_S3_SECRET), "creds:7");
	T_OK(cfg.s3_session_token == NULL);
	T_STR(origin(R_S3_TOKEN), "creds");

	put("creds2", "[default]\naws_access_key_id=A\n");
	T_INT(load("--s3-credentials-file", "creds2", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "creds2: section [default] lacks aws_access_key_id or "
	    "aws_secret_access_key");
	put("creds3", "[default]\njunk\n");
	T_INT(load("--s3-credentials-file", "creds3", NULL), ST_CONFIG);
	T_STR(err.msg, "creds3:2: expected name = value");
	put("creds4", "[default\n");
	T_INT(load("--s3-credentials-file", "creds4", NULL), ST_CONFIG);
	T_STR(err.msg, "creds4:1: expected [section]");
	T_INT(load("--s3-credentials-file", "nope", NULL), ST_CONFIG);
	T_STR(err.msg,
	    "--s3-credentials-file: cannot read \"nope\": No such file or "
	    "directory");
}

static void
test_log_level(void)
{
	fresh();
	T_INT(load("-v", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_INFO);
	T_STR(origin(R_LOG_LEVEL), "default, -v");
	T_INT(load("-vv", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_DEBUG);
	T_INT(load("-v", "-v", "--verbose", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_DEBUG);
	T_STR(origin(R_LOG_LEVEL), "default, -vvv");
	T_INT(load("-v", "--log-level", "error", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_WARNING);
	T_STR(origin(R_LOG_LEVEL), "--log-level, -v");
	T_INT(load("-q", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_ERROR);
	T_STR(origin(R_LOG_LEVEL), "-q");
	T_INT(load("-v", "--quiet", "--log-level=debug", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_ERROR);
	setenv("COLLECTOR_LOG_LEVEL", "info", 1);
	T_INT(load("-v", NULL), ST_OK);
	T_INT(cfg.log_level, LOG_DEBUG);
	T_INT(load("--log-level", "verbose", NULL), ST_USAGE);
	T_STR(err.msg,
	    "--log-level: expected error, warning, info or debug, got "
	    "\"verbose\"");
}

static void
test_seed(void)
{
	uint64_t first;
	int same = 1, i;

	fresh();
	T_INT(load(NULL), ST_OK);
	T_INT(cfg.seed_given, 0);
	first = cfg.seed;
	for (i = 0; i < 4; i++) {
		T_INT(load(NULL), ST_OK);
		same &= cfg.seed == first;
	}
	T_INT(same, 0); /* 2^-256 odds of a false failure */
	T_INT(load("--seed", "18446744073709551615", NULL), ST_OK);
	T_OK(cfg.seed == UINT64_MAX && cfg.seed_given);
	T_INT(load("--seed", "-1", NULL), ST_USAGE);
	T_INT(load("--pool-seed", "42", NULL), ST_OK);
	T_OK(cfg.pool_seed == 42);
}

/* Checks that text has the line exactly. */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p != NULL && (p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

#define T_LINE(text, line) \
	do { \
		t_report(has_line((text), (line)), __FILE__, __LINE__, line, \
		    "missing from:\n%s", (text)); \
	} while (0)

static void
test_print(void)
{
	char *out;

	fresh();
	put("config.yaml", "batch:\n  max_size: 25\n");
	put("pk.txt", "service-role-sekrit-1\n");
	put(".env", "COLLECTOR_PROJECT_KEY_FILE=pk.txt\n");
	setenv("api_key", "API-sekrit-2", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "AWS-sekrit-3", 1);
	setenv("COLLECTOR_URL",
	    "https://u:URLPASS-4@h.example/p?key=URLKEY-5&count=5", 1);
	T_INT(load("--param", "count=7", "--cache-control", "no-cache, \"x\"",
		  "--seed", "99", NULL),
	    ST_OK);
	out = printed();
	T_OK(strncmp(out, "# config file: config.yaml\n# env file: .env\n",
		 44) == 0);
	T_LINE(out,
	    "batch.max_size: 25                          # config.yaml:2");
	T_LINE(out,
	    "#api_key: \"***\"                             # env api_key");
	T_LINE(out, "#project_key: \"***\"                         # .env:1");
	T_LINE(out,
	    "#s3_secret_access_key: \"***\"                # env "
	    "AWS_SECRET_ACCESS_KEY");
	T_LINE(out, "#s3_session_token: (unset)                  # default");
	T_LINE(out,
	    "mockaroo.url: \"https://***@h.example/p?key=***&count=5\"  # env "
	    "COLLECTOR_URL");
	T_LINE(out,
	    "mockaroo.params: {\"count\": \"7\"}             # --param");
	T_LINE(out,
	    "upload.cache_control: \"no-cache, \\\"x\\\"\"     # "
	    "--cache-control");
	T_LINE(out, "supabase.url: ~                             # default");
	T_LINE(out, "upload.resumable_threshold: 6MiB            # default");
	T_LINE(out, "#seed: 99                                   # --seed");
	T_LINE(out, "naming.time_format: \"%Y-%m-%dT%H:%M:%S\"     # default");
	T_OK(strstr(out, "sekrit") == NULL);
	T_OK(strstr(out, "URLPASS") == NULL && strstr(out, "URLKEY") == NULL);
	free(out);

	T_INT(load(NULL), ST_OK);
	out = printed();
	T_LINE(out, "#seed: (random per run)                     # default");
	T_LINE(out, "mockaroo.params: {}                         # default");
	free(out);

	/* What --print-config writes reads back as the same settings. */
	fresh();
	T_INT(load("--max-size", "9", "--bucket", "b", "--gzip",
		  "--resumable-threshold", "3MiB", "--param", "p=\"q\"",
		  "--time-format", "%Y", NULL),
	    ST_OK);
	out = printed();
	put("config.yaml", out);
	free(out);
	T_INT(load(NULL), ST_OK);
	T_INT(cfg.max_size, 9);
	T_STR(origin(R_MAX_SIZE), "config.yaml:23");
	T_STR(cfg.bucket, "b");
	T_INT(cfg.gzip, 1);
	T_INT(cfg.resumable_threshold, 3 * 1024 * 1024);
	T_STR(cfg.time_format, "%Y");
	T_INT(cfg.nparams, 1);
	if (cfg.nparams == 1)
		T_STR(cfg.params[0].value, "\"q\"");
}

static void
test_usage(void)
{
	static const char *const flags[] = {
		"-c, --config FILE",
		"--env-file FILE",
		"--once",
		"--dry-run",
		"-o, --output FILE",
		"--json",
		"-v, --verbose",
		"-q, --quiet",
		"--print-config",
		"-h, --help",
		"-V, --version",
		"--url URL",
		"--api-key-file FILE",
		"--key-in header|query",
		"--param NAME=VALUE",
		"--records N",
		"--project-url URL",
		"--project-key-file FILE",
		"--bucket NAME",
		"--path PREFIX",
		"--storage-kind auto|supabase|s3",
		"--s3-endpoint URL",
		"--s3-region NAME",
		"--s3-path-style BOOL",
		"--s3-credentials-file FILE",
		"--cache-control VALUE",
		"--gzip",
		"--resumable-threshold BYTES",
		"--multipart-threshold BYTES",
		"--max-size N",
		"--format array|ndjson",
		"--users N",
		"--shops N",
		"--pool-seed N",
		"--seed N",
		"--time-format FMT",
		"--concurrency N",
		"--connect-timeout SECONDS",
		"--timeout SECONDS",
		"--max-time SECONDS",
		"--retries N",
		"--max-response-bytes BYTES",
		"--log-level error|warning|info|debug",
		"--log-format text|json",
		"COLLECTOR_API_KEY_FILE",
		"COLLECTOR_MAX_SIZE",
		"batch.max_size",
		"supabase.path_raw_data.new",
		"AWS_SESSION_TOKEN",
		"default 64MiB",
		"default 20250922",
		"usage: collector [-hqVv]",
		"\nGeneral:\n",
		"\nSource:\n",
		"\nStorage:\n",
		"\nBatch:\n",
		"\nHTTP:\n",
		"\nLogging:\n",
	};
	char *text = NULL, *line;
	size_t len = 0, i;
	int longest = 0, n;
	FILE *fp = open_memstream(&text, &len);

	config_usage(fp);
	T_INT(fclose(fp), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		T_CONTAINS(text, flags[i]);
	for (line = text; *line != '\0'; line += n + (line[n] == '\n')) {
		n = (int)strcspn(line, "\n");
		if (n > longest)
			longest = n;
	}
	T_OK(longest <= 79);
	free(text);
}

static void
test_free(void)
{
	struct config zero;

	memset(&zero, 0, sizeof(zero));
	config_free(&zero);
	config_free(&zero);
	config_free(NULL);
	fresh();
	T_INT(load("--max-size", "x", NULL), ST_USAGE);
	config_free(&cfg);
	T_OK(cfg.origins == NULL && cfg.bucket == NULL);
}

int
main(void)
{
	char cwd[4096];

	if (mkdtemp(top) == NULL || getcwd(cwd, sizeof(cwd)) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults();
	test_precedence();
	test_files_chosen();
	test_yaml_errors();
	test_yaml_values();
	test_dotenv();
	test_env_errors();
	test_flags();
	test_sizes();
	test_params();
	test_path();
	test_secrets();
	test_s3_credentials();
	test_log_level();
	test_seed();
	test_print();
	test_usage();
	test_free();
	config_free(&cfg);
	if (chdir(cwd) == 0) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd) != 0)
			printf("could not remove %s\n", top);
	}
	return t_done();
}
