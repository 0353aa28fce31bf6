/*
 * metrics.h: the daemon's counters in the Prometheus text exposition
 * format (version 0.0.4).
 *
 * The event loop keeps a struct metrics up to date; metrics_format() only
 * turns a snapshot into text, so it is pure and testable, and costs
 * nothing until something asks.  Labelled families are arrays indexed by
 * the enums below.
 */
#ifndef RINGPUSH_METRICS_H
#define RINGPUSH_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* ringpushd_connections_refused_total{reason=...} */
enum metrics_refused {
	METRICS_REFUSED_MAX_CONNECTIONS,	/* "max_connections" */
	METRICS_REFUSED_PER_IP,			/* "per_ip" */
	METRICS_REFUSED_FD_LIMIT,		/* "fd_limit" */
	METRICS_REFUSED_N
};

/* ringpushd_accept_errors_total{reason=...} */
enum metrics_accept {
	METRICS_ACCEPT_EMFILE,	/* "emfile": the process's fd limit */
	METRICS_ACCEPT_ENFILE,	/* "enfile": the system's fd limit */
	METRICS_ACCEPT_NOMEM,	/* "nomem": ENOBUFS, ENOMEM */
	METRICS_ACCEPT_OTHER,	/* "other" */
	METRICS_ACCEPT_N
};

/* ringpushd_requests_total{code=...}: index = status / 100 - 1 */
enum metrics_code {
	METRICS_CODE_1XX,
	METRICS_CODE_2XX,
	METRICS_CODE_3XX,
	METRICS_CODE_4XX,
	METRICS_CODE_5XX,
	METRICS_CODE_N
};

/* ringpushd_bytes_sent_total{engine=...} */
enum metrics_engine {
	METRICS_ENGINE_SPLICE,	/* "splice": file -> pipe -> socket */
	METRICS_ENGINE_SMALL,	/* "small": read into a buffer, then send */
	METRICS_ENGINE_SENDFILE,	/* "sendfile": sendfile(2) on readiness */
	METRICS_ENGINE_COPY,	/* "copy": read into a buffer, send from it */
	METRICS_ENGINE_MMAP,	/* "mmap": send from the file's mapping */
	METRICS_ENGINE_N
};

/* ringpushd_engine_fallbacks_total{reason=...}: bodies the listener's
 * engine could not take, sent by sendfile or copy instead */
enum metrics_fallback {
	METRICS_FALLBACK_NO_PIPE,	/* "no_pipe": no fd for a pipe */
	METRICS_FALLBACK_PIPE_SHRUNK,	/* "pipe_shrunk": below pipe_size */
	METRICS_FALLBACK_NO_MAPPING,	/* "no_mapping": mmap(2) failed */
	METRICS_FALLBACK_N
};

/* ringpushd_file_open_total{result=...} */
enum metrics_open {
	METRICS_OPEN_OK,	/* "ok" */
	METRICS_OPEN_ERROR,	/* "error" */
	METRICS_OPEN_N
};

/* ringpushd_uploads_total{outcome=...} */
enum metrics_upload {
	METRICS_UPLOAD_CREATED,		/* "created": 201 */
	METRICS_UPLOAD_REPLACED,	/* "replaced": 204 */
	METRICS_UPLOAD_DELETED,		/* "deleted": DELETE, 204 */
	METRICS_UPLOAD_REFUSED,		/* "refused": 4xx before the body */
	METRICS_UPLOAD_FAILED,		/* "failed": an I/O error */
	METRICS_UPLOAD_NO_SPACE,	/* "no_space": 507 */
	METRICS_UPLOAD_ABORTED,		/* "aborted": the client left (499) or
					   went silent (408) mid-body */
	METRICS_UPLOAD_N
};

