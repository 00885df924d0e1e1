/*
 * interrupt.h - SIGINT and SIGTERM.
 *
 * The first signal asks the run to stop: interrupted() turns non-zero,
 * fetching stops, a transfer in flight is aborted, and whatever is
 * already spooled stays for the next run.  A second signal ends the
 * process at once with status 128 + the signal, as a shell would report
 * it; the spool is safe even then, as it is after SIGKILL.
 */
#ifndef COLLECTOR_INTERRUPT_H
#define COLLECTOR_INTERRUPT_H

void interrupt_install(void);

/* The signal that asked the run to stop, or 0. */
int interrupted(void);

#endif
