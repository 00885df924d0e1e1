/*
 * iofail.c - an LD_PRELOAD shim that makes chosen file operations fail.
 *
 * Configured by the environment:
 *
 *   IOFAIL_OPS    the operations to fail, comma-separated: open (also
 *                 openat and the 64-bit and fortified variants), tmpfile
 *                 (only an open with O_TMPFILE), fopen, read, pread,
 *                 fread, write, pwrite, fsync, fdatasync, ftruncate,
 *                 flock, close, mkdir, rename, renameat, link, linkat,
 *                 unlink, opendir
 *   IOFAIL_ERRNO  the error: ENOSPC, EIO, EACCES, EDQUOT, EROFS, EPERM,
 *                 ENOENT, EEXIST, EOPNOTSUPP, EINTR or a number
 *   IOFAIL_PATH   fail only calls on a path that contains this string; a
 *                 final '$' anchors it at the end of the path, and '|'
 *                 separates alternatives
 *   IOFAIL_AFTER  fail only the call after this many matching calls
 *                 (0: the first only); unset, every matching call fails
 *   IOFAIL_LOG    a file each injected failure is appended to, one line
 *                 "op path", so a test can tell the fault was reached
 *   IOFAIL_NO_TMPFILE  when set, every open with O_TMPFILE fails with
 *                 EOPNOTSUPP, as on a file system without it
 *
 * The program's own calls go through the PLT and reach these functions;
 * the C library's internal ones (fopen's openat, fwrite's write) do not,
 * which is why fopen and fread are interposed as well.  A descriptor is
 * mapped to its path through /proc/self/fd, where an O_TMPFILE file reads
 * "<dir>/#NNN (deleted)".  A failing close still closes the descriptor,
 * as close(2) does on Linux.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "ENOSPC", ENOSPC },
	{ "EIO", EIO },
	{ "EACCES", EACCES },
	{ "EDQUOT", EDQUOT },
	{ "EROFS", EROFS },
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "EEXIST", EEXIST },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "EINTR", EINTR },
};

static long matched; /* matching calls so far */

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (real_##name == NULL) \
	*(void **)&real_##name = dlsym(RTLD_NEXT, #name)

static int
op_selected(const char *op)
{
	const char *ops = getenv("IOFAIL_OPS");
	size_t n = strlen(op);
	const char *p;

	if (ops == NULL)
		return 0;
	for (p = ops; (p = strstr(p, op)) != NULL; p += n)
		if ((p == ops || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* True when path holds the n bytes at want, or ends with them when they
 * end with '$'. */
static int
matches_one(const char *path, const char *want, size_t n)
{
	size_t len = strlen(path);
	const char *p;

	if (n > 0 && want[n - 1] == '$')
		return len >= n - 1 &&
		    memcmp(path + len - (n - 1), want, n - 1) == 0;
	for (p = path; len >= n && p <= path + len - n; p++)
		if (memcmp(p, want, n) == 0)
			return 1;
	return 0;
}

static int
path_matches(const char *path)
{
	const char *want = getenv("IOFAIL_PATH"), *bar;

	if (want == NULL || want[0] == '\0')
		return 1;
	if (path == NULL)
		return 0;
	for (;; want = bar + 1) {
		bar = strchr(want, '|');
		if (matches_one(path, want,
			bar ? (size_t)(bar - want) : strlen(want)))
			return 1;
		if (bar == NULL)
			return 0;
	}
}

static int
chosen_errno(void)
{
	const char *e = getenv("IOFAIL_ERRNO");
	char *end;
	long v;
	size_t i;

	if (e == NULL)
		return EIO;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(e, errnos[i].name) == 0)
			return errnos[i].value;
	v = strtol(e, &end, 10);
	return end != e && *end == '\0' && v > 0 && v < 4096 ? (int)v : EIO;
}

static void
note(const char *op, const char *path)
{
	REAL(open);
	REAL(write);
	REAL(close);
	const char *log = getenv("IOFAIL_LOG");
	char line[4200];
	int fd, len;

	if (log == NULL || log[0] == '\0')
		return;
	len = snprintf(line, sizeof(line), "%s %s\n", op, path);
	if (len < 0 || (size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1;
	if ((fd = real_open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		 0644)) < 0)
		return;
	if (real_write(fd, line, (size_t)len) < 0)
		(void)0; /* the log is a test aid; nothing to do */
	real_close(fd);
}

/* True when this call, on path or on also (a second path, or NULL), is
 * to fail; errno is then set. */
static int
inject2(const char *op, const char *path, const char *also)
{
	const char *after = getenv("IOFAIL_AFTER");
	long n;

	if (!op_selected(op) ||
	    (!path_matches(path) && (also == NULL || !path_matches(also))))
		return 0;
	n = __atomic_fetch_add(&matched, 1, __ATOMIC_SEQ_CST);
	if (after != NULL && after[0] != '\0' && n != strtol(after, NULL, 10))
		return 0;
	note(op, path);
	errno = chosen_errno();
	return 1;
}

static int
inject(const char *op, const char *path)
{
	return inject2(op, path, NULL);
}

static const char *
fd_path(int fd, char *out, size_t outsz)
{
	char link[64];
	ssize_t n;

	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, out, outsz - 1)) <= 0)
		return NULL;
	out[n] = '\0';
	return out;
}

static int
inject_fd(const char *op, int fd)
{
	char path[4096];

	/* Standard streams are the test's own plumbing. */
	if (fd <= 2 || getenv("IOFAIL_OPS") == NULL || !op_selected(op))
		return 0;
	return inject(op, fd_path(fd, path, sizeof(path)));
}

static int
inject_open(const char *path, int flags)
{
	if ((flags & O_TMPFILE) == O_TMPFILE && getenv("IOFAIL_NO_TMPFILE")) {
		errno = EOPNOTSUPP;
		return 1;
	}
	if ((flags & O_TMPFILE) == O_TMPFILE && inject("tmpfile", path))
		return 1;
	return inject("open", path);
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
	    (mode_t)va_arg(ap, int) :
	    0;
}

int
open(const char *path, int flags, ...)
{
	REAL(open);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (inject_open(path, flags))
		return -1;
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	REAL(open64);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (inject_open(path, flags))
		return -1;
	return real_open64(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	REAL(openat);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (inject_open(path, flags))
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int __open_2(const char *, int);

int
__open_2(const char *path, int flags)
{
	REAL(__open_2);

	if (inject_open(path, flags))
		return -1;
	return real___open_2(path, flags);
}

FILE *
fopen(const char *path, const char *mode)
{
	REAL(fopen);

	if (inject("fopen", path))
		return NULL;
	return real_fopen(path, mode);
}

DIR *
opendir(const char *path)
{
	REAL(opendir);

	if (inject("opendir", path))
		return NULL;
	return real_opendir(path);
}

ssize_t
read(int fd, void *buf, size_t len)
{
	REAL(read);

	if (inject_fd("read", fd))
		return -1;
	return real_read(fd, buf, len);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t off)
{
	REAL(pread);

	if (inject_fd("pread", fd))
		return -1;
	return real_pread(fd, buf, len, off);
}

/* A read error as stdio records it: ferror() is true afterwards. */
size_t
fread(void *buf, size_t size, size_t n, FILE *fp)
{
	REAL(fread);

	if (inject_fd("fread", fileno(fp))) {
		fp->_flags |= _IO_ERR_SEEN;
		return 0;
	}
	return real_fread(buf, size, n, fp);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write);

	if (inject_fd("write", fd))
		return -1;
	return real_write(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);

	if (inject_fd("pwrite", fd))
		return -1;
	return real_pwrite(fd, buf, len, off);
}

int
fsync(int fd)
{
	REAL(fsync);

	if (inject_fd("fsync", fd))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);

	if (inject_fd("fdatasync", fd))
		return -1;
	return real_fdatasync(fd);
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);

	if (inject_fd("ftruncate", fd))
		return -1;
	return real_ftruncate(fd, len);
}

int
flock(int fd, int op)
{
	REAL(flock);

	if (inject_fd("flock", fd))
		return -1;
	return real_flock(fd, op);
}

int
close(int fd)
{
	REAL(close);
	int e;

	if (inject_fd("close", fd)) {
		e = errno;
		real_close(fd);
		errno = e;
		return -1;
	}
	return real_close(fd);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);

	if (inject("mkdir", path))
		return -1;
	return real_mkdir(path, mode);
}

int
rename(const char *from, const char *to)
{
	REAL(rename);

	if (inject2("rename", to, from))
		return -1;
	return real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(renameat);

	if (inject2("renameat", to, from))
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int
link(const char *from, const char *to)
{
	REAL(link);

	if (inject("link", to))
		return -1;
	return real_link(from, to);
}

int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	REAL(linkat);

	if (inject("linkat", to))
		return -1;
	return real_linkat(fromfd, from, tofd, to, flags);
}

int
unlink(const char *path)
{
	REAL(unlink);

	if (inject("unlink", path))
		return -1;
	return real_unlink(path);
}
