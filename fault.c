/* fault.c - kill points for the crash tests (see fault.h). */

#include "fault.h"

#ifdef COLLECTOR_FAULTS

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void
fault_point(const char *name)
{
	static long hits;
	const char *want = getenv("COLLECTOR_FAULT");
	size_t len = strlen(name);
	long nth = 1;

	if (want == NULL || strncmp(want, name, len) != 0 ||
	    (want[len] != '\0' && want[len] != ':'))
		return;
	if (want[len] == ':')
		nth = strtol(want + len + 1, NULL, 10);
	if (++hits == nth)
		(void)raise(SIGKILL);
}

#else

void
fault_point(const char *name)
{
	(void)name;
}

#endif
