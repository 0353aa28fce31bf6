/*
 * metrics.c: Prometheus text exposition of the daemon's counters, and the
 * standard process_* figures read from /proc.
 *
 * The families are one table, in the order they are printed, so adding a
 * counter is one line here and one field in struct metrics.  Counters and
 * gauges are integers printed exactly; only the process_* seconds are
 * fractional.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

#define METRICS_PREFIX		"ringpushd_"
/* /proc/self/stat is one line of about 52 numbers after a 16-byte name. */
#define METRICS_PROC_BUF	4096
/* Fields of /proc/self/stat, counted from 1 as in proc(5). */
#define STAT_FIELD_UTIME	14
#define STAT_FIELD_STIME	15
#define STAT_FIELD_STARTTIME	22

struct metrics_family {
	const char *name;		/* without METRICS_PREFIX */
	const char *type;		/* "counter" or "gauge" */
	const char *help;
	const char *label;		/* NULL: one sample without labels */
	const char *const *values;	/* the label's values, in index order */
	size_t nvalues;
	size_t offset;			/* of the first uint64_t in struct metrics */
};

static const char *const refused_values[METRICS_REFUSED_N] = {
	[METRICS_REFUSED_MAX_CONNECTIONS] = "max_connections",
	[METRICS_REFUSED_PER_IP] = "per_ip",
	[METRICS_REFUSED_FD_LIMIT] = "fd_limit",
};
static const char *const accept_values[METRICS_ACCEPT_N] = {
	[METRICS_ACCEPT_EMFILE] = "emfile",
	[METRICS_ACCEPT_ENFILE] = "enfile",
	[METRICS_ACCEPT_NOMEM] = "nomem",
	[METRICS_ACCEPT_OTHER] = "other",
};
static const char *const code_values[METRICS_CODE_N] = {
	"1xx", "2xx", "3xx", "4xx", "5xx",
};
static const char *const engine_values[METRICS_ENGINE_N] = {
	[METRICS_ENGINE_SPLICE] = "splice",
	[METRICS_ENGINE_SMALL] = "small",
	[METRICS_ENGINE_SENDFILE] = "sendfile",
	[METRICS_ENGINE_COPY] = "copy",
	[METRICS_ENGINE_MMAP] = "mmap",
};
static const char *const fallback_values[METRICS_FALLBACK_N] = {
	[METRICS_FALLBACK_NO_PIPE] = "no_pipe",
	[METRICS_FALLBACK_PIPE_SHRUNK] = "pipe_shrunk",
	[METRICS_FALLBACK_NO_MAPPING] = "no_mapping",
};
static const char *const open_values[METRICS_OPEN_N] = {
	[METRICS_OPEN_OK] = "ok",
	[METRICS_OPEN_ERROR] = "error",
};

