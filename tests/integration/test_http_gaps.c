/*
 * test_http_gaps.c: conformance points found with real clients: a later
 * HTTP/1 minor version answered as HTTP/1.1 (RFC 9112 2.3).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SIZE 4096
#define SEED 7

Test(http_gaps, http12_is_answered_as_http11, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char *log;
	int res, i;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_start(&d);
	c = rp_connect(&d);
	/* persistent by default, as HTTP/1.1: two requests on one connection */
	for (i = 0; i < 2; i++) {
		rp_sends(c, "GET /4k.bin HTTP/1.2\r\nHost: t\r\n\r\n");
		res = rp_read_response(c, &r, false);
		cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.version_minor, 1, "%s", rp_describe(&r));
		cr_assert(r.body_len == SIZE && rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0);
		rp_response_free(&r);
	}
	rp_close(c);
	rp_stop(&d);
	/* the access log names the version the client sent */
	log = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "\"GET /4k.bin HTTP/1.2\" 200 ") != NULL, "%s", log);
	free(log);
}
