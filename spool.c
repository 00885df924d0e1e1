/*
 * spool.c - the spool directory and the run lock.
 *
 * Entry names start with the time they were written, as 16 hex digits of
 * nanoseconds, so sorting names sorts batches oldest first; the rest of
 * the name is the object key with '/' written as %2F, for the operator
 * who lists the directory.  The header inside the file is what counts.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fault.h"
#include "log.h"
#include "json.h"
#include "spool.h"

#define LOCK_NAME "lock"
#define BAD_DIR "bad"
#define HEADER_MAX 8192

int
spool_dir(const struct config *cfg, char *out, size_t outsz, struct err *err)
{
	const char *state = getenv("STATE_DIRECTORY");
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	size_t n;
	int len;

	if (cfg->spool_dir != NULL)
		len = snprintf(out, outsz, "%s", cfg->spool_dir);
	else if (state != NULL && state[0] != '\0') {
		/* systemd lists one directory per StateDirectory= entry. */
		n = strcspn(state, ":");
		len = snprintf(out, outsz, "%.*s", (int)n, state);
	} else if (xdg != NULL && xdg[0] == '/')
		len = snprintf(out, outsz, "%s/collector", xdg);
	else if (home != NULL && home[0] == '/')
		len = snprintf(out, outsz, "%s/.local/state/collector", home);
	else
		return err_set(err, ST_CONFIG,
		    "no spool directory: set spool.dir (--spool-dir), "
		    "STATE_DIRECTORY, XDG_STATE_HOME or HOME");
	if (len < 0 || (size_t)len >= outsz)
		return err_set(err, ST_CONFIG,
		    "spool directory path is too long");
	return ST_OK;
}

static int
path_join(char *out, size_t outsz, const char *dir, const char *name)
{
	int len = snprintf(out, outsz, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= outsz ? -1 : 0;
}

/* The pid the lock file names, or 0. */
static long
lock_holder(int fd)
{
	char text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	if (n <= 0)
		return 0;
	text[n] = '\0';
	return strtol(text, NULL, 10);
}

static int
take_lock(struct spool *sp, long wait_seconds, struct err *err)
{
	char path[PATH_MAX + 8], pid[32];
	struct timespec pause = { 0, 100L * 1000 * 1000 };
	long waited_ms = 0;
	int len;

	if (path_join(path, sizeof(path), sp->dir, LOCK_NAME) != 0)
		return err_set(err, ST_CONFIG,
		    "spool directory path is too long");
	sp->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lock_fd < 0)
		return err_set(err, errno_status(errno), "cannot open %s: %s",
		    path, strerror(errno));
	while (flock(sp->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return err_set(err, ST_IO, "cannot lock %s: %s", path,
			    strerror(errno));
		if (waited_ms >= wait_seconds * 1000)
			return err_set(err, ST_TEMPFAIL,
			    "another collector run holds %s (pid %ld)", path,
			    lock_holder(sp->lock_fd));
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(sp->lock_fd, 0) != 0 ||
	    pwrite(sp->lock_fd, pid, (size_t)len, 0) != len)
		log_warning("cannot write the pid to %s: %s", path,
		    strerror(errno));
	return ST_OK;
}

/* A killed run can leave the temporary file of an unfinished write: its
 * batch was never accepted, so it goes. */
static void
remove_temporaries(const struct spool *sp)
{
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];
	struct dirent *d;
	DIR *dp = opendir(sp->dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] != '.' || strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		if (path_join(path, sizeof(path), sp->dir, d->d_name) == 0 &&
		    unlink(path) == 0)
			log_debug("removed %s, left by an interrupted run",
			    path);
	}
	closedir(dp);
}

int
spool_open(struct spool *sp, const struct config *cfg, struct err *err)
{
	int status;

	sp->lock_fd = -1;
	if ((status = spool_dir(cfg, sp->dir, sizeof(sp->dir), err)) != ST_OK)
		return status;
	if ((status = dir_create(sp->dir, 0700, err)) != ST_OK)
		return status;
	if ((status = take_lock(sp, cfg->wait_lock, err)) != ST_OK) {
		spool_close(sp);
		return status;
	}
	remove_temporaries(sp);
	return ST_OK;
}

void
spool_close(struct spool *sp)
{
	if (sp->lock_fd >= 0)
		close(sp->lock_fd); /* releases the flock */
	sp->lock_fd = -1;
}

static int
is_entry_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 &&
	    strcmp(name + len - 6, ".batch") == 0;
}

static int
compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct spool_entry *)a)->name,
	    ((const struct spool_entry *)b)->name);
}