#define PLAIN(field, type, help) \
	{ #field, type, help, NULL, NULL, 1, offsetof(struct metrics, field) }
#define LABELLED(field, type, help, label, values) \
	{ #field, type, help, label, values, \
	    sizeof(values) / sizeof(values[0]), offsetof(struct metrics, field) }

static const char *const upload_values[] = {
	"created", "replaced", "deleted", "refused", "failed", "no_space",
	"aborted"
};
_Static_assert(sizeof(upload_values) / sizeof(upload_values[0]) == METRICS_UPLOAD_N,
    "upload_values follows enum metrics_upload");

static const struct metrics_family metrics_families[] = {
	PLAIN(connections_open, "gauge",
	    "Client connections open now."),
	PLAIN(connections_accepted_total, "counter",
	    "Client connections accepted."),
	LABELLED(connections_refused_total, "counter",
	    "Client connections closed at once because a limit was reached.",
	    "reason", refused_values),
	PLAIN(connections_idle, "gauge",
	    "Keep-alive connections waiting for their next request, the first closed "
	    "at a limit."),
	PLAIN(connections_max, "gauge",
	    "max_connections in force: the configured value, or less when the file "
	    "descriptor limit cannot hold it."),
	PLAIN(connections_reclaimed_total, "counter",
	    "Idle connections closed to make room at max_connections or at the file "
	    "descriptor limit."),
	LABELLED(accept_errors_total, "counter",
	    "Accepts that failed while a connection waited, by reason; it waits on "
	    "in the backlog.",
	    "reason", accept_values),
	LABELLED(requests_total, "counter",
	    "Requests answered, by status class.", "code", code_values),
	LABELLED(bytes_sent_total, "counter",
	    "Response bytes sent (headers and bodies), by transfer path.", "engine",
	    engine_values),
	PLAIN(transfers_in_flight, "gauge",
	    "Response bodies being sent now."),
	PLAIN(pipes_free, "gauge",
	    "Pipes in the pool ready for a splice transfer."),
	PLAIN(pipes_used, "gauge",
	    "Pipes of the pool lent to transfers now."),
	PLAIN(request_buffers_used, "gauge",
	    "Request buffers lent to connections with a request under way."),
	PLAIN(request_buffers_free, "gauge",
	    "Request buffers not lent (most of them reserved, not in memory)."),
	PLAIN(pipes_shrunk_total, "counter",
	    "Pipes the kernel made smaller than pipe_size "
	    "(past fs.pipe-user-pages-soft)."),
	LABELLED(engine_fallbacks_total, "counter",
	    "Response bodies sent by sendfile or copy because their engine "
	    "could not have what it needs, by reason.", "reason", fallback_values),
	LABELLED(file_open_total, "counter",
	    "Requested files opened, by result.", "result", open_values),
	PLAIN(ring_submissions_total, "counter",
	    "Submission queue entries submitted to the io_uring."),
	PLAIN(ring_completions_total, "counter",
	    "Completion queue entries reaped from the io_uring."),
	PLAIN(ring_cq_overflow_total, "counter",
	    "Completions the kernel lost because the completion queue was full "
	    "and it could not hold them back."),
	PLAIN(timer_expirations_total, "counter",
	    "Connections closed because a deadline expired."),
	PLAIN(open_file_cache_hits_total, "counter",
	    "Requests served from a file kept open by the open-file cache."),
	PLAIN(open_file_cache_misses_total, "counter",
	    "Requests that had to open their file."),
	PLAIN(file_cache_hits_total, "counter",
	    "Responses whose body came from the bytes kept in memory "
	    "(file_cache_size), with no read."),
	PLAIN(file_cache_bytes, "gauge",
	    "Bytes of small files kept in memory."),
	PLAIN(send_zc_total, "counter",
	    "Zero-copy sends (IORING_OP_SEND_ZC) of the mmap engine."),
	PLAIN(send_zc_copied_total, "counter",
	    "Zero-copy sends whose bytes the kernel copied all the same, "
	    "as its notification reported (loopback always does)."),
	PLAIN(bytes_received_total, "counter",
	    "Upload body bytes received."),
	LABELLED(uploads_total, "counter",
	    "PUT and DELETE requests on upload listeners, by outcome.", "outcome",
	    upload_values),
	PLAIN(recv_buffers_exhausted_total, "counter",
	    "Receives that found the shared receive buffer ring empty "
	    "(the connection was then read the slower way)."),
	PLAIN(paced_bodies_total, "counter",
	    "Bodies of 256 KiB up to 4 MiB sent without send_lowat because "
	    "their connection had left slow start."),
};

int
metrics_code_index(int status)
{
	if (status < 100 || status > 599)
		return -1;
	return status / 100 - 1;
}

/* Text appended to a bounded buffer; once something does not fit,
 * everything after is dropped and the result is an error. */
struct metrics_out {
	char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

static void out_printf(struct metrics_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct metrics_out *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (out->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out->buf + out->len, out->cap - out->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= out->cap - out->len) {
		out->overflow = 1;
		return;
	}
	out->len += (size_t)n;
}

static void
out_header(struct metrics_out *out, const char *prefix, const char *name,
    const char *type, const char *help)
{
	out_printf(out, "# HELP %s%s %s\n", prefix, name, help);
	out_printf(out, "# TYPE %s%s %s\n", prefix, name, type);
}

/*
 * %.15g prints the tick-based seconds exactly as they were computed
 * (1732594560.37, 0.5, 12) without the noise digits of %.17g; every
 * Prometheus parser reads it.
 */
static void
out_double(struct metrics_out *out, const char *name, const char *type,
    const char *help, double value)
{
	out_header(out, "", name, type, help);
	out_printf(out, "%s %.15g\n", name, value);
}

int
metrics_format(const struct metrics *m, char *buf, size_t cap)
{
	struct metrics_out out = { buf, cap, 0, 0 };
	const struct metrics_family *f;
	const uint64_t *values;
	size_t i, j;

	if (cap == 0) {
		errno = ENOSPC;
		return -1;
	}
	buf[0] = '\0';
	for (i = 0; i < sizeof(metrics_families) / sizeof(metrics_families[0]);
	    i++) {
		f = &metrics_families[i];
		values = (const uint64_t *)(const void *)
		    ((const char *)m + f->offset);
		out_header(&out, METRICS_PREFIX, f->name, f->type, f->help);
		for (j = 0; j < f->nvalues; j++) {
			if (f->label == NULL)
				out_printf(&out, METRICS_PREFIX "%s %llu\n",
				    f->name, (unsigned long long)values[j]);
			else
				out_printf(&out,
				    METRICS_PREFIX "%s{%s=\"%s\"} %llu\n",
				    f->name, f->label, f->values[j],
				    (unsigned long long)values[j]);
		}
	}
	out_double(&out, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.",
	    m->process_cpu_seconds_total);
	out_header(&out, "", "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	out_printf(&out, "process_resident_memory_bytes %llu\n",
	    (unsigned long long)m->process_resident_memory_bytes);
	out_double(&out, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.",
	    m->process_start_time_seconds);
	if (out.overflow || out.len > (size_t)INT_MAX) {
		errno = ENOSPC;
		return -1;
	}
	return (int)out.len;
}

void
metrics_add(struct metrics *sum, const struct metrics *m)
{
	for (size_t i = 0; i < sizeof(metrics_families) / sizeof(metrics_families[0]); i++) {
		const struct metrics_family *f = &metrics_families[i];
		uint64_t *to = (uint64_t *)(void *)((char *)sum + f->offset);
		const uint64_t *from = (const uint64_t *)(const void *)((const char *)m + f->offset);

		for (size_t j = 0; j < f->nvalues; j++)
			to[j] += from[j];
	}
	sum->process_cpu_seconds_total += m->process_cpu_seconds_total;
	sum->process_resident_memory_bytes += m->process_resident_memory_bytes;
	if (m->process_start_time_seconds > 0 && (sum->process_start_time_seconds == 0 ||
	    m->process_start_time_seconds < sum->process_start_time_seconds))
		sum->process_start_time_seconds = m->process_start_time_seconds;
}

/* Per-worker series: each the sum of nvalues uint64_t at offset. */
#define WORKER_SERIES(name, type, help, field, n) \
	{ name, type, help, NULL, NULL, n, offsetof(struct metrics, field) }
static const struct metrics_family worker_series[] = {
	WORKER_SERIES("worker_pid", "gauge", "Process id of each worker.", worker_pid, 1),
	WORKER_SERIES("worker_connections_open", "gauge",
	    "Client connections open now, by worker.", connections_open, 1),
	WORKER_SERIES("worker_requests_total", "counter", "Requests answered, by worker.",
	    requests_total, METRICS_CODE_N),
	WORKER_SERIES("worker_bytes_sent_total", "counter", "Response bytes sent, by worker.",
	    bytes_sent_total, METRICS_ENGINE_N),
};

/* The sum of a labelled family's values. */
static uint64_t
family_total(const struct metrics *m, size_t offset, size_t n)
{
	const uint64_t *v = (const uint64_t *)(const void *)((const char *)m + offset);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i];
	return total;
}

int
metrics_format_workers(const struct metrics *sum, const struct metrics *each, unsigned n,
    int answering, char *buf, size_t cap)
{
	int len = metrics_format(sum, buf, cap);
	struct metrics_out out = { buf, cap, 0, 0 };
	size_t whole;

	if (len < 0)
		return -1;
	out.len = (size_t)len;
	out_header(&out, METRICS_PREFIX, "worker_answering", "gauge",
	    "Number of the worker process that answered this request.");
	out_printf(&out, METRICS_PREFIX "worker_answering %d\n", answering);
	whole = out.len;
	for (size_t i = 0; i < sizeof(worker_series) / sizeof(worker_series[0]); i++) {
		const struct metrics_family *f = &worker_series[i];

		out_header(&out, METRICS_PREFIX, f->name, f->type, f->help);
		for (unsigned w = 0; w < n; w++)
			out_printf(&out, METRICS_PREFIX "%s{worker=\"%u\"} %llu\n", f->name, w + 1,
			    (unsigned long long)family_total(&each[w], f->offset, f->nvalues));
	}
	out_header(&out, "", "worker_cpu_seconds_total", "counter",
	    "User and system CPU time of each worker in seconds.");
	for (unsigned w = 0; w < n; w++)
		out_printf(&out, "worker_cpu_seconds_total{worker=\"%u\"} %.15g\n", w + 1,
		    each[w].process_cpu_seconds_total);
	if (out.overflow) {
		/* too many workers for the buffer: the totals still go out */
		out.overflow = 0;
		out.len = whole;
		buf[whole] = '\0';
		out_printf(&out, "# per-worker series left out: %u workers do not fit\n", n);
	}
	if (out.overflow || out.len > (size_t)INT_MAX) {
		errno = ENOSPC;
		return -1;
	}
	return (int)out.len;
}

/* Read a small /proc file whole into buf, NUL-terminated. */
static int
metrics_slurp(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len < cap - 1) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return 0;

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * The boot time in seconds since the epoch, from the "btime" line of
 * /proc/stat.  It cannot change while the system runs, so it is read once;
 * the lines before it grow with the number of CPUs and interrupts, so the
 * file is read line by line rather than into a fixed buffer.
 */
static int
metrics_boot_time(unsigned long long *btime)
{
	static unsigned long long cached;
	char line[256];
	int at_line_start = 1, found = 0;
	FILE *f;

	if (cached != 0) {
		*btime = cached;
		return 0;
	}
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (at_line_start && sscanf(line, "btime %llu", &cached) == 1) {
			found = 1;
			break;
		}
		at_line_start = strchr(line, '\n') != NULL;
	}
	fclose(f);
	if (!found || cached == 0) {
		cached = 0;
		errno = ENODATA;
		return -1;
	}
	*btime = cached;
	return 0;
}

