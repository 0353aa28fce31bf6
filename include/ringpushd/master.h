/*
 * master.h: workers = N (N > 1).  A master process without a ring or a
 * connection binds the listeners, forks N workers, each the single
 * process daemon unchanged, and supervises them: respawns the ones that
 * die, checks a reloaded file before the workers read it, forwards
 * SIGHUP, SIGUSR1 and SIGTERM, and speaks for the daemon to the service
 * manager, the pid file and the process waiting for a background start.
 */
#ifndef RINGPUSH_MASTER_H
#define RINGPUSH_MASTER_H

#include <stdbool.h>
#include "conf.h"

/* The worker processes conf asks for: workers, or with "auto" the CPUs the
 * daemon may run on.  1 means no master: the single process daemon. */
unsigned master_workers(const struct conf *conf);

/* The daemon's start: what main() hands over once the configuration is
 * valid, the pid file locked and the logs open. */
struct master_start {
	struct conf *conf;          /* stays the caller's */
	const char *conf_path;      /* NULL: built-in defaults */
	unsigned workers;           /* from master_workers(), > 1 */
	int pid_fd;                 /* locked pid file, or -1 */
	int report_fd;              /* background start's report, or -1 */
	bool foreground;
};

/* Run the master until every worker stopped after SIGTERM or SIGINT.
 * Returns the exit status: 0 when every worker stopped cleanly, 1 when
 * the start failed or a worker's stop did not end with status 0. */
int master_run(const struct master_start *start);

#endif
