/*
 * upload.c - picks the sink for a project URL; the local directory lake.
 *
 * The local lake writes each object the way redis writes its dump: a
 * temporary file in the target directory, fsync, rename over the final
 * name, fsync the directory.  A reader sees the whole object or nothing.
 */

#define _GNU_SOURCE /* O_TMPFILE, linkat */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "http.h"
#include "log.h"
#include "upload.h"

#define LOCAL_LAKE "./lake"

int
errno_status(int e)
{
	return e == ENOSPC || e == EIO || e == EDQUOT ? ST_IO : ST_CANTCREATE;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Makes the new directory path durable in its parent, so that a crash
 * cannot lose the way to what is written below it. */
static void
sync_parent(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == NULL)
		fsync_dir(".");
	else if (slash == path)
		fsync_dir("/");
	else {
		*slash = '\0';
		fsync_dir(path);
		*slash = '/';
	}
}

int
dir_create(const char *dir, mode_t mode, struct err *err)
{
	char path[WHERE_MAX], *end;
	size_t len = strlen(dir);
	int last;

	if (len == 0)
		return ST_OK;
	if (len >= sizeof(path))
		return err_set(err, ST_CANTCREATE, "%s: path too long", dir);
	memcpy(path, dir, len + 1);
	for (end = path + 1;; end++) {
		if (*end != '/' && *end != '\0')
			continue;
		last = *end == '\0';
		*end = '\0';
		if (mkdir(path, mode) == 0)
			sync_parent(path);
		else if (errno != EEXIST)
			goto fail;
		if (last)
			return ST_OK;
		*end = '/';
	}
fail:
	return err_set(err, errno_status(errno),
	    "cannot create directory %s: %s", path, strerror(errno));
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_write_atomic(const char *path, const char *data, size_t len,
    struct err *err)
{
	return file_write_atomic2(path, NULL, 0, data, len, err);
}

/* Opens the named temporary file, replacing one a killed run left. */
static int
open_named(const char *temp)
{
	int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0 && errno == EEXIST && unlink(temp) == 0)
		fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	return fd;
}

/* Gives the unnamed file open as fd the name path; fails with EEXIST
 * when path exists. */
static int
link_unnamed(int fd, const char *path)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/* Writes to a device or a pipe as it is: renaming a file over /dev/null
 * or /dev/stdout would replace the device itself. */
static int
write_through(const char *path, const char *head, size_t headlen,
    const char *data, size_t len, struct err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), status = ST_OK;

	if (fd < 0)
		return err_set(err, ST_CANTCREATE, "cannot open %s: %s", path,
		    strerror(errno));
	if (write_all(fd, head, headlen) != 0 || write_all(fd, data, len) != 0)
		status = err_set(err, ST_IO, "cannot write %s: %s", path,
		    strerror(errno));
	close(fd);
	return status;
}

/*
 * Where the file system allows, the data goes to an unnamed file
 * (O_TMPFILE) that vanishes if the process dies, and is linked into place
 * when complete; a target that exists already is replaced through a
 * temporary name and rename(2).  Elsewhere the temporary file has a fixed
 * name per target, ".<name>.tmp", which the next write of that target
 * replaces.  A device or a pipe is written through, never replaced.
 */
