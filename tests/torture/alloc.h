/*
 * alloc.h - steering the allocation counter of tests/torture/alloc.c from
 * a test program linked with it.
 */
#ifndef COLLECTOR_TORTURE_ALLOC_H
#define COLLECTOR_TORTURE_ALLOC_H

/* Makes the n-th allocation from now fail (n from 1), and only that one;
 * 0 fails none. */
void alloc_fail_after(unsigned long n);

/* Nonzero once the allocation chosen by alloc_fail_after() has failed. */
int alloc_failed(void);

#endif
