/*
 * test_access_log.c: access log lines from the running daemon for
 * requests whose fields escape to several times their size or are not
 * UTF-8.  Every line must be whole; a JSON line must be valid JSON.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../json_check.h"

/* Three requests: 1,000 tabs in User-Agent, a target whose query holds
 * bytes that are not UTF-8, and a long referer and user agent of tabs
 * and invalid UTF-8 together. */
static void
send_hostile_requests(const struct rp_daemon *d)
{
	static char req[8192];
	char tabs[1001], junk[1201];
	struct rp_response r;
	int res, n;

	memset(tabs, '\t', 1000);
	tabs[1000] = '\0';
	for (n = 0; n < 1200; n++)
		junk[n] = n % 2 ? '\t' : '\xff';
	junk[1200] = '\0';

	n = snprintf(req, sizeof(req), "GET /a.txt HTTP/1.1\r\nHost: t\r\n"
	    "User-Agent: x%sy\r\nConnection: close\r\n\r\n", tabs);
	cr_assert(n > 0 && (size_t)n < sizeof(req));
	res = rp_exchange(d, req, false, &r);
	cr_assert(res == RP_OK && r.status == 200, "%s", rp_describe(&r));
	rp_response_free(&r);

	res = rp_exchange(d, "GET /a.txt?\xff\xfe HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", false, &r);
	cr_assert(res == RP_OK && r.status == 200, "%s", rp_describe(&r));
	rp_response_free(&r);

	n = snprintf(req, sizeof(req), "GET /a.txt HTTP/1.1\r\nHost: t\r\n"
	    "Referer: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n", junk, junk);
	cr_assert(n > 0 && (size_t)n < sizeof(req));
	res = rp_exchange(d, req, false, &r);
	cr_assert(res == RP_OK && r.status == 200, "%s", rp_describe(&r));
	rp_response_free(&r);
}

/* Check every line of the log; returns how many there are. */
static int
check_lines(const struct rp_daemon *d, bool json)
{
	char *log, *line, *save = NULL;
	int nlines = 0;

	log = rp_slurp(d->access_log, NULL);
	cr_assert_not_null(log, "no access log at %s", d->access_log);
	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		const char *tail = len > 120 ? line + len - 120 : line;

		nlines++;
		if (json) {
			cr_assert(json_check(line, len), "line %d is not valid JSON: ...%s",
			    nlines, tail);
			cr_assert(strstr(line, "\"user_agent\":") != NULL &&
			    strstr(line, "\"bytes_received\":") != NULL &&
			    line[len - 1] == '}', "line %d cut: ...%s", nlines, tail);
		} else {
			/* ... "user-agent" BYTES_SENT DURATION_US BYTES_RECEIVED */
			const char *q = strrchr(line, '"');
			unsigned long long sent, us, received;
			char end;

			cr_assert_not_null(q, "line %d: %s", nlines, tail);
			cr_assert_eq(sscanf(q, "\" %llu %llu %llu%c", &sent, &us, &received, &end), 3,
			    "line %d cut: ...%s", nlines, tail);
			cr_assert_gt(sent, 1234, "line %d: ...%s", nlines, tail);
		}
	}
	free(log);
	return nlines;
}

static void
run(bool json)
{
	struct rp_daemon d;
	char conf[4096];

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1234, 1);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level",
	    json ? "info\naccess_log_format = json" : "info\naccess_log_format = combined");
	rp_start_conf(&d, conf);
	send_hostile_requests(&d);
	rp_stop(&d);
	cr_assert_eq(check_lines(&d, json), 3);
}

Test(access_log, json_lines_stay_whole_and_valid, .timeout = 60)
{
	run(true);
}

Test(access_log, combined_lines_stay_whole, .timeout = 60)
{
	run(false);
}
