/*
 * fault.h - kill points for the crash tests.
 *
 * In a build with -DCOLLECTOR_FAULTS, fault_point("name") kills the
 * process with SIGKILL when the environment variable COLLECTOR_FAULT is
 * "name" (the first time the point is reached) or "name:N" (the Nth
 * time).  In every other build it does nothing.
 */
#ifndef COLLECTOR_FAULT_H
#define COLLECTOR_FAULT_H

void fault_point(const char *name);

#endif
