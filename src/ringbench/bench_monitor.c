/*
 * bench_monitor.c: the figures and lines ringbench writes while it runs.
 *
 * Everything here runs from the engine's progress tick (at least every
 * 100 ms), reads the counts the engine keeps, and never touches the ring.
 * Log lines are fio's "msec, value, ddir, bs, offset" (ddir 0 is read, 1
 * write): with log_avg_msec > 0 the value is averaged over the period and
 * bs and offset are 0, as fio writes an averaged log; with 0, one line per
 * request with its bytes and offset, as fio logs every I/O.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_monitor.h"
#include "bench_report.h"

enum { LOG_BW, LOG_IOPS, LOG_LAT, LOG_CLAT, LOG_SLAT, NLOGS };

/* One direction's counts at the last sample and log line. */
struct monitor_dir {
	uint64_t sample_bytes;
	uint64_t sample_ios;
	struct bench_series bw_kib;
	struct bench_series iops;
	uint64_t log_bytes;
	uint64_t log_ios;
	double log_sum[NLOGS];          /* latency sums, by log */
};

/* What one clone (or the total) had at the last sample and log line. */
struct bench_monitor_clone {
	struct monitor_dir dir[BENCH_NDDIR];
	FILE *log[NLOGS];
	uint64_t next_log;
	uint64_t log_at;
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
	m->ngroups = n > 0 ? jobs[n - 1]->group + 1 : 1;
	m->groups = calloc(m->ngroups, sizeof(*m->groups));
	if (m->clones == NULL || m->groups == NULL) {
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

/* One direction of one clone, or of the total, for a new sample. */
static void
sample_dir(struct monitor_dir *md, uint64_t bytes, uint64_t ios, double secs)
{
	bench_series_add(&md->bw_kib,
	    (double)(bytes - md->sample_bytes) / 1024.0 / secs);
	bench_series_add(&md->iops, (double)(ios - md->sample_ios) / secs);
	md->sample_bytes = bytes;
	md->sample_ios = ios;
}

/* Bandwidth and requests/s of every clone running and of the total since
 * the last sample, by direction, for fio's bw_* and iops_* figures. */
static void
sample(struct bench_monitor *m, const struct bench_progress *p)
{
	struct bench_monitor_clone *total = &m->clones[m->n];
	const struct bench_io_stats *io;
	uint64_t tbytes[BENCH_NDDIR] = { 0, 0 }, tios[BENCH_NDDIR] = { 0, 0 };
	double secs = (double)(p->now_ns - m->last_sample) / 1e9;
	size_t i;
	unsigned d;

	for (i = 0; i < p->nresults; i++) {
		for (d = 0; d < BENCH_NDDIR; d++) {
			io = &p->results[i].io[d];
			sample_dir(&m->clones[m->base + i].dir[d], io->bytes,
			    io->requests, secs);
			tbytes[d] += io->bytes;
			tios[d] += io->requests;
		}
	}
	for (d = 0; d < BENCH_NDDIR; d++) {
		sample_dir(&total->dir[d], tbytes[d], tios[d], secs);
		sample_dir(&m->groups[m->group].dir[d], tbytes[d], tios[d], secs);
	}
	m->last_sample = p->now_ns;
}

static void
log_line(FILE *f, uint64_t msec, uint64_t value, unsigned dir, uint64_t bs,
    uint64_t offset)
{
	if (f != NULL)
		fprintf(f, "%" PRIu64 ", %" PRIu64 ", %u, %" PRIu64 ", %" PRIu64
		    "\n", msec, value, dir, bs, offset);
}

/* One averaged line per direction the job uses in each of a clone's logs. */
static void
log_clone(struct bench_monitor_clone *mc, const struct bench_job *j,
    const struct bench_result *r, uint64_t now, uint64_t window_start)
{
	uint64_t msec = (now - window_start) / 1000000u;
	double secs = (double)(now - mc->log_at) / 1e9;
	const struct bench_io_stats *io;
	const struct bench_hist *lat[NLOGS];
	struct monitor_dir *md;
	uint64_t n;
	unsigned d, k;

	for (d = 0; d < BENCH_NDDIR; d++) {
		if (!(d == BENCH_DDIR_READ ? bench_rw_reads(j->rw) :
		    bench_rw_writes(j->rw)))
			continue;
		io = &r->io[d];
		md = &mc->dir[d];
		n = io->requests - md->log_ios;
		log_line(mc->log[LOG_BW], msec, (uint64_t)((double)(io->bytes -
		    md->log_bytes) / 1024.0 / secs + 0.5), d, 0, 0);
		log_line(mc->log[LOG_IOPS], msec,
		    (uint64_t)((double)n / secs + 0.5), d, 0, 0);
		lat[LOG_LAT] = &io->lat;
		lat[LOG_CLAT] = &io->clat;
		lat[LOG_SLAT] = &io->slat;
		for (k = LOG_LAT; k < NLOGS; k++) {
			/* as fio: a latency line only where requests completed */
			if (n > 0)
				log_line(mc->log[k], msec, (uint64_t)((lat[k]->sum -
				    md->log_sum[k]) / (double)n + 0.5), d, 0, 0);
			md->log_sum[k] = lat[k]->sum;
		}
		md->log_bytes = io->bytes;
		md->log_ios = io->requests;
	}
	mc->log_at = now;
}

void
bench_monitor_io(void *arg, size_t clone, const struct bench_io_done *io)
{
	struct bench_monitor *m = arg;
	struct bench_monitor_clone *mc = &m->clones[m->base + clone];
	uint64_t msec = (io->now_ns - io->window_start_ns) / 1000000u;
	uint64_t lat = io->slat_ns + io->clat_ns;

	log_line(mc->log[LOG_LAT], msec, lat, io->dir, io->bytes, io->offset);
	log_line(mc->log[LOG_CLAT], msec, io->clat_ns, io->dir, io->bytes,
	    io->offset);
	log_line(mc->log[LOG_SLAT], msec, io->slat_ns, io->dir, io->bytes,
	    io->offset);
	/* fio logs one I/O's bandwidth as its bytes over its latency, and a
	 * count of one in the IOPS log */
	log_line(mc->log[LOG_BW], msec, lat > 0 ? (uint64_t)((double)io->bytes *
	    1e9 / 1024.0 / (double)lat + 0.5) : 0, io->dir, io->bytes,
	    io->offset);
	log_line(mc->log[LOG_IOPS], msec, 1, io->dir, io->bytes, io->offset);
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

static void
status_rate(char *buf, size_t len, double kib)
{
	const char *unit = "KiB";

	if (kib >= 1024 * 10) {
		kib /= 1024;
		unit = "MiB";
	}
	if (kib >= 1024 * 10) {
		kib /= 1024;
		unit = "GiB";
	}
	snprintf(buf, len, "%.0f%s/s", kib, unit);
}

/* fio's letter for a running job: R read, r randread, W write, w
 * randwrite, M rw, m randrw */
static char
status_letter(enum bench_rw rw)
{
	static const char letter[] = {
		[BENCH_RW_READ] = 'R', [BENCH_RW_RANDREAD] = 'r',
		[BENCH_RW_WRITE] = 'W', [BENCH_RW_RANDWRITE] = 'w',
		[BENCH_RW_RW] = 'M', [BENCH_RW_RANDRW] = 'm',
	};

	return letter[rw];
}

/*
 * fio's line: Jobs: 2 (f=2): [R(2)][45.0%][r=478MiB/s][r=122k IOPS][eta
 * 00m:05s], with "w=" for writes and both when a run has both.
 */
static void
status_line(struct bench_monitor *m, const struct bench_progress *p)
{
	uint64_t bytes[BENCH_NDDIR] = { 0, 0 }, ios[BENCH_NDDIR] = { 0, 0 };
	uint64_t left;
	double secs = (double)(p->now_ns - m->status_at) / 1e9;
	char rate[2][32], iops[2][32], eta[32], line[256], bw[80], io[80];
	static const char ddir_key[] = { 'r', 'w' };
	bool any[BENCH_NDDIR] = { false, false };
	size_t i;
	int len;
	unsigned d;

	for (i = 0; i < p->nresults; i++) {
		for (d = 0; d < BENCH_NDDIR; d++) {
			bytes[d] += p->results[i].io[d].bytes;
			ios[d] += p->results[i].io[d].requests;
		}
		any[BENCH_DDIR_READ] |= bench_rw_reads(m->jobs[m->base + i]->rw);
		any[BENCH_DDIR_WRITE] |= bench_rw_writes(m->jobs[m->base + i]->rw);
	}
	bw[0] = io[0] = '\0';
	for (d = 0; d < BENCH_NDDIR; d++) {
		if (!any[d])
			continue;
		status_rate(rate[d], sizeof(rate[d]),
		    (double)(bytes[d] - m->status_bytes[d]) / 1024.0 / secs);
		bench_monitor_count(iops[d], sizeof(iops[d]),
		    (double)(ios[d] - m->status_ios[d]) / secs);
		snprintf(bw + strlen(bw), sizeof(bw) - strlen(bw), "%s%c=%s",
		    bw[0] != '\0' ? "," : "", ddir_key[d], rate[d]);
		snprintf(io + strlen(io), sizeof(io) - strlen(io), "%s%c=%s",
		    io[0] != '\0' ? "," : "", ddir_key[d], iops[d]);
		m->status_bytes[d] = bytes[d];
		m->status_ios[d] = ios[d];
	}
	/* time left: what the part done took, scaled to the part left */
	if (p->done > 0.001)
		left = (uint64_t)((double)(p->now_ns - m->started_at) / 1e9 *
		    (1 - p->done) / p->done + 0.5);
	else
		left = 0;
	bench_monitor_eta(eta, sizeof(eta), left);
	len = snprintf(line, sizeof(line), "Jobs: %u (f=%u): [%c(%u)][%.1f%%]"
	    "[%s][%s IOPS][eta %s]", p->clones_running, p->clones_running,
	    status_letter(m->jobs[m->base]->rw), p->clones_running,
	    p->done * 100, bw, io, eta);
	if (len < 0)
		return;
	/* pad over a longer previous line, then back to the start */
	fprintf(m->status, "%s%*s\r", line,
	    m->status_len > len ? m->status_len - len : 0, "");
	fflush(m->status);
	m->status_len = len;
	m->status_at = p->now_ns;
}

static void
copy_series(struct bench_result *r, const struct bench_monitor_clone *mc)
{
	unsigned d;

	for (d = 0; d < BENCH_NDDIR; d++) {
		r->io[d].bw_kib = mc->dir[d].bw_kib;
		r->io[d].iops = mc->dir[d].iops;
	}
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
		copy_series(&res[i], &m->clones[m->base + i]);
		bench_result_merge(total, &res[i]);
	}
	copy_series(total, &m->clones[m->n]);
	rep.results = res;
	rep.jobs = m->jobs + m->base;
	rep.nresults = p->nresults;
	rep.total = total;
	rep.group_reporting = m->group_reporting;
	/* the running group's total so far */
	total->group = p->results[0].group;
	rep.groups = total;
	rep.ngroups = 1;
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
		for (i = m->base; i < m->base + p->nresults; i++) {
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
	for (i = 0; p->measuring && i < p->nresults; i++) {
		struct bench_monitor_clone *mc = &m->clones[m->base + i];
		const struct bench_job *j = m->jobs[m->base + i];
		uint64_t period = (uint64_t)j->log_avg_msec * 1000000u;

		/* log_avg_msec=0 logs each request as it completes */
		if (period == 0 || p->now_ns < mc->next_log)
			continue;
		log_clone(mc, j, &p->results[i], p->now_ns, p->window_start_ns);
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
bench_monitor_group(struct bench_monitor *m, size_t base)
{
	struct bench_monitor_clone *total = &m->clones[m->n];
	unsigned d;

	m->base = base;
	m->group = base < m->n ? m->jobs[base]->group : 0;
	/* the group's window opens anew; its counts start from zero */
	m->last_sample = 0;
	for (d = 0; d < BENCH_NDDIR; d++) {
		total->dir[d].sample_bytes = total->dir[d].sample_ios = 0;
		m->status_bytes[d] = m->status_ios[d] = 0;
	}
}

void
bench_monitor_group_series(const struct bench_monitor *m,
    struct bench_result *totals, size_t ngroups)
{
	size_t g;

	for (g = 0; g < ngroups && g < m->ngroups; g++)
		copy_series(&totals[g], &m->groups[g]);
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
		if (results != NULL && i < m->n)
			copy_series(&results[i], &m->clones[i]);
		if (total != NULL && i == m->n)
			copy_series(total, &m->clones[i]);
		for (k = 0; k < NLOGS; k++)
			if (m->clones[i].log[k] != NULL)
				fclose(m->clones[i].log[k]);
	}
	free(m->clones);
	free(m->groups);
	m->clones = NULL;
	m->groups = NULL;
}
