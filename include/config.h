/*
 * config.h - the effective configuration of one run.
 *
 * Every setting is one row of a table (config.c): its YAML key, its flag,
 * its environment names and its default.  Layers are applied lowest first
 * (defaults, YAML file, .env file, environment, flags), each remembering
 * where its value came from for --print-config.
 *
 * config_load() fills a struct config that owns all its strings;
 * config_free() releases them.
 */
#ifndef COLLECTOR_CONFIG_H
#define COLLECTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

enum batch_format { FORMAT_ARRAY, FORMAT_NDJSON };
enum key_in { KEY_IN_HEADER, KEY_IN_QUERY };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };
enum storage_kind { STORAGE_AUTO, STORAGE_SUPABASE, STORAGE_S3 };
enum check_mode { CHECK_OFF, CHECK_STORAGE, CHECK_API };

struct param {
	char *name;
	char *value;
};

struct config {
	/* source */
	char *url;	      /* mockaroo.url; NULL = built-in */
	char *api_key;	      /* secret, never printed */
	enum key_in key_in;   /* mockaroo.key_in */
	struct param *params; /* mockaroo.params */
	size_t nparams;
	long records; /* builtin.records per response */

	/* sink */
	char *project_url; /* supabase.url; NULL = ./lake */
	char *project_key; /* secret, never printed */
	char *bucket;	   /* supabase.bucketName */
	char *path;	   /* supabase.path_raw_data.new, normalised */
	enum storage_kind storage_kind; /* storage.kind */
	char *s3_endpoint;		/* s3.endpoint */
	char *s3_region;		/* s3.region */
	bool s3_path_style;		/* s3.path_style */
	char *s3_access_key_id;		/* AWS_ACCESS_KEY_ID */
	char *s3_secret_access_key;	/* secret */
	char *s3_session_token;		/* secret */
	char *cache_control;		/* upload.cache_control */
	bool gzip;			/* upload.gzip */
	long long resumable_threshold;	/* upload.resumable_threshold */
	long long multipart_threshold;	/* upload.multipart_threshold */

	/* batch and enrichment */
	long max_size;		  /* batch.max_size: responses */
	enum batch_format format; /* batch.format */
	long users;		  /* enrich.users */
	long shops;		  /* enrich.shops */
	uint64_t pool_seed;	  /* enrich.pool_seed */
	uint64_t seed;		  /* --seed, or random per run */
	bool seed_given;
	char *time_format; /* naming.time_format, presets expanded */

	/* http */
	long concurrency;	      /* http.concurrency */
	long connect_timeout;	      /* http.connect_timeout, seconds */
	long timeout;		      /* http.timeout, seconds per request */
	long max_time;		      /* http.max_time, seconds per stage */
	long retries;		      /* http.retries */
	long long max_response_bytes; /* http.max_response_bytes */

	/* logging */
	int log_level;		    /* enum log_level from log.h */
	enum log_format log_format; /* log.format */

	/* spool */
	char *spool_dir;	   /* spool.dir; NULL = the default */
	long spool_max_batches;	   /* spool.max_batches */
	long long spool_max_bytes; /* spool.max_bytes */
	long wait_lock;		   /* spool.wait_lock, seconds */

	/* operating */
	char *metrics_file; /* metrics.file; NULL = none */

	/* this run only (flags) */
	char *config_file; /* the YAML file read, or NULL */
	char *env_file;	   /* the .env file read, or NULL */
	bool dry_run;
	bool no_spool; /* --no-spool */
	char *output;  /* -o FILE, "-" = stdout */
	bool json_summary;
	bool print_config;
	bool show_help;
	bool show_version;
	enum check_mode check; /* --check, --check=api */

	/* Problems worth a warning that config_load found but, logging
	 * nothing itself, leaves to its caller: one sentence each. */
	char **warnings;
	size_t nwarnings;

	/* private: where each setting came from, for --print-config */
	char **origins;
};

/*
 * Builds the configuration from argv and the environment (envp-style
 * lookups go through getenv).  Returns ST_OK, ST_USAGE for a bad command
 * line or ST_CONFIG for a bad file or value, with err naming the file,
 * line, column and key, or the flag or variable, at fault.  cfg is
 * overwritten, and on failure left zeroed.  With -h or -V only the
 * command line and the defaults are read.  Logs nothing.
 */
int config_load(struct config *cfg, int argc, char **argv, struct err *err);

/*
 * For tests and fuzzers: build cfg from the defaults and one layer alone,
 * the YAML text of a config file or the text of a .env file, path naming
 * it in messages.  The environment, flags and other files are not read,
 * except the key files a .env entry *_FILE names.  Return ST_OK,
 * ST_CONFIG, or config_load()'s status for no memory; on failure cfg is
 * left zeroed.
 */
int config_apply_yaml(struct config *cfg, const char *path, const char *text,
    size_t len, struct err *err);
int config_apply_dotenv(struct config *cfg, const char *path, const char *text,
    size_t len, struct err *err);

/* Writes the effective configuration as YAML that config_load reads
 * back: one "key: value  # origin" line per setting, secrets as "***",
 * URLs without credentials, settings the file cannot hold commented
 * out. */
void config_print(const struct config *cfg, FILE *out);

/* Writes the --help text. */
void config_usage(FILE *out);

/* Frees what cfg owns, wiping secrets; safe on a zeroed struct. */
void config_free(struct config *cfg);

#endif
