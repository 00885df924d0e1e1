/*
 * sha256.h - SHA-256 (FIPS 180-4), for S3's x-amz-content-sha256.
 *
 * Pure code.  sha256_init, then sha256_update any number of times, then
 * sha256_final; or sha256_hex for one buffer.
 */
#ifndef COLLECTOR_SHA256_H
#define COLLECTOR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[SHA256_DIGEST_LEN]);

/* The lowercase hex digest of data into out[65]. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

#endif
