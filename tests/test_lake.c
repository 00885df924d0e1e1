/* test_lake.c - atomic writes and the local directory lake. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "upload.h"
#include "t.h"

static char root[] = "/tmp/collector-lake.XXXXXX";

/* Counts the entries of dir (without . and ..), and those whose name
 * starts with a dot. */
static int
count_entries(const char *dir, int *hidden)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	*hidden = 0;
	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		n++;
		*hidden += d->d_name[0] == '.';
	}
	closedir(dp);
	return n;
}

static void
read_file(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f != NULL) {
		n = fread(out, 1, outsz - 1, f);
		(void)fclose(f);
	}
	out[n] = '\0';
}

static void
test_atomic_write(void)
{
	char path[512], dir[256], got[64];
	struct err err;
	struct stat st;
	int hidden;

	snprintf(dir, sizeof(dir), "%s/a/b", root);
	snprintf(path, sizeof(path), "%s/obj.json", dir);
	T_INT(file_write_atomic(path, "[1,2]", 5, &err), ST_OK);
	read_file(path, got, sizeof(got));
	T_STR(got, "[1,2]");
	T_INT(count_entries(dir, &hidden), 1);
	T_INT(hidden, 0);
	T_INT(stat(path, &st), 0);
	T_INT(st.st_mode & 0777, 0666 & ~022);

	/* Replacing keeps one file with the new bytes. */
	T_INT(file_write_atomic(path, "[]", 2, &err), ST_OK);
	read_file(path, got, sizeof(got));
	T_STR(got, "[]");
	T_INT(count_entries(dir, &hidden), 1);
}

static void
test_atomic_failures(void)
{
	char path[512], file[512], want[600];
	struct err err;
	int hidden;

	/* The target is a directory: the rename fails, and the temporary
	 * file must not stay behind. */
	snprintf(path, sizeof(path), "%s/dir", root);
	T_INT(mkdir(path, 0777), 0);
	T_INT(file_write_atomic(path, "x", 1, &err), ST_CANTCREATE);
	T_CONTAINS(err.msg, "cannot rename");
	T_CONTAINS(err.msg, "Is a directory");
	T_INT(count_entries(root, &hidden), 2); /* a/ and dir/ */
	T_INT(hidden, 0);

	/* A parent is a regular file. */
	snprintf(file, sizeof(file), "%s/plain", root);
	T_INT(file_write_atomic(file, "x", 1, &err), ST_OK);
	snprintf(path, sizeof(path), "%s/plain/sub/obj.json", root);
	T_INT(file_write_atomic(path, "x", 1, &err), ST_CANTCREATE);
	snprintf(want, sizeof(want),
	    "cannot create directory %s/plain/sub: Not a directory", root);
	T_STR(err.msg, want);
}

/* A device is written through, never renamed over. */
static void
test_write_through_device(void)
{
	struct err err;
	struct stat st;

	T_INT(file_write_atomic("/dev/null", "[1]", 3, &err), ST_OK);
	T_INT(stat("/dev/null", &st), 0);
	T_OK(S_ISCHR(st.st_mode));
	T_INT(file_write_atomic("/dev/full", "[1]", 3, &err), ST_IO);
	T_STR(err.msg, "cannot write /dev/full: No space left on device");
	T_INT(stat("/dev/full", &st), 0);
	T_OK(S_ISCHR(st.st_mode));
}

static void
test_local_sink(void)
{
	struct config cfg;
	struct sink sink;
	struct object
	    obj = { "bronze/new/k.json", "[{}]", 4, "application/json", 0 };
	struct upload_report report;
	struct err err;
	char url[300], want[300], got[16];

	memset(&cfg, 0, sizeof(cfg));
	snprintf(url, sizeof(url), "file://%s/lake", root);
	cfg.project_url = url;
	cfg.bucket = "datalake";
	T_INT(sink_open(&sink, &cfg, &err), ST_OK);
	T_INT(sink_put(&sink, &obj, &report, &err), ST_OK);
	sink_close(&sink);
	snprintf(want, sizeof(want), "%s/lake/datalake/bronze/new/k.json",
	    root);
	T_STR(report.where, want);
	read_file(want, got, sizeof(got));
	T_STR(got, "[{}]");

	cfg.project_url = "file://relative/lake";
	T_INT(sink_open(&sink, &cfg, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.url \"file://relative/lake\": a file URL needs an "
	    "absolute path, as in file:///srv/lake");
	cfg.project_url = "ftp://x";
	T_INT(sink_open(&sink, &cfg, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.url \"ftp://x\": unknown scheme (use file://, https:// "
	    "or s3://)");
}

/*
 * A directory name longer than WHERE_MAX is refused whole: cut short at
 * the limit it would name another directory, which would be made.
 */
static void
test_long_directory(void)
{
	char path[WHERE_MAX + 512], cut[WHERE_MAX];
	struct stat st;
	struct err err;
	size_t len;

	len = (size_t)snprintf(path, sizeof(path), "%s", root);
	while (len < WHERE_MAX + 100)
		len += (size_t)snprintf(path + len, sizeof(path) - len,
		    "/%0200d", 0);
	snprintf(path + len, sizeof(path) - len, "/x.json");
	memcpy(cut, path, sizeof(cut) - 1);
	cut[sizeof(cut) - 1] = '\0';
	T_INT(file_write_atomic(path, "[]", 2, &err), ST_CANTCREATE);
	T_CONTAINS(err.msg, "path too long");
	T_INT(stat(cut, &st), -1);
}

int
main(void)
{
	char cmd[64];

	umask(022);
	if (mkdtemp(root) == NULL)
		return 1;
	test_atomic_write();
	test_atomic_failures();
	test_write_through_device();
	test_local_sink();
	test_long_directory();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", root);
	return t_done();
}
