/* test_gzip.c - gzip members that any gunzip reads back. */

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gzip.h"
#include "t.h"

/* Inflates a gzip member with zlib's own decoder. */
static int
gunzip(const struct buf *in, struct buf *out)
{
	z_stream zs = { 0 };
	char chunk[65536];
	int rc;

	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in->data;
	zs.avail_in = (uInt)in->len;
	do {
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		rc = inflate(&zs, Z_NO_FLUSH);
		buf_append(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (rc == Z_OK);
	inflateEnd(&zs);
	return rc == Z_STREAM_END && zs.avail_in == 0 ? 0 : -1;
}

static void
round_trip(const char *data, size_t len)
{
	struct buf gz = BUF_INIT, back = BUF_INIT;

	T_INT(gzip_compress(data, len, &gz), 0);
	T_OK(gz.len >= 18 && (unsigned char)gz.data[0] == 0x1f &&
	    (unsigned char)gz.data[1] == 0x8b);
	T_INT(gunzip(&gz, &back), 0);
	T_MEM(back.data, back.len, data, len);
	buf_free(&gz);
	buf_free(&back);
}

int
main(void)
{
	size_t i, n = (size_t)5 * 1024 * 1024;
	char *big = malloc(n);
	unsigned x = 1;

	round_trip("", 0);
	round_trip("[]", 2);
	round_trip("[{\"price\":931.11}]", 18);
	/* Half compressible text, half noise, larger than zlib's window. */
	for (i = 0; big != NULL && i < n; i++) {
		x = x * 1103515245 + 12345;
		if (i < n / 2)
			big[i] = "[{\"a\":1}]"[i % 9];
		else
			big[i] = (char)(x >> 16);
	}
	if (big != NULL)
		round_trip(big, n);
	free(big);
	return t_done();
}
