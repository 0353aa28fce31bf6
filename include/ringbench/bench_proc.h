/*
 * bench_proc.h: CPU time from /proc and getrusage, for the client's own
 * usr/sys percentages and for the server_pid option.
 *
 * A server's CPU time is /proc/PID/stat utime + stime, which already
 * covers all of its threads (io_uring's iou-wrk-* and iou-sqp-* workers
 * are threads of the process, listed in /proc/PID/task, and a thread that
 * exits adds its time to the process), plus cutime + cstime (children it
 * has reaped), plus the same for every live descendant process (nginx's
 * workers are children of its master).
 */
#ifndef RINGPUSH_BENCH_PROC_H
#define RINGPUSH_BENCH_PROC_H

#include <stdint.h>
#include <sys/types.h>

struct bench_cpu {
	double usr_s;
	double sys_s;
};

/*
 * Parse one /proc/PID/stat line: ppid, and utime + cutime, stime + cstime
 * in clock ticks.  Returns 0, or -1 when the line is malformed.
 */
int bench_proc_parse_stat(const char *line, pid_t *ppid, uint64_t *utime,
    uint64_t *stime);
/* The server's CPU time as described above; -1 when pid does not exist. */
int bench_proc_tree_cpu(pid_t pid, struct bench_cpu *cpu);
/* This process's own CPU time (all threads). */
void bench_proc_self_cpu(struct bench_cpu *cpu);

#endif