int
spool_list(const struct spool *sp, struct spool_entry **entries, size_t *n,
    struct err *err)
{
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];
	struct spool_entry *v = NULL, *grown;
	struct dirent *d;
	struct stat st;
	size_t cap = 0;
	DIR *dp;

	*entries = NULL;
	*n = 0;
	if ((dp = opendir(sp->dir)) == NULL)
		return err_set(err, ST_IO, "cannot read spool directory %s: %s",
		    sp->dir, strerror(errno));
	while ((d = readdir(dp)) != NULL) {
		if (path_join(path, sizeof(path), sp->dir, d->d_name) != 0 ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    strcmp(d->d_name, LOCK_NAME) == 0 || d->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(dp);
				return err_set(err, ST_TEMPFAIL,
				    "out of memory");
			}
			v = grown;
		}
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", d->d_name);
		v[*n].bytes = (unsigned long long)st.st_size;
		(*n)++;
	}
	closedir(dp);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), compare_entries);
	*entries = v;
	return ST_OK;
}

/* "<16 hex digits of ns>-<key with / and % encoded>.batch", the key
 * part shortened if the name would not fit a directory entry. */
static void
entry_name(char *out, size_t outsz, const char *key)
{
	struct timespec now;
	size_t len, room;

	clock_gettime(CLOCK_REALTIME, &now);
	len = (size_t)snprintf(out, outsz, "%016llx-",
	    (unsigned long long)now.tv_sec * 1000000000ULL +
		(unsigned long long)now.tv_nsec);
	room = outsz - len - sizeof(".batch");
	for (; *key != '\0' && room >= 3; key++) {
		if (*key == '/' || *key == '%') {
			len += (size_t)snprintf(out + len, 4, "%%%02X",
			    (unsigned char)*key);
			room -= 3;
		} else {
			out[len++] = *key;
			room--;
		}
	}
	snprintf(out + len, outsz - len, ".batch");
}

int
spool_add(const struct spool *sp, const char *destination,
    const struct object *obj, char *name, size_t namesz, struct err *err)
{
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];
	struct buf head = BUF_INIT;
	json_t *header;
	char *text = NULL;
	int status;

	header = json_pack("{s:s, s:s, s:s, s:s, s:I}", "format", SPOOL_FORMAT,
	    "destination", destination, "key", obj->key, "content_type",
	    obj->content_type, "bytes", (json_int_t)obj->len);
	if (header == NULL ||
	    (text = json_dumps(header, JSON_COMPACT)) == NULL ||
	    buf_puts(&head, text) != 0 || buf_puts(&head, "\n") != 0) {
		status = err_set(err, ST_TEMPFAIL, "out of memory");
		goto out;
	}
	entry_name(name,
	    namesz < SPOOL_NAME_MAX + 1 ? namesz : SPOOL_NAME_MAX + 1,
	    obj->key);
	if (path_join(path, sizeof(path), sp->dir, name) != 0) {
		status = err_set(err, ST_CONFIG, "spool path is too long");
		goto out;
	}
	status = file_write_atomic2(path, head.data, head.len, obj->data,
	    obj->len, err);
	if (status == ST_OK)
		log_debug("spooled %zu bytes as %s", obj->len, path);
out:
	free(text);
	json_decref(header);
	buf_free(&head);
	return status;
}

static int
read_whole(const char *path, struct buf *out, struct err *err)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, ST_IO, "cannot read %s: %s", path,
		    strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(out, chunk, (size_t)n) != 0) {
			close(fd);
			return err_set(err, n < 0 ? ST_IO : ST_TEMPFAIL,
			    "cannot read %s: %s", path,
			    n < 0 ? strerror(errno) : "out of memory");
		}
	}
	close(fd);
	return ST_OK;
}

/* Copies a string member of the header, refusing a missing or long one. */
static int
header_string(json_t *header, const char *name, char *out, size_t outsz)
{
	const char *value = json_string_value(json_object_get(header, name));

	if (value == NULL || strlen(value) >= outsz)
		return -1;
	memcpy(out, value, strlen(value) + 1);
	return 0;
}

/* True when body is what a batch of that content type must be: one JSON
 * text, or JSON lines.  Bytes that rotted on disk rarely stay valid. */
static int
body_is_sound(const char *content_type, const char *body, size_t len)
{
	const char *line, *end;

	if (strcmp(content_type, "application/json") == 0)
		return json_validate(body, len, NULL) == SPLICE_OK;
	if (strcmp(content_type, "application/x-ndjson") != 0)
		return 1; /* compressed: the size is all there is */
	for (line = body; line < body + len; line = end + 1) {
		if ((end = memchr(line, '\n', (size_t)(body + len - line))) ==
			NULL ||
		    json_validate(line, (size_t)(end - line), NULL) !=
			SPLICE_OK)
			return 0;
	}
	return 1;
}

/* What verify_entry() returns when memory ran out: the file may be
 * sound, so it must stay where it is. */
static const char no_memory[] = "out of memory";

/*
 * jansson's lexer drops a byte it has no room for and parses on, so a
 * header read while memory ran out can come back whole-looking but wrong
 * (a destination or key missing a letter).  Its allocations go through
 * here, and a failed one says the file is not to be judged.
 */
static unsigned long json_alloc_failures;

