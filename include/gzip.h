/*
 * gzip.h - gzip compression of a batch, for upload.gzip.
 *
 * Pure code over zlib.  The object is stored as the compressed bytes,
 * under a key ending in .gz, with Content-Type application/gzip.
 */
#ifndef COLLECTOR_GZIP_H
#define COLLECTOR_GZIP_H

#include <stddef.h>

#include "buf.h"

#define GZIP_CONTENT_TYPE "application/gzip"
#define GZIP_SUFFIX ".gz"

/* Appends the gzip member of data to out; returns 0, or -1 when memory
 * runs out. */
int gzip_compress(const char *data, size_t len, struct buf *out);

#endif
