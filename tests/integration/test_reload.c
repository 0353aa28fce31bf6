/*
 * test_reload.c: SIGHUP and SIGUSR1 against a daemon with a transfer in
 * flight.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define BIG (256u << 20)

/* Wait until the daemon's output holds `needle` at least `count` times;
 * returns a pointer into a malloc'd copy (*out) at the last one. */
static char *
wait_output(const struct rp_daemon *d, const char *needle, int count, char **out)
{
	for (int tries = 0; tries < 600; tries++) {
		char *text = rp_daemon_output(d), *p = text, *last = NULL;
		int seen = 0;

		while ((p = strstr(p, needle)) != NULL) {
			last = p;
			seen++;
			p++;
		}
		if (seen >= count) {
			*out = text;
			return last;
		}
		free(text);
		usleep(50000);
	}
	*out = rp_daemon_output(d);
	cr_assert_fail("no %d x \"%s\" in the output:\n%s", count, needle, *out);
	return NULL;
}

static void
assert_get(const struct rp_daemon *d, int port, const char *path, const char *body)
{
	struct rp_daemon at = *d;
	struct rp_response r;

	at.port = port;
	rp_get(&at, path, &r);
	cr_assert_eq(r.status, 200, "%s on port %d: %s", path, port, rp_describe(&r));
	cr_assert_eq(r.body_len, strlen(body));
	cr_assert_eq(memcmp(r.body, body, r.body_len), 0);
	rp_response_free(&r);
}

/* Read n body bytes from c, checking them against the pattern. */
static void
read_pattern(struct rp_conn *c, uint64_t seed, uint64_t *off, uint64_t n)
{
	static unsigned char buf[1 << 16];
	uint64_t end = *off + n;

	while (*off < end) {
		size_t want = end - *off < sizeof(buf) ? (size_t)(end - *off) : sizeof(buf);
		ssize_t got = rp_read_some(c, buf, want);

		cr_assert(got > 0, "body ended at %lu: %s", (unsigned long)*off,
		    rp_result_str((int)got));
		cr_assert_eq(rp_pattern_mismatch(seed, *off, buf, (size_t)got), -1,
		    "wrong byte near offset %lu", (unsigned long)*off);
		*off += (uint64_t)got;
	}
}

Test(reload, sighup_keeps_transfers_and_applies_or_refuses, .timeout = 180)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char conf[4 * PATH_MAX], other[PATH_MAX + 16], *out;
	const char *p;
	uint64_t off = 0;
	int port2;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", BIG, 77);
	rp_write_file(&d, "a.txt", "first root\n", 11);
	snprintf(other, sizeof(other), "%s/other", d.dir);
	cr_assert_eq(mkdir(other, 0755), 0);
	{
		char path[PATH_MAX + 32];
		FILE *f;

		snprintf(path, sizeof(path), "%s/b.txt", other);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fputs("second root\n", f);
		fclose(f);
	}
	rp_start(&d);

	/* a big transfer, started and left half-read */
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.content_length, BIG);
	rp_response_free(&r);
	read_pattern(c, 77, &off, 8 << 20);

	/* a good reload: the first listener keeps its port, a second one
	 * appears */
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n\n"
	    "[limits]\nmax_connections = 1000\n\n"
	    "[listener test]\naddress = 127.0.0.1:%d\nroot = %s\n\n"
	    "[listener second]\naddress = 127.0.0.1:0\nroot = %s\n",
	    d.access_log, d.port, d.root, other);
	rp_write_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_output(&d, "reload: ", 1, &out);
	free(out);
	p = wait_output(&d, "listening on 127.0.0.1:", 2, &out);
	port2 = atoi(p + strlen("listening on 127.0.0.1:"));
	cr_assert(strstr(out, "applied") != NULL, "no \"applied\" after the reload:\n%s", out);
	free(out);
	cr_assert(port2 > 0 && port2 != d.port);
	assert_get(&d, port2, "/b.txt", "second root\n");
	assert_get(&d, d.port, "/a.txt", "first root\n");

	read_pattern(c, 77, &off, 8 << 20);

	/* a bad reload changes nothing */
	rp_write_conf(&d, "[daemon]\nerror_log = -\nno_such_key = 1\n\n[listener x]\naddress = 127.0.0.1:1\n");
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_output(&d, "the running configuration stays", 1, &out);
	cr_assert(strstr(out, "no_such_key") != NULL && strstr(out, ":3:") != NULL,
	    "the refused reload must name the bad line:\n%s", out);
	free(out);
	assert_get(&d, port2, "/b.txt", "second root\n");
	assert_get(&d, d.port, "/a.txt", "first root\n");

	/* the transfer that started before both reloads ends intact */
	read_pattern(c, 77, &off, BIG - off);
	rp_close(c);
	rp_stop(&d);
}