/*
 * The command name in /proc/self/stat is in parentheses and may itself
 * hold spaces and ')': fields are counted from the last ')'.
 */
static int
metrics_stat_fields(const char *stat, unsigned long long *utime,
    unsigned long long *stime, unsigned long long *starttime)
{
	const char *p;
	char *end;
	unsigned long long v;
	int field;

	if ((p = strrchr(stat, ')')) == NULL)
		return -1;
	p++;
	/* Field 3 is the one-letter state, not a number. */
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return -1;
	p++;
	for (field = 4; field <= STAT_FIELD_STARTTIME; field++) {
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno != 0)
			return -1;
		p = end;
		if (field == STAT_FIELD_UTIME)
			*utime = v;
		else if (field == STAT_FIELD_STIME)
			*stime = v;
		else if (field == STAT_FIELD_STARTTIME)
			*starttime = v;
	}
	return 0;
}

int
metrics_read_process(struct metrics *m)
{
	char buf[METRICS_PROC_BUF];
	unsigned long long utime = 0, stime = 0, starttime = 0, resident, btime;
	long ticks, page;

	ticks = sysconf(_SC_CLK_TCK);
	page = sysconf(_SC_PAGESIZE);
	if (ticks <= 0 || page <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (metrics_slurp("/proc/self/stat", buf, sizeof(buf)) == -1)
		return -1;
	if (metrics_stat_fields(buf, &utime, &stime, &starttime) == -1) {
		errno = EPROTO;
		return -1;
	}
	if (metrics_slurp("/proc/self/statm", buf, sizeof(buf)) == -1)
		return -1;
	if (sscanf(buf, "%*u %llu", &resident) != 1) {
		errno = EPROTO;
		return -1;
	}
	if (metrics_boot_time(&btime) == -1)
		return -1;
	m->process_cpu_seconds_total = (double)(utime + stime) / (double)ticks;
	m->process_resident_memory_bytes = resident * (unsigned long long)page;
	m->process_start_time_seconds = (double)btime +
	    (double)starttime / (double)ticks;
	return 0;
}
