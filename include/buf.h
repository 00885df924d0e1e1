/*
 * buf.h - a growable byte buffer.
 *
 * The buffer owns data; buf_free() releases it.  data is always
 * NUL-terminated (not counted in len) once anything has been appended,
 * so it can be handed to string functions.  Functions return 0, or -1
 * when memory runs out, leaving the buffer as it was.
 */
#ifndef COLLECTOR_BUF_H
#define COLLECTOR_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* clang-format off */
#define BUF_INIT { NULL, 0, 0 }
/* clang-format on */

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_truncate(struct buf *b, size_t len);
void buf_free(struct buf *b);

#endif
