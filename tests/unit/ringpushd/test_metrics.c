/*
 * test_metrics.c: the exact exposition text for a known snapshot, the
 * too-small buffer, and the figures read from /proc.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "metrics.h"

static const struct metrics known = {
	.connections_open = 7,
	.transfers_in_flight = 3,
	.pipes_free = 60,
	.pipes_used = 4,
	.request_buffers_used = 9,
	.request_buffers_free = 991,
	.pipes_shrunk_total = 17,
	.engine_fallbacks_total = {
		[METRICS_FALLBACK_NO_PIPE] = 639,
		[METRICS_FALLBACK_PIPE_SHRUNK] = 18,
		[METRICS_FALLBACK_NO_MAPPING] = 19,
	},
	.connections_accepted_total = 1000,
	.connections_refused_total = {
		[METRICS_REFUSED_MAX_CONNECTIONS] = 5,
		[METRICS_REFUSED_PER_IP] = 6,
		[METRICS_REFUSED_FD_LIMIT] = 8,
	},
	.connections_idle = 2,
	.connections_max = 10000,
	.connections_reclaimed_total = 17,
	.accept_errors_total = {
		[METRICS_ACCEPT_EMFILE] = 31,
		[METRICS_ACCEPT_ENFILE] = 32,
		[METRICS_ACCEPT_NOMEM] = 33,
		[METRICS_ACCEPT_OTHER] = 34,
	},
	.requests_total = { 1, 900, 30, 40, 2 },
	.bytes_sent_total = {
		[METRICS_ENGINE_SPLICE] = 18446744073709551615ULL,
		[METRICS_ENGINE_SMALL] = 4096,
		[METRICS_ENGINE_SENDFILE] = 65536,
		[METRICS_ENGINE_COPY] = 1048576,
		[METRICS_ENGINE_MMAP] = 2097152,
	},
	.file_open_total = { [METRICS_OPEN_OK] = 950, [METRICS_OPEN_ERROR] = 21 },
	.ring_submissions_total = 123456,
	.ring_completions_total = 123450,
	.ring_cq_overflow_total = 0,
	.timer_expirations_total = 9,
	.open_file_cache_hits_total = 700,
	.open_file_cache_misses_total = 271,
	.file_cache_hits_total = 1200,
	.file_cache_bytes = 40960,
	.send_zc_total = 64,
	.send_zc_copied_total = 63,
	.bytes_received_total = 1048576,
	.uploads_total = { 11, 12, 13, 14, 15, 16, 17 },
	.recv_buffers_exhausted_total = 20,
	.paced_bodies_total = 21,
	.process_cpu_seconds_total = 12.37,
	.process_resident_memory_bytes = 8388608,
	.process_start_time_seconds = 1732594560.25,
};

static const char known_text[] =
"# HELP ringpushd_connections_open Client connections open now.\n"
"# TYPE ringpushd_connections_open gauge\n"
"ringpushd_connections_open 7\n"
"# HELP ringpushd_connections_accepted_total Client connections accepted.\n"
"# TYPE ringpushd_connections_accepted_total counter\n"
"ringpushd_connections_accepted_total 1000\n"
"# HELP ringpushd_connections_refused_total Client connections closed at once because a limit was reached.\n"
"# TYPE ringpushd_connections_refused_total counter\n"
"ringpushd_connections_refused_total{reason=\"max_connections\"} 5\n"
"ringpushd_connections_refused_total{reason=\"per_ip\"} 6\n"
"ringpushd_connections_refused_total{reason=\"fd_limit\"} 8\n"
"# HELP ringpushd_connections_idle Keep-alive connections waiting for their next request, the first closed at a limit.\n"
"# TYPE ringpushd_connections_idle gauge\n"
"ringpushd_connections_idle 2\n"
"# HELP ringpushd_connections_max max_connections in force: the configured value, or less when the file descriptor limit cannot hold it.\n"
"# TYPE ringpushd_connections_max gauge\n"
"ringpushd_connections_max 10000\n"
"# HELP ringpushd_connections_reclaimed_total Idle connections closed to make room at max_connections or at the file descriptor limit.\n"
"# TYPE ringpushd_connections_reclaimed_total counter\n"
"ringpushd_connections_reclaimed_total 17\n"
"# HELP ringpushd_accept_errors_total Accepts that failed while a connection waited, by reason; it waits on in the backlog.\n"
"# TYPE ringpushd_accept_errors_total counter\n"
"ringpushd_accept_errors_total{reason=\"emfile\"} 31\n"
"ringpushd_accept_errors_total{reason=\"enfile\"} 32\n"
"ringpushd_accept_errors_total{reason=\"nomem\"} 33\n"
"ringpushd_accept_errors_total{reason=\"other\"} 34\n"
"# HELP ringpushd_requests_total Requests answered, by status class.\n"
"# TYPE ringpushd_requests_total counter\n"
"ringpushd_requests_total{code=\"1xx\"} 1\n"
"ringpushd_requests_total{code=\"2xx\"} 900\n"
"ringpushd_requests_total{code=\"3xx\"} 30\n"
"ringpushd_requests_total{code=\"4xx\"} 40\n"
"ringpushd_requests_total{code=\"5xx\"} 2\n"
"# HELP ringpushd_bytes_sent_total Response bytes sent (headers and bodies), by transfer path.\n"
"# TYPE ringpushd_bytes_sent_total counter\n"
"ringpushd_bytes_sent_total{engine=\"splice\"} 18446744073709551615\n"
"ringpushd_bytes_sent_total{engine=\"small\"} 4096\n"
"ringpushd_bytes_sent_total{engine=\"sendfile\"} 65536\n"
"ringpushd_bytes_sent_total{engine=\"copy\"} 1048576\n"
"ringpushd_bytes_sent_total{engine=\"mmap\"} 2097152\n"
"# HELP ringpushd_transfers_in_flight Response bodies being sent now.\n"
"# TYPE ringpushd_transfers_in_flight gauge\n"
"ringpushd_transfers_in_flight 3\n"
"# HELP ringpushd_pipes_free Pipes in the pool ready for a splice transfer.\n"
"# TYPE ringpushd_pipes_free gauge\n"
"ringpushd_pipes_free 60\n"
"# HELP ringpushd_pipes_used Pipes of the pool lent to transfers now.\n"
"# TYPE ringpushd_pipes_used gauge\n"
"ringpushd_pipes_used 4\n"
"# HELP ringpushd_request_buffers_used Request buffers lent to connections with a request under way.\n"
"# TYPE ringpushd_request_buffers_used gauge\n"
"ringpushd_request_buffers_used 9\n"
"# HELP ringpushd_request_buffers_free Request buffers not lent (most of them reserved, not in memory).\n"
"# TYPE ringpushd_request_buffers_free gauge\n"
"ringpushd_request_buffers_free 991\n"
"# HELP ringpushd_pipes_shrunk_total Pipes the kernel made smaller than pipe_size (past fs.pipe-user-pages-soft).\n"
"# TYPE ringpushd_pipes_shrunk_total counter\n"
"ringpushd_pipes_shrunk_total 17\n"
"# HELP ringpushd_engine_fallbacks_total Response bodies sent by sendfile or copy because their engine could not have what it needs, by reason.\n"
"# TYPE ringpushd_engine_fallbacks_total counter\n"
"ringpushd_engine_fallbacks_total{reason=\"no_pipe\"} 639\n"
"ringpushd_engine_fallbacks_total{reason=\"pipe_shrunk\"} 18\n"
"ringpushd_engine_fallbacks_total{reason=\"no_mapping\"} 19\n"
"# HELP ringpushd_file_open_total Requested files opened, by result.\n"
"# TYPE ringpushd_file_open_total counter\n"
"ringpushd_file_open_total{result=\"ok\"} 950\n"
"ringpushd_file_open_total{result=\"error\"} 21\n"
"# HELP ringpushd_ring_submissions_total Submission queue entries submitted to the io_uring.\n"
"# TYPE ringpushd_ring_submissions_total counter\n"
"ringpushd_ring_submissions_total 123456\n"
"# HELP ringpushd_ring_completions_total Completion queue entries reaped from the io_uring.\n"
"# TYPE ringpushd_ring_completions_total counter\n"
"ringpushd_ring_completions_total 123450\n"
"# HELP ringpushd_ring_cq_overflow_total Completions the kernel lost because the completion queue was full and it could not hold them back.\n"
"# TYPE ringpushd_ring_cq_overflow_total counter\n"
"ringpushd_ring_cq_overflow_total 0\n"
"# HELP ringpushd_timer_expirations_total Connections closed because a deadline expired.\n"
"# TYPE ringpushd_timer_expirations_total counter\n"
"ringpushd_timer_expirations_total 9\n"
"# HELP ringpushd_open_file_cache_hits_total Requests served from a file kept open by the open-file cache.\n"
"# TYPE ringpushd_open_file_cache_hits_total counter\n"
"ringpushd_open_file_cache_hits_total 700\n"
"# HELP ringpushd_open_file_cache_misses_total Requests that had to open their file.\n"
"# TYPE ringpushd_open_file_cache_misses_total counter\n"
"ringpushd_open_file_cache_misses_total 271\n"
"# HELP ringpushd_file_cache_hits_total Responses whose body came from the bytes kept in memory (file_cache_size), with no read.\n"
"# TYPE ringpushd_file_cache_hits_total counter\n"
"ringpushd_file_cache_hits_total 1200\n"
"# HELP ringpushd_file_cache_bytes Bytes of small files kept in memory.\n"
"# TYPE ringpushd_file_cache_bytes gauge\n"
"ringpushd_file_cache_bytes 40960\n"
"# HELP ringpushd_send_zc_total Zero-copy sends (IORING_OP_SEND_ZC) of the mmap engine.\n"
"# TYPE ringpushd_send_zc_total counter\n"
"ringpushd_send_zc_total 64\n"
"# HELP ringpushd_send_zc_copied_total Zero-copy sends whose bytes the kernel copied all the same, as its notification reported (loopback always does).\n"
"# TYPE ringpushd_send_zc_copied_total counter\n"
"ringpushd_send_zc_copied_total 63\n"
"# HELP ringpushd_bytes_received_total Upload body bytes received.\n"
"# TYPE ringpushd_bytes_received_total counter\n"
"ringpushd_bytes_received_total 1048576\n"
"# HELP ringpushd_uploads_total PUT and DELETE requests on upload listeners, by outcome.\n"
"# TYPE ringpushd_uploads_total counter\n"
"ringpushd_uploads_total{outcome=\"created\"} 11\n"
"ringpushd_uploads_total{outcome=\"replaced\"} 12\n"
"ringpushd_uploads_total{outcome=\"deleted\"} 13\n"
"ringpushd_uploads_total{outcome=\"refused\"} 14\n"
"ringpushd_uploads_total{outcome=\"failed\"} 15\n"
"ringpushd_uploads_total{outcome=\"no_space\"} 16\n"
"ringpushd_uploads_total{outcome=\"aborted\"} 17\n"
"# HELP ringpushd_recv_buffers_exhausted_total Receives that found the shared receive buffer ring empty (the connection was then read the slower way).\n"
"# TYPE ringpushd_recv_buffers_exhausted_total counter\n"
"ringpushd_recv_buffers_exhausted_total 20\n"
"# HELP ringpushd_paced_bodies_total Bodies of 256 KiB up to 4 MiB sent without send_lowat because their connection had left slow start.\n"
"# TYPE ringpushd_paced_bodies_total counter\n"
"ringpushd_paced_bodies_total 21\n"
"# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
"# TYPE process_cpu_seconds_total counter\n"
"process_cpu_seconds_total 12.37\n"
"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
"# TYPE process_resident_memory_bytes gauge\n"
"process_resident_memory_bytes 8388608\n"
"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
"# TYPE process_start_time_seconds gauge\n"
"process_start_time_seconds 1732594560.25\n";

Test(metrics, exact_text)
{
	static char buf[8192];
	int len;

	len = metrics_format(&known, buf, sizeof(buf));
	cr_assert_eq(len, (int)strlen(known_text), "length %d", len);
	cr_expect_str_eq(buf, known_text);
}

/* Counts of lines starting with prefix. */
static int
count_lines(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *line = text;
	int n = 0;

	while (*line != '\0') {
		if (strncmp(line, prefix, plen) == 0)
			n++;
		if ((line = strchr(line, '\n')) == NULL)
			break;
		line++;
	}
	return n;
}

