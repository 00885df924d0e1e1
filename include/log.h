/*
 * log.h - messages to stderr.
 *
 * Text lines look like "collector: error: message".  Under systemd (when
 * JOURNAL_STREAM names our stderr) each line carries a "<N>" priority
 * prefix so the journal files it at the right level.  --log-format json
 * writes one object per line: {"level":"error","message":"..."}.
 * Secrets must never reach these functions.
 */
#ifndef COLLECTOR_LOG_H
#define COLLECTOR_LOG_H

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void log_setup(int level, int json);
int log_enabled(int level);
void
log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
