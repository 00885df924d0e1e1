/*
 * fuzz_dotenv.c - the .env file, through config_apply_dotenv().
 *
 * For every input the status is ST_OK or ST_CONFIG, and ST_CONFIG when
 * the text holds a NUL byte (nothing after it may go unread); a refusal
 * is one printable line that starts with the file's path and leaves the
 * struct zeroed; config_free() releases everything.
 *
 * Messages never quote a key.  To check that without guessing which
 * text is a key, the input is applied a second time with every letter
 * and digit after the '=' of each entry that names a key changed (a
 * permutation that keeps character classes, quotes, blanks, '#' and the
 * escape letter 'n', so the syntax and the validity of each value are
 * those of the first run): status and message must be the same.
 *
 * Inputs that name *_FILE variables are skipped: those make the parser
 * read the file they name, and a fuzzer must not read /dev/stdin.
 */

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define PATH "conf/.env"

static const char *const secret_names[] = { "api_key", "COLLECTOR_API_KEY",
	"project_key", "COLLECTOR_PROJECT_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", NULL };

static bool
secret_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; secret_names[i] != NULL; i++)
		if (strlen(secret_names[i]) == len &&
		    memcmp(secret_names[i], name, len) == 0)
			return true;
	return false;
}

static char
changed(char c)
{
	/* Every letter but 'n', which makes "\n" an escape. */
	static const char lower[] = "abcdefghijklmopqrstuvwxyz";
	const char *p;

	if (c >= '0' && c <= '9')
		return (char)('0' + (c - '0' + 3) % 10);
	if (c >= 'A' && c <= 'Z')
		return (char)('A' + (c - 'A' + 13) % 26);
	if (c != '\0' && (p = strchr(lower, c)) != NULL)
		return lower[(p - lower + 7) % 25];
	return c;
}

/* Changes the value part of line [p, end) if its name is a key's. */
static void
change_line(char *p, char *end)
{
	char *name;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p > 6 && memcmp(p, "export", 6) == 0 &&
	    (p[6] == ' ' || p[6] == '\t'))
		for (p += 6; p < end && (*p == ' ' || *p == '\t'); p++)
			;
	name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (!secret_name(name, (size_t)(p - name)))
		return;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p != '=')
		return;
	for (p++; p < end; p++)
		*p = changed(*p);
}

static void
change_secrets(char *text, size_t len)
{
	char *line = text, *end = text + len, *nl;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		change_line(line, nl);
	}
}

static int
apply(const char *text, size_t len, struct err *err)
{
	struct config cfg;
	int st;

	err->msg[0] = '\0';
	st = config_apply_dotenv(&cfg, PATH, text, len, err);
	FUZZ_CHECK(st == ST_OK || st == ST_CONFIG);
	if (st == ST_OK)
		config_free(&cfg);
	else {
		fuzz_check_line(err->msg, sizeof(err->msg), PATH);
		FUZZ_CHECK(fuzz_zeroed(&cfg, sizeof(cfg)));
	}
	return st;
}

static bool
names_file(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "_FILE", 5) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err, err2;
	char *copy;
	int st;

	if (names_file(data, size))
		return 0;
	st = apply((const char *)data, size, &err);
	/* Nothing after a NUL byte may go unread. */
	if (memchr(data, '\0', size) != NULL)
		FUZZ_CHECK(st == ST_CONFIG);
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	change_secrets(copy, size);
	FUZZ_CHECK(apply(copy, size, &err2) == st);
	if (st != ST_OK)
		FUZZ_CHECK(strcmp(err.msg, err2.msg) == 0);
	free(copy);
	return 0;
}
