/*
 * spool.h - batches the collector has accepted, kept until the store
 * confirms them.
 *
 * A batch is written to the spool (temporary file, fsync, rename, fsync
 * of the directory) before it is uploaded, and removed only after the
 * store has confirmed it; every run first replays what earlier runs left,
 * oldest first, under the keys they were given.  One spool file holds
 * one batch: a JSON header line naming its destination, key, content
 * type and size, then the batch's bytes.
 *
 * The spool directory also holds the run lock: spool_open() takes it
 * (flock on <dir>/lock) and spool_close() releases it.
 */
#ifndef COLLECTOR_SPOOL_H
#define COLLECTOR_SPOOL_H

#include <limits.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "naming.h"
#include "status.h"
#include "upload.h"

#define SPOOL_FORMAT "collector-spool/1"
#define SPOOL_NAME_MAX 255

struct spool {
	char dir[PATH_MAX];
	int lock_fd;
};

struct spool_entry {
	char name[SPOOL_NAME_MAX + 1]; /* a file in the spool directory */
	unsigned long long bytes;      /* its size */
};

/* A spooled batch, loaded.  data is owned; spool_batch_free() frees it. */
struct spool_batch {
	char destination[WHERE_MAX];
	char key[KEY_MAX];
	char content_type[64];
	struct buf data;
};

/* The spool directory: spool.dir, else $STATE_DIRECTORY (its first
 * entry), else $XDG_STATE_HOME/collector, else
 * $HOME/.local/state/collector. */
int
spool_dir(const struct config *cfg, char *out, size_t outsz, struct err *err);

/*
 * Creates the directory if needed and takes the run lock, waiting up to
 * cfg->wait_lock seconds; ST_TEMPFAIL names the lock and the pid holding
 * it.  Removes temporary files a killed run left behind.
 */
int spool_open(struct spool *sp, const struct config *cfg, struct err *err);
void spool_close(struct spool *sp);

/* The spooled batches, oldest first; *entries is the caller's to free. */
int spool_list(const struct spool *sp, struct spool_entry **entries, size_t *n,
    struct err *err);

/* Writes obj durably for destination; *name receives the entry's name. */
int spool_add(const struct spool *sp, const char *destination,
    const struct object *obj, char *name, size_t namesz, struct err *err);

/* Loads and verifies an entry; ST_DATA when it is corrupt or foreign. */
int spool_load(const struct spool *sp, const char *name,
    struct spool_batch *batch, struct err *err);
void spool_batch_free(struct spool_batch *batch);

/* Removes an entry once the store has it. */
int spool_remove(const struct spool *sp, const char *name, struct err *err);

/* Moves an entry to <dir>/bad/ with <name>.reason beside it saying why;
 * it is never uploaded or deleted by the collector again. */
int spool_set_aside(const struct spool *sp, const char *name,
    const char *reason, struct err *err);

#endif
