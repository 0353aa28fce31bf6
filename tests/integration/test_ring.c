/*
 * test_ring.c: the daemon's smallest ring under a burst.  Small bodies go
 * out as a READ linked to a SEND from a pool buffer; with a 64-entry SQ
 * the loop submits in the middle of a turn, and an OPENAT2 that fails
 * while the kernel reads it (a path of PATH_MAX bytes) must not split a
 * READ from its SEND: a SEND run alone could carry stale buffer bytes.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define CONNS 48
#define PER_CONN 6
#define FILES 16
#define SMALL (12 * 1024)

static void
send_long_path(struct rp_conn *c)
{
	static char req[PATH_MAX + 128];
	int len = snprintf(req, sizeof(req), "GET /");

	/* 2,049 names of one letter: no name is too long, the whole is */
	for (int i = 0; i < 2049; i++)
		len += snprintf(req + len, sizeof(req) - (size_t)len, "a/");
	len += snprintf(req + len, sizeof(req) - (size_t)len, " HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_lt((size_t)len, sizeof(req));
	rp_send(c, req, (size_t)len);
}

Test(ring, small_ring_burst_with_failing_opens_keeps_every_body_whole, .timeout = 240)
{
	struct rp_daemon d;
	struct rp_conn *c[CONNS];
	char conf[4096 + 2 * PATH_MAX], name[32], req[8 * 64];

	rp_setup(&d);
	for (int f = 0; f < FILES; f++) {
		snprintf(name, sizeof(name), "s%d.bin", f);
		rp_make_file(&d, name, SMALL, 100 + (uint64_t)f);
	}
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "max_request_header", "16K");
	{
		/* ring_entries belongs to [daemon], which ends at [limits] */
		static const char line[] = "ring_entries = 64\n\n";
		char *p = strstr(conf, "[limits]");

		cr_assert_not_null(p);
		cr_assert_lt(strlen(conf) + sizeof(line), sizeof(conf));
		memmove(p + sizeof(line) - 1, p, strlen(p) + 1);
		memcpy(p, line, sizeof(line) - 1);
	}
	rp_start_conf(&d, conf);

	for (int round = 0; round < 5; round++) {
		for (int f = 0; f < FILES; f++) {
			snprintf(name, sizeof(name), "s%d.bin", f);
			/* a READ of it then waits for the disk instead of
			 * completing at once, so a SEND split from its READ
			 * would go out first */
			rp_evict(&d, name);
		}
		/* every connection's requests at once: one loop turn then has
		 * more READ + SEND pairs to queue than the SQ holds */
		for (int i = 0; i < CONNS; i++) {
			int len = 0;

			c[i] = rp_connect(&d);
			if (i % 4 == 0) {
				/* answered with 414, and the connection closes */
				send_long_path(c[i]);
				continue;
			}
			for (int k = 0; k < PER_CONN; k++)
				len += snprintf(req + len, sizeof(req) - (size_t)len,
				    "GET /s%d.bin HTTP/1.1\r\nHost: t\r\n\r\n", (i + k + round) % FILES);
			rp_send(c[i], req, (size_t)len);
		}
		for (int i = 0; i < CONNS; i++) {
			struct rp_response r;

			if (i % 4 == 0) {
				cr_assert_eq(rp_read_response(c[i], &r, false), RP_OK);
				cr_assert_eq(r.status, 414, "the long path: %s", rp_describe(&r));
				rp_response_free(&r);
				rp_close(c[i]);
				continue;
			}
			for (int k = 0; k < PER_CONN; k++) {
				int f = (i + k + round) % FILES;

				cr_assert_eq(rp_read_response(c[i], &r, false), RP_OK,
				    "connection %d, response %d", i, k);
				cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
				cr_assert_eq(r.body_len, SMALL);
				cr_assert_eq(rp_pattern_mismatch(100 + (uint64_t)f, 0, r.body, r.body_len), -1,
				    "connection %d, response %d (s%d.bin): wrong bytes", i, k, f);
				rp_response_free(&r);
			}
			rp_close(c[i]);
		}
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}
