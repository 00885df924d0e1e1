/* gzip.c - gzip compression of a batch (see gzip.h). */

#include <stdint.h>

#include <zlib.h>

#include "gzip.h"

/* windowBits 15 + 16: a gzip wrapper rather than a zlib one. */
#define GZIP_WINDOW (15 + 16)
/* zlib counts in uInt: the input goes in steps of at most this. */
#define STEP (1U << 30)

int
gzip_compress(const char *data, size_t len, struct buf *out)
{
	z_stream zs = { 0 };
	size_t room, step;
	int rc;

	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8,
		Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)data;
	for (;;) {
		if (zs.avail_in == 0 && len > 0) {
			step = len < STEP ? len : STEP;
			zs.avail_in = (uInt)step;
			len -= step;
		}
		room = deflateBound(&zs, zs.avail_in) + 4096;
		if (buf_reserve(out, room) != 0)
			break;
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = (uInt)room;
		rc = deflate(&zs, len == 0 ? Z_FINISH : Z_NO_FLUSH);
		out->len += room - zs.avail_out;
		out->data[out->len] = '\0';
		if (rc == Z_STREAM_END) {
			deflateEnd(&zs);
			return 0;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
	}
	deflateEnd(&zs);
	return -1;
}
