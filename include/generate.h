/*
 * generate.h - the built-in source's records.
 *
 * Product records in the schema of the Mockaroo route (product_name,
 * price, quantity, category, description, availability,
 * discount_percentage, date), so the platform can be built and tested
 * offline.  Pure: the same seed gives the same bytes.
 */
#ifndef COLLECTOR_GENERATE_H
#define COLLECTOR_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends a JSON array of `records` records drawn from seed to out.
 * Returns 0, or -1 when memory runs out. */
int generate_response(struct buf *out, uint64_t seed, size_t records);

#endif