/* Each family: one HELP, one TYPE, before its first sample; every line
 * ends in a newline; every sample name is one the format allows. */
Test(metrics, one_header_per_family)
{
	static const char *const families[] = {
		"ringpushd_connections_open", "ringpushd_connections_accepted_total",
		"ringpushd_connections_refused_total",
		"ringpushd_connections_idle", "ringpushd_connections_max",
		"ringpushd_connections_reclaimed_total", "ringpushd_accept_errors_total",
		"ringpushd_requests_total",
		"ringpushd_bytes_sent_total", "ringpushd_transfers_in_flight",
		"ringpushd_pipes_free", "ringpushd_pipes_used",
		"ringpushd_request_buffers_used", "ringpushd_request_buffers_free",
		"ringpushd_pipes_shrunk_total", "ringpushd_engine_fallbacks_total",
		"ringpushd_file_open_total", "ringpushd_ring_submissions_total",
		"ringpushd_ring_completions_total",
		"ringpushd_ring_cq_overflow_total",
		"ringpushd_timer_expirations_total",
		"ringpushd_open_file_cache_hits_total",
		"ringpushd_open_file_cache_misses_total", "ringpushd_file_cache_hits_total",
		"ringpushd_file_cache_bytes", "ringpushd_send_zc_total",
		"ringpushd_send_zc_copied_total",
		"ringpushd_bytes_received_total", "ringpushd_uploads_total",
		"ringpushd_recv_buffers_exhausted_total",
		"ringpushd_paced_bodies_total",
		"process_cpu_seconds_total",
		"process_resident_memory_bytes", "process_start_time_seconds",
	};
	static char buf[8192];
	char prefix[128];
	size_t i;
	int len, samples = 0;

	len = metrics_format(&known, buf, sizeof(buf));
	cr_assert_gt(len, 0);
	cr_expect_eq(buf[len - 1], '\n');
	cr_expect_eq(count_lines(buf, "# HELP "), 34);
	cr_expect_eq(count_lines(buf, "# TYPE "), 34);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char *help, *type, *sample;

		snprintf(prefix, sizeof(prefix), "# HELP %s ", families[i]);
		cr_expect_eq(count_lines(buf, prefix), 1, "%s", prefix);
		help = strstr(buf, prefix);
		snprintf(prefix, sizeof(prefix), "# TYPE %s ", families[i]);
		cr_expect_eq(count_lines(buf, prefix), 1, "%s", prefix);
		type = strstr(buf, prefix);
		snprintf(prefix, sizeof(prefix), "\n%s", families[i]);
		sample = strstr(buf, prefix);
		cr_assert(help && type && sample, "%s", families[i]);
		cr_expect(help < type && type < sample, "%s out of order",
		    families[i]);
		samples += count_lines(buf, families[i]);
	}
	/* 31 families of ours with 3 + 4 + 5 + 5 + 3 + 2 + 7 labelled
	 * samples, 3 of process: 24 + 29 + 3 sample lines, and nothing else. */
	cr_expect_eq(samples, 56);
	cr_expect_eq(count_lines(buf, ""), 34 * 2 + 56);
}

