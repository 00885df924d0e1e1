/*
 * rng.h - deterministic pseudo-random numbers, and the OS CSPRNG.
 *
 * splitmix64 seeds and derives; xoshiro256** draws.  Both are pure given
 * their state, so pools and batches are reproducible from a seed.
 */
#ifndef COLLECTOR_RNG_H
#define COLLECTOR_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Advances *state and returns the next splitmix64 output. */
uint64_t splitmix64(uint64_t *state);

/* A well-mixed 64-bit value derived from two inputs (seed, stream). */
uint64_t rng_derive(uint64_t seed, uint64_t stream);

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);

/* Uniform in [0, n), without modulo bias; n must be > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Fills buf from the kernel's CSPRNG; returns 0 or -1 (errno set). */
int os_random(void *buf, size_t len);

#endif
