/*
 * log.c - messages to stderr, as text or JSON lines.
 *
 * Under systemd, stderr is usually connected to the journal; when
 * JOURNAL_STREAM names the device and inode of our stderr, each text line
 * gets a "<N>" syslog priority prefix (sd-daemon(3)) so the journal files
 * it at the right level instead of all at "info".
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "log.h"

static int log_level = LOG_WARNING;
static int log_json;
static int log_journal;

static const char *const level_names[] = {
	"error",
	"warning",
	"info",
	"debug",
};
static const int level_priorities[] = { 3, 4, 6, 7 };

/* True when JOURNAL_STREAM ("device:inode") is our stderr. */
static int
stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char *end;
	struct stat st;

	if (stream == NULL)
		return 0;
	errno = 0;
	dev = strtoull(stream, &end, 10);
	if (end == stream || *end != ':')
		return 0;
	stream = end + 1;
	ino = strtoull(stream, &end, 10);
	if (end == stream || *end != '\0' || errno != 0)
		return 0;
	if (fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_setup(int level, int json)
{
	log_level = level;
	log_json = json;
	log_journal = stderr_is_journal();
}

int
log_enabled(int level)
{
	return level <= log_level;
}

static void
log_write_json(int level, const char *message)
{
	json_t *line = json_pack("{s:s, s:s}", "level", level_names[level],
	    "message", message);
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;

	if (text != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
	json_decref(line);
}

void
log_msg(int level, const char *fmt, ...)
{
	char message[4096];
	va_list ap;

	if (level < LOG_ERROR || level > LOG_DEBUG || !log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	if (log_json)
		log_write_json(level, message);
	else if (log_journal)
		fprintf(stderr, "<%d>%s: %s\n", level_priorities[level],
		    level_names[level], message);
	else
		fprintf(stderr, "collector: %s: %s\n", level_names[level],
		    message);
	(void)fflush(stderr);
}