Test(metrics, cap_too_small)
{
	static char buf[8192];
	size_t len = strlen(known_text), cap;

	/* Every cap short of the text plus its NUL is refused. */
	for (cap = 0; cap <= len; cap++) {
		errno = 0;
		cr_assert_eq(metrics_format(&known, buf, cap), -1, "cap %zu",
		    cap);
		cr_assert_eq(errno, ENOSPC);
	}
	cr_expect_eq(metrics_format(&known, buf, len + 1), (int)len);
	cr_expect_str_eq(buf, known_text);
}

Test(metrics, zero_snapshot)
{
	static char buf[8192];
	struct metrics zero;

	memset(&zero, 0, sizeof(zero));
	cr_assert_gt(metrics_format(&zero, buf, sizeof(buf)), 0);
	cr_expect(strstr(buf, "\nringpushd_requests_total{code=\"4xx\"} 0\n")
	    != NULL);
	cr_expect(strstr(buf, "\nprocess_cpu_seconds_total 0\n") != NULL);
	cr_expect(strstr(buf, "\nprocess_start_time_seconds 0\n") != NULL);
}

Test(metrics, code_index)
{
	cr_expect_eq(metrics_code_index(100), METRICS_CODE_1XX);
	cr_expect_eq(metrics_code_index(200), METRICS_CODE_2XX);
	cr_expect_eq(metrics_code_index(206), METRICS_CODE_2XX);
	cr_expect_eq(metrics_code_index(304), METRICS_CODE_3XX);
	cr_expect_eq(metrics_code_index(499), METRICS_CODE_4XX);
	cr_expect_eq(metrics_code_index(599), METRICS_CODE_5XX);
	cr_expect_eq(metrics_code_index(99), -1);
	cr_expect_eq(metrics_code_index(600), -1);
	cr_expect_eq(metrics_code_index(0), -1);
	cr_expect_eq(metrics_code_index(-200), -1);
}

Test(metrics, read_process)
{
	struct metrics m;
	double before;
	time_t now;

	memset(&m, 0, sizeof(m));
	m.requests_total[METRICS_CODE_2XX] = 77;
	m.process_cpu_seconds_total = -1;
	cr_assert_eq(metrics_read_process(&m), 0, "%s", strerror(errno));
	now = time(NULL);
	cr_expect_geq(m.process_cpu_seconds_total, 0);
	cr_expect_gt(m.process_resident_memory_bytes, 0);
	cr_expect_eq(m.process_resident_memory_bytes %
	    (uint64_t)sysconf(_SC_PAGESIZE), 0);
	/* Started since boot, not in the future (one tick of rounding). */
	cr_expect_gt(m.process_start_time_seconds, 1e9);
	cr_expect_leq(m.process_start_time_seconds, (double)now + 1,
	    "start %.2f now %ld", m.process_start_time_seconds, (long)now);
	cr_expect_eq(m.requests_total[METRICS_CODE_2XX], 77,
	    "touched a counter");
	/* CPU time only grows. */
	before = m.process_cpu_seconds_total;
	cr_assert_eq(metrics_read_process(&m), 0);
	cr_expect_geq(m.process_cpu_seconds_total, before);
}
