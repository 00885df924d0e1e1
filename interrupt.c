/* interrupt.c - SIGINT and SIGTERM (see interrupt.h). */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	if (stop_signal != 0)
		_exit(128 + sig);
	stop_signal = sig;
}

void
interrupt_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
interrupted(void)
{
	return stop_signal;
}
