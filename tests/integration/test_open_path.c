/*
 * test_open_path.c: the daemon's own open (openat2 on the ring, with the
 * listener's open_how) and the counters around it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

static void
start_with(struct rp_daemon *d, const char *daemon_keys, const char *listener_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n%s\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n%s",
	    daemon_keys, d->root, listener_keys);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static double
metric(const struct rp_daemon *d, const char *name)
{
	struct rp_response r;
	char *text;
	double v;

	rp_get(d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	text = strndup((const char *)r.body, r.body_len);
	cr_assert_not_null(text);
	rp_response_free(&r);
	v = rp_sample(text, name);
	free(text);
	return v;
}

Test(open_path, cache_off_counts_every_open_as_a_miss)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "data\n", 5);
	start_with(&d, "open_file_cache = 0\n", "");
	for (int i = 0; i < 5; i++) {
		rp_get(&d, "/f.txt", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	cr_assert_eq(metric(&d, "ringpushd_file_open_total{result=\"ok\"}"), 5);
	cr_assert_eq(metric(&d, "ringpushd_open_file_cache_hits_total"), 0);
	cr_assert_eq(metric(&d, "ringpushd_open_file_cache_misses_total"), 5);
	rp_stop(&d);
}