int
file_write_atomic2(const char *path, const char *head, size_t headlen,
    const char *data, size_t len, struct err *err)
{
	char dir[WHERE_MAX], temp[WHERE_MAX + 32];
	const char *base = strrchr(path, '/');
	struct stat st;
	int fd, named, status;

	if (stat(path, &st) == 0 &&
	    (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
		return write_through(path, head, headlen, data, len, err);
	if (base == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		/* Cut short, dir would name another directory, and be made. */
		if ((size_t)(base - path) >= sizeof(dir))
			return err_set(err, ST_CANTCREATE, "path too long: %s",
			    path);
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
		base++;
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
	}
	if ((status = dir_create(dir, 0777, err)) != ST_OK)
		return status;
	if ((size_t)snprintf(temp, sizeof(temp), "%s/.%s.tmp", dir, base) >=
	    sizeof(temp))
		return err_set(err, ST_CANTCREATE, "%s: path too long", path);
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if ((named = fd < 0) && (fd = open_named(temp)) < 0)
		return err_set(err, errno_status(errno), "cannot create %s: %s",
		    temp, strerror(errno));
	if (write_all(fd, head, headlen) != 0 ||
	    write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		status = err_set(err, errno_status(errno),
		    "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fault_point("renaming");
	if (!named) {
		if (link_unnamed(fd, path) == 0)
			goto sync;
		if (errno != EEXIST ||
		    ((unlink(temp) != 0 && errno != ENOENT) ||
			link_unnamed(fd, temp) != 0)) {
			status = err_set(err, errno_status(errno),
			    "cannot create %s: %s", path, strerror(errno));
			goto out;
		}
		named = 1;
	}
	if (rename(temp, path) != 0) {
		status = err_set(err, errno_status(errno),
		    "cannot rename %s to %s: %s", temp, path, strerror(errno));
		goto out;
	}
sync:
	if (fsync_dir(dir) != 0)
		status = err_set(err, ST_IO, "cannot sync directory %s: %s",
		    dir, strerror(errno));
out:
	if (close(fd) != 0 && status == ST_OK)
		status = err_set(err, errno_status(errno),
		    "cannot write %s: %s", path, strerror(errno));
	if (status != ST_OK && named)
		unlink(temp);
	return status;
}

/* The lake directory: ./lake, or the path of a file:// URL. */
static int
local_open(struct sink *sink, struct err *err)
{
	const char *url = sink->cfg->project_url;
	const char *dir = url ? url + strlen("file://") : LOCAL_LAKE;

	if (url != NULL && dir[0] != '/')
		return err_set(err, ST_CONFIG,
		    "supabase.url \"%s\": a file URL needs an absolute path, "
		    "as in file:///srv/lake",
		    url);
	sink->state = (void *)dir;
	return ST_OK;
}

static int
local_put(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	const char *dir = sink->state;
	char path[WHERE_MAX];
	int status;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", dir,
		sink->cfg->bucket, obj->key) >= sizeof(path))
		return err_set(err, ST_CANTCREATE, "%s/%s/%s: path too long",
		    dir, sink->cfg->bucket, obj->key);
	log_debug("writing %zu bytes to %s", obj->len, path);
	if ((status = file_write_atomic(path, obj->data, obj->len, err)) ==
	    ST_OK)
		snprintf(report->where, sizeof(report->where), "%s", path);
	return status;
}

static const struct sink_ops
    local_ops = { "local", local_open, local_put, NULL };

/* The sink for cfg's project URL, or NULL for an unknown scheme. */
static const struct sink_ops *
sink_pick(const struct config *cfg)
{
	const char *url = cfg->project_url;

	if (cfg->storage_kind == STORAGE_S3 ||
	    (url != NULL && strncmp(url, "s3://", 5) == 0))
		return &s3_ops;
	if (url == NULL || strncmp(url, "file://", 7) == 0)
		return &local_ops;
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return &supabase_ops;
	return NULL;
}

int
sink_open(struct sink *sink, const struct config *cfg, struct err *err)
{
	char shown[512];

	sink->cfg = cfg;
	sink->state = NULL;
	if ((sink->ops = sink_pick(cfg)) == NULL) {
		http_redact(cfg->project_url, shown, sizeof(shown));
		return err_set(err, ST_CONFIG,
		    "supabase.url \"%s\": unknown scheme (use file://, "
		    "https:// or s3://)",
		    shown);
	}
	return sink->ops->open ? sink->ops->open(sink, err) : ST_OK;
}

int
sink_destination(const struct config *cfg, char *out, size_t outsz,
    struct err *err)
{
	const struct sink_ops *ops = sink_pick(cfg);
	int len;

	if (ops == NULL)
		return err_set(err, ST_CONFIG, "supabase.url: unknown scheme");
	len = snprintf(out, outsz, "%s %s %s%s%s", ops->name,
	    cfg->project_url ? cfg->project_url : LOCAL_LAKE, cfg->bucket,
	    cfg->s3_endpoint ? " " : "",
	    cfg->s3_endpoint ? cfg->s3_endpoint : "");
	if (len < 0 || (size_t)len >= outsz)
		return err_set(err, ST_CONFIG, "destination is too long");
	return ST_OK;
}

int
sink_needs_spool(const struct sink *sink)
{
	return sink->ops != &local_ops;
}

int
sink_put(struct sink *sink, const struct object *obj,
    struct upload_report *report, struct err *err)
{
	memset(report, 0, sizeof(*report));
	return sink->ops->put(sink, obj, report, err);
}

void
sink_close(struct sink *sink)
{
	if (sink->ops != NULL && sink->ops->close != NULL)
		sink->ops->close(sink);
	sink->ops = NULL;
}
