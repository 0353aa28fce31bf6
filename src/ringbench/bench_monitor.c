/*
 * bench_monitor.c: the figures and lines ringbench writes while it runs.
 *
 * Everything here runs from the engine's progress tick (at least every
 * 100 ms), reads the counts the engine keeps, and never touches the ring.
 * Log lines are fio's "msec, value, ddir, bs, offset" with the value
 * averaged over log_avg_msec, as fio writes an averaged log (ddir 0 is
 * read; bs and offset are 0 in an averaged line).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_monitor.h"
#include "bench_report.h"

enum { LOG_BW, LOG_IOPS, LOG_LAT, LOG_CLAT, LOG_SLAT, NLOGS };

/* What one clone (or the total) had at the last sample and log line. */
struct bench_monitor_clone {
	uint64_t sample_bytes;
	uint64_t sample_ios;
	struct bench_series bw_kib;
	struct bench_series iops;
	FILE *log[NLOGS];
	uint64_t next_log;
	uint64_t log_at;
	uint64_t log_bytes;
	uint64_t log_ios;
	uint64_t log_lat_count;
	double log_lat_sum;
};

static int
open_log(FILE **f, const char *prefix, const char *suffix, size_t number,
    const char *option, FILE *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s_%s.%zu.log", prefix,
	    suffix, number) >= sizeof(path)) {
		fprintf(err, "ringbench: option --%s: name too long\n", option);
		return -1;
	}
	*f = fopen(path, "w");
	if (*f == NULL) {
		fprintf(err, "ringbench: option --%s: %s: %s\n", option, path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
bench_monitor_open(struct bench_monitor *m, const struct bench_job **jobs,
    size_t n, const struct bench_cmdline *cl, FILE *out, FILE *tty,
    FILE *err)
{
	const struct bench_job *j;
	size_t i;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->jobs = jobs;
	m->n = n;
	m->clones = calloc(n + 1, sizeof(*m->clones));
	if (m->clones == NULL) {
		fprintf(err, "ringbench: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		j = jobs[i];
		if (j->write_bw_log != NULL)
			rc |= open_log(&m->clones[i].log[LOG_BW], j->write_bw_log,
			    "bw", i + 1, "write_bw_log", err);
		if (j->write_iops_log != NULL)
			rc |= open_log(&m->clones[i].log[LOG_IOPS],
			    j->write_iops_log, "iops", i + 1, "write_iops_log",
			    err);
		if (j->write_lat_log != NULL) {
			rc |= open_log(&m->clones[i].log[LOG_LAT],
			    j->write_lat_log, "lat", i + 1, "write_lat_log", err);
			rc |= open_log(&m->clones[i].log[LOG_CLAT],
			    j->write_lat_log, "clat", i + 1, "write_lat_log",
			    err);
			rc |= open_log(&m->clones[i].log[LOG_SLAT],
			    j->write_lat_log, "slat", i + 1, "write_lat_log",
			    err);
		}
		if (j->group_reporting)
			m->group_reporting = true;
	}
	if (cl->eta == BENCH_ETA_ALWAYS ||
	    (cl->eta == BENCH_ETA_AUTO && fileno(tty) >= 0 &&
	    isatty(fileno(tty))))
		m->status = tty;
	m->interval_ms = cl->status_interval_ms;
	m->format = cl->format;
	m->out = out;
	return rc == 0 ? 0 : -1;
}

/* Bandwidth and requests/s of every clone and of the total since the
 * last sample, for fio's bw_* and iops_* figures. */
static void
sample(struct bench_monitor *m, const struct bench_progress *p)
{
	struct bench_monitor_clone *mc;
	uint64_t bytes, ios, tbytes = 0, tios = 0;
	double secs = (double)(p->now_ns - m->last_sample) / 1e9;
	size_t i;

	for (i = 0; i <= m->n; i++) {
		mc = &m->clones[i];
		if (i < m->n) {
			bytes = p->results[i].bytes;
			ios = p->results[i].requests;
			tbytes += bytes;
			tios += ios;
		} else {
			bytes = tbytes;
			ios = tios;
		}
		bench_series_add(&mc->bw_kib,
		    (double)(bytes - mc->sample_bytes) / 1024.0 / secs);
		bench_series_add(&mc->iops,
		    (double)(ios - mc->sample_ios) / secs);
		mc->sample_bytes = bytes;
		mc->sample_ios = ios;
	}
	m->last_sample = p->now_ns;
}

static void
log_line(FILE *f, uint64_t msec, uint64_t value)
{
	if (f != NULL)
		fprintf(f, "%" PRIu64 ", %" PRIu64 ", 0, 0, 0\n", msec, value);
}

/* One averaged line in each of a clone's logs. */
static void
log_clone(struct bench_monitor_clone *mc, const struct bench_result *r,
    uint64_t now, uint64_t window_start)
{
	uint64_t msec = (now - window_start) / 1000000u;
	double secs = (double)(now - mc->log_at) / 1e9;
	uint64_t ios = r->requests - mc->log_ios;
	uint64_t lat_n = r->clat.count - mc->log_lat_count;
	uint64_t lat_mean;

	log_line(mc->log[LOG_BW], msec, (uint64_t)((double)(r->bytes -
	    mc->log_bytes) / 1024.0 / secs + 0.5));
	log_line(mc->log[LOG_IOPS], msec, (uint64_t)((double)ios / secs + 0.5));
	/* as fio: an averaged latency line only where requests completed */
	if (lat_n > 0) {
		lat_mean = (uint64_t)((r->clat.sum - mc->log_lat_sum) /
		    (double)lat_n + 0.5);
		log_line(mc->log[LOG_LAT], msec, lat_mean);
		log_line(mc->log[LOG_CLAT], msec, lat_mean);
		log_line(mc->log[LOG_SLAT], msec, 0);
	}
	mc->log_at = now;
	mc->log_bytes = r->bytes;
	mc->log_ios = r->requests;
	mc->log_lat_count = r->clat.count;
	mc->log_lat_sum = r->clat.sum;
}

int
bench_monitor_eta(char *buf, size_t len, uint64_t secs)
{
	uint64_t d = secs / 86400, h = secs / 3600 % 24, mi = secs / 60 % 60,
	    s = secs % 60;

	if (d > 0)
		return snprintf(buf, len, "%" PRIu64 "d:%02" PRIu64 "h:%02"
		    PRIu64 "m:%02" PRIu64 "s", d, h, mi, s);
	if (h > 0)
		return snprintf(buf, len, "%" PRIu64 "h:%02" PRIu64 "m:%02"
		    PRIu64 "s", h, mi, s);
	return snprintf(buf, len, "%02" PRIu64 "m:%02" PRIu64 "s", mi, s);
}

int
bench_monitor_count(char *buf, size_t len, double value)
{
	static const char suffix[] = { '\0', 'k', 'M', 'G', 'T', 'P' };
	size_t i = 0;

	while (value >= 9999.5 && i + 1 < sizeof(suffix)) {
		value /= 1000;
		i++;
	}
	if (i == 0)
		return snprintf(buf, len, "%.0f", value);
	return snprintf(buf, len, "%.*f%c", value < 9.95 ? 1 : 0, value,
	    suffix[i]);
}

/* fio's line: Jobs: 2 (f=2): [R(2)][45.0%][r=478MiB/s][r=122k IOPS][eta 00m:05s] */
static void
status_line(struct bench_monitor *m, const struct bench_progress *p)
{
	uint64_t bytes = 0, ios = 0, left;
	double secs = (double)(p->now_ns - m->status_at) / 1e9, bw;
	char rate[32], iops[32], eta[32], line[256];
	const char *unit = "KiB";
	size_t i;
	int len;

	for (i = 0; i < p->nresults; i++) {
		bytes += p->results[i].bytes;
		ios += p->results[i].requests;
	}
	bw = (double)(bytes - m->status_bytes) / 1024.0 / secs;
	if (bw >= 1024 * 10) {
		bw /= 1024;
		unit = "MiB";
	}
	if (bw >= 1024 * 10) {
		bw /= 1024;
		unit = "GiB";
	}
	snprintf(rate, sizeof(rate), "%.0f%s/s", bw, unit);
	bench_monitor_count(iops, sizeof(iops),
	    (double)(ios - m->status_ios) / secs);
	/* time left: what the part done took, scaled to the part left */
	if (p->done > 0.001)
		left = (uint64_t)((double)(p->now_ns - m->started_at) / 1e9 *
		    (1 - p->done) / p->done + 0.5);
	else
		left = 0;
	bench_monitor_eta(eta, sizeof(eta), left);
	len = snprintf(line, sizeof(line), "Jobs: %u (f=%u): [R(%u)][%.1f%%]"
	    "[r=%s][r=%s IOPS][eta %s]", p->clones_running, p->clones_running,
	    p->clones_running, p->done * 100, rate, iops, eta);
	if (len < 0)
		return;
	/* pad over a longer previous line, then back to the start */
	fprintf(m->status, "%s%*s\r", line,
	    m->status_len > len ? m->status_len - len : 0, "");
	fflush(m->status);
	m->status_len = len;
	m->status_bytes = bytes;
	m->status_ios = ios;
	m->status_at = p->now_ns;
}

/* A full report of the counts so far, as fio's --status-interval does. */
static void
interim(struct bench_monitor *m, const struct bench_progress *p)
{
	struct bench_result *res, *total;
	struct bench_report rep;
	size_t i;

	res = calloc(p->nresults + 1, sizeof(*res));
	if (res == NULL)
		return;
	total = &res[p->nresults];
	bench_result_init(total, "total", 0);
	for (i = 0; i < p->nresults; i++) {
		res[i] = p->results[i];
		res[i].elapsed_ns = p->now_ns - p->window_start_ns;
		res[i].bw_kib = m->clones[i].bw_kib;
		res[i].iops = m->clones[i].iops;
		bench_result_merge(total, &res[i]);
	}
	total->bw_kib = m->clones[m->n].bw_kib;
	total->iops = m->clones[m->n].iops;
	rep.results = res;
	rep.jobs = m->jobs;
	rep.nresults = p->nresults;
	rep.total = total;
	rep.group_reporting = m->group_reporting;
	bench_monitor_erase(m);
	(void)bench_report_write(m->out, m->format, &rep);
	fflush(m->out);
	free(res);
}

void
bench_monitor_tick(void *arg, const struct bench_progress *p)
{
	struct bench_monitor *m = arg;
	size_t i;

	if (!m->started) {
		m->started = true;
		m->started_at = p->now_ns;
		m->status_at = p->now_ns;
		m->next_status = p->now_ns + BENCH_STATUS_MS * 1000000u;
	}
	if (p->measuring && m->last_sample == 0) {
		/* the window opens: every period counts from here */
		m->last_sample = p->window_start_ns;
		m->next_sample = p->window_start_ns + BENCH_SAMPLE_MS * 1000000u;
		m->next_interim = p->window_start_ns + m->interval_ms * 1000000u;
		for (i = 0; i < m->n; i++) {
			m->clones[i].log_at = p->window_start_ns;
			m->clones[i].next_log = p->window_start_ns +
			    (uint64_t)m->jobs[i]->log_avg_msec * 1000000u;
		}
	}
	if (p->measuring && p->now_ns >= m->next_sample) {
		sample(m, p);
		m->next_sample += BENCH_SAMPLE_MS * 1000000u;
		if (m->next_sample <= p->now_ns)
			m->next_sample = p->now_ns + BENCH_SAMPLE_MS * 1000000u;
	}
	for (i = 0; p->measuring && i < m->n; i++) {
		struct bench_monitor_clone *mc = &m->clones[i];
		uint64_t period = (uint64_t)m->jobs[i]->log_avg_msec * 1000000u;

		if (p->now_ns < mc->next_log)
			continue;
		log_clone(mc, &p->results[i], p->now_ns, p->window_start_ns);
		mc->next_log += period;
		if (mc->next_log <= p->now_ns)
			mc->next_log = p->now_ns + period;
	}
	if (m->interval_ms > 0 && p->measuring && p->now_ns >= m->next_interim) {
		interim(m, p);
		m->next_interim = p->now_ns + m->interval_ms * 1000000u;
	}
	if (m->status != NULL && p->now_ns >= m->next_status) {
		status_line(m, p);
		m->next_status = p->now_ns + BENCH_STATUS_MS * 1000000u;
	}
}

void
bench_monitor_erase(struct bench_monitor *m)
{
	if (m->status == NULL || m->status_len == 0)
		return;
	fprintf(m->status, "%*s\r", m->status_len, "");
	fflush(m->status);
	m->status_len = 0;
}

void
bench_monitor_close(struct bench_monitor *m, struct bench_result *results,
    struct bench_result *total)
{
	size_t i, k;

	if (m->clones == NULL)
		return;
	bench_monitor_erase(m);
	for (i = 0; i <= m->n; i++) {
		if (results != NULL && i < m->n) {
			results[i].bw_kib = m->clones[i].bw_kib;
			results[i].iops = m->clones[i].iops;
		}
		if (total != NULL && i == m->n) {
			total->bw_kib = m->clones[i].bw_kib;
			total->iops = m->clones[i].iops;
		}
		for (k = 0; k < NLOGS; k++)
			if (m->clones[i].log[k] != NULL)
				fclose(m->clones[i].log[k]);
	}
	free(m->clones);
	m->clones = NULL;
}