static void *
json_alloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL)
		json_alloc_failures++;
	return p;
}

/* Checks the header line and the bytes after it; returns NULL, no_memory,
 * or why the file is not a sound spool entry. */
static const char *
verify_entry(const struct buf *file, struct spool_batch *batch)
{
	const char *newline = memchr(file->data, '\n',
	    file->len < HEADER_MAX ? file->len : HEADER_MAX);
	const char *why = NULL, *format;
	unsigned long failures = json_alloc_failures;
	json_t *header;
	size_t start;

	if (newline == NULL)
		return "no header line";
	json_set_alloc_funcs(json_alloc, free);
	header = json_loadb(file->data, (size_t)(newline - file->data), 0,
	    NULL);
	if (json_alloc_failures != failures) {
		json_decref(header);
		return no_memory;
	}
	format = json_string_value(json_object_get(header, "format"));
	start = (size_t)(newline - file->data) + 1;
	if (header == NULL || format == NULL ||
	    strcmp(format, SPOOL_FORMAT) != 0)
		why = "not a collector spool file";
	else if (header_string(header, "destination", batch->destination,
		     sizeof(batch->destination)) != 0 ||
	    header_string(header, "key", batch->key, sizeof(batch->key)) != 0 ||
	    header_string(header, "content_type", batch->content_type,
		sizeof(batch->content_type)) != 0 ||
	    !json_is_integer(json_object_get(header, "bytes")))
		why = "header lacks a field";
	else if ((json_int_t)(file->len - start) !=
	    json_integer_value(json_object_get(header, "bytes")))
		why = "size differs from its header (truncated?)";
	else if (!body_is_sound(batch->content_type, file->data + start,
		     file->len - start))
		why = "the batch is not valid JSON (damaged?)";
	json_decref(header);
	return why;
}

int
spool_load(const struct spool *sp, const char *name, struct spool_batch *batch,
    struct err *err)
{
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];
	struct buf file = BUF_INIT;
	const char *why = NULL, *newline;
	int status;

	memset(batch, 0, sizeof(*batch));
	if (path_join(path, sizeof(path), sp->dir, name) != 0)
		return err_set(err, ST_CONFIG, "spool path is too long");
	if (!is_entry_name(name))
		return err_set(err, ST_DATA,
		    "spool file %s: not a collector spool file", path);
	if ((status = read_whole(path, &file, err)) != ST_OK)
		goto out;
	if (file.len != 0 && (why = verify_entry(&file, batch)) == no_memory) {
		status = err_set(err, ST_TEMPFAIL,
		    "cannot read %s: out of memory", path);
		goto out;
	}
	if (file.len == 0 || why != NULL) {
		status = err_set(err, ST_DATA, "spool file %s: %s", path,
		    file.len == 0 ? "empty" : why);
		goto out;
	}
	newline = memchr(file.data, '\n', file.len);
	if (buf_append(&batch->data, newline + 1,
		file.len - (size_t)(newline + 1 - file.data)) != 0)
		status = err_set(err, ST_TEMPFAIL, "out of memory");
out:
	buf_free(&file);
	return status;
}

void
spool_batch_free(struct spool_batch *batch)
{
	buf_free(&batch->data);
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
spool_remove(const struct spool *sp, const char *name, struct err *err)
{
	char path[PATH_MAX + SPOOL_NAME_MAX + 2];

	if (path_join(path, sizeof(path), sp->dir, name) != 0)
		return err_set(err, ST_CONFIG, "spool path is too long");
	if (unlink(path) != 0 || sync_dir(sp->dir) != 0)
		return err_set(err, ST_IO, "cannot remove %s: %s", path,
		    strerror(errno));
	fault_point("unspooled");
	return ST_OK;
}

int
spool_set_aside(const struct spool *sp, const char *name, const char *reason,
    struct err *err)
{
	char from[PATH_MAX + SPOOL_NAME_MAX + 2];
	char bad[PATH_MAX + 8], to[PATH_MAX + SPOOL_NAME_MAX + 16];
	char why[sizeof(to) + 8];
	int status, len;

	if (path_join(from, sizeof(from), sp->dir, name) != 0 ||
	    path_join(bad, sizeof(bad), sp->dir, BAD_DIR) != 0 ||
	    path_join(to, sizeof(to), bad, name) != 0 ||
	    (len = snprintf(why, sizeof(why), "%s.reason", to)) < 0 ||
	    (size_t)len >= sizeof(why))
		return err_set(err, ST_CONFIG, "spool path is too long");
	if ((status = dir_create(bad, 0700, err)) != ST_OK)
		return status;
	if (rename(from, to) != 0 || sync_dir(sp->dir) != 0 ||
	    sync_dir(bad) != 0)
		return err_set(err, ST_IO, "cannot move %s to %s: %s", from,
		    bad, strerror(errno));
	return file_write_atomic2(why, reason, strlen(reason), "\n", 1, err);
}
