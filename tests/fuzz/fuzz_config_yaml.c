/*
 * fuzz_config_yaml.c - the YAML config file, through config_apply_yaml().
 *
 * For every input the status is ST_OK or ST_CONFIG, and ST_CONFIG when
 * the text holds a NUL byte (nothing after it may go unread); a refusal
 * is one printable line that starts with the file's path and leaves the
 * struct zeroed; config_free() releases everything (the leak checker
 * sees the rest).
 */

#include <string.h>

#include "config.h"
#include "fuzz.h"

#define PATH "conf/config.yaml"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err err;
	int st;

	err.msg[0] = '\0';
	st = config_apply_yaml(&cfg, PATH, (const char *)data, size, &err);
	FUZZ_CHECK(st == ST_OK || st == ST_CONFIG);
	/* Nothing after a NUL byte may go unread. */
	if (memchr(data, '\0', size) != NULL)
		FUZZ_CHECK(st == ST_CONFIG);
	if (st == ST_OK) {
		FUZZ_CHECK(cfg.origins != NULL && cfg.bucket != NULL &&
		    cfg.path != NULL && cfg.time_format != NULL);
		config_free(&cfg);
	} else {
		fuzz_check_line(err.msg, sizeof(err.msg), PATH);
		FUZZ_CHECK(fuzz_zeroed(&cfg, sizeof(cfg)));
	}
	return 0;
}