Test(reload, sigusr1_reopens_the_access_log, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char moved[PATH_MAX + 8], *old_text, *new_text, *out;

	rp_setup(&d);
	rp_write_file(&d, "one.txt", "1\n", 2);
	rp_write_file(&d, "two.txt", "2\n", 2);
	rp_start(&d);
	rp_get(&d, "/one.txt", &r);
	rp_response_free(&r);
	snprintf(moved, sizeof(moved), "%s.1", d.access_log);
	/* the access log is written once per loop turn: wait for the line */
	for (int i = 0; i < 200; i++) {
		old_text = rp_slurp(d.access_log, NULL);
		if (old_text != NULL && strstr(old_text, "/one.txt") != NULL)
			break;
		free(old_text);
		old_text = NULL;
		usleep(20000);
	}
	cr_assert_not_null(old_text, "no access log line for /one.txt");
	free(old_text);
	cr_assert_eq(rename(d.access_log, moved), 0);
	cr_assert_eq(kill(d.pid, SIGUSR1), 0);
	wait_output(&d, "reopening", 1, &out);
	free(out);
	rp_get(&d, "/two.txt", &r);
	rp_response_free(&r);
	rp_stop(&d);

	old_text = rp_slurp(moved, NULL);
	new_text = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(old_text);
	cr_assert_not_null(new_text, "no new access log at %s", d.access_log);
	cr_assert(strstr(old_text, "/one.txt") && !strstr(old_text, "/two.txt"), "%s", old_text);
	cr_assert(strstr(new_text, "/two.txt") && !strstr(new_text, "/one.txt"), "%s", new_text);
	free(old_text);
	free(new_text);
}

/* The engine a reload names takes new transfers; one already running
 * keeps the engine it started with, and both end intact. */
Test(reload, engine_change_applies_to_new_transfers, .timeout = 180)
{
	const uint64_t size = 64u << 20;
	struct rp_daemon d;
	struct rp_conn *c, *c2;
	struct rp_response r;
	char conf[4 * PATH_MAX], *out, *text;
	uint64_t off = 0, off2 = 0;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, 78);
	rp_start(&d);
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	read_pattern(c, 78, &off, 4 << 20);

	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:%d\nroot = %s\nengine = sendfile\n",
	    d.access_log, d.port, d.root);
	rp_write_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_output(&d, "engine sendfile", 1, &out);
	free(out);

	c2 = rp_connect(&d);
	rp_sends(c2, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c2, &r), RP_OK);
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	read_pattern(c2, 78, &off2, size);
	read_pattern(c, 78, &off, size - off);
	rp_close(c);
	rp_close(c2);

	rp_get(&d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	text = strndup((const char *)r.body, r.body_len);
	rp_response_free(&r);
	cr_assert_geq(rp_sample(text, "ringpushd_bytes_sent_total{engine=\"sendfile\"}"),
	    (double)size, "the new transfer went through sendfile:\n%s", text);
	cr_assert_geq(rp_sample(text, "ringpushd_bytes_sent_total{engine=\"splice\"}"),
	    (double)(size - (4u << 20)), "the old one kept splice:\n%s", text);
	free(text);
	rp_stop(&d);
}