struct metrics {
	/* gauges */
	uint64_t connections_open;
	uint64_t transfers_in_flight;
	uint64_t pipes_free;
	uint64_t pipes_used;
	uint64_t request_buffers_used;
	uint64_t request_buffers_free;
	uint64_t connections_idle;	/* kept alive between requests */
	uint64_t connections_max;	/* max_connections in force */
	/* counters */
	uint64_t pipes_shrunk_total;
	uint64_t engine_fallbacks_total[METRICS_FALLBACK_N];
	uint64_t connections_accepted_total;
	uint64_t connections_refused_total[METRICS_REFUSED_N];
	uint64_t connections_reclaimed_total;	/* idle ones closed at a limit */
	uint64_t accept_errors_total[METRICS_ACCEPT_N];
	uint64_t requests_total[METRICS_CODE_N];
	uint64_t bytes_sent_total[METRICS_ENGINE_N];
	uint64_t file_open_total[METRICS_OPEN_N];
	uint64_t ring_submissions_total;
	uint64_t ring_completions_total;
	uint64_t ring_cq_overflow_total;
	uint64_t timer_expirations_total;
	uint64_t open_file_cache_hits_total;
	uint64_t open_file_cache_misses_total;
	uint64_t file_cache_hits_total;
	uint64_t file_cache_bytes;
	uint64_t send_zc_total;           /* engine mmap: zero-copy sends */
	uint64_t send_zc_copied_total;    /* ... whose bytes the kernel copied */
	uint64_t bytes_received_total;		/* upload bodies */
	uint64_t uploads_total[METRICS_UPLOAD_N];
	uint64_t recv_buffers_exhausted_total;
	uint64_t paced_bodies_total;	/* sent without send_lowat (xfer.c) */
	/* process_*: filled by metrics_read_process() */
	double process_cpu_seconds_total;
	uint64_t process_resident_memory_bytes;
	double process_start_time_seconds;	/* since the Unix epoch */
	/* a worker process (workers > 1) */
	int worker;				/* its number, 1..; 0 = a single process */
	uint64_t worker_pid;
};

/* Add every family and the process_* figures of m to sum (CPU seconds and
 * memory summed, the earliest start time kept). */
void metrics_add(struct metrics *sum, const struct metrics *m);

/*
 * With workers: metrics_format() of sum, the figures of the whole daemon,
 * then ringpushd_worker_answering (the number of the worker that answers)
 * and per-worker series from each[0..n): ringpushd_worker_pid,
 * _connections_open, _requests_total, _bytes_sent_total and
 * worker_cpu_seconds_total, each with a worker="N" label.  When those do
 * not fit in cap, they are replaced by a comment saying so.  Returns as
 * metrics_format().
 */
int metrics_format_workers(const struct metrics *sum, const struct metrics *each, unsigned n,
    int answering, char *buf, size_t cap);

/* The requests_total index for an HTTP status, or -1 outside 100..599. */
int metrics_code_index(int status);

/*
 * Write the exposition text for m into buf: for each family one "# HELP"
 * and one "# TYPE" line, then its samples, e.g.
 *   ringpushd_requests_total{code="2xx"} 12
 * Names carry the ringpushd_ prefix, except the process_* families, which
 * keep the standard names dashboards expect.  The text is NUL-terminated.
 * Returns its length (without the NUL), or -1 with ENOSPC when it does not
 * fit in cap bytes (buf's content is then unspecified).
 */
int metrics_format(const struct metrics *m, char *buf, size_t cap);

/*
 * Fill the process_* fields from /proc/self/stat (utime + stime, in clock
 * ticks, over sysconf(_SC_CLK_TCK); the start time in ticks since boot),
 * /proc/self/statm (resident pages times the page size) and /proc/stat
 * (btime, the boot time, read once per process).  Other fields are left
 * alone.  Returns 0, or -1 with errno (fields unchanged).  Reads of /proc
 * do not wait on a disk, so this is fit for the event loop.
 */
int metrics_read_process(struct metrics *m);

#endif
