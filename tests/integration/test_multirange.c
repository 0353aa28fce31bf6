/*
 * test_multirange.c: several ranges in one request (RFC 9110 14.6):
 * multipart/byteranges bodies checked byte for byte against slices of the
 * file from a raw socket, curl, wget and Python; the bounds that answer
 * with the whole file (max_ranges, overlap, disorder, a total past the
 * file's size), 416, If-Range and HEAD; keep-alive after a multipart body.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define SEED 77
#define SIZE 300000

/*
 * Walk a multipart/byteranges body: every part must carry Content-Type
 * type and a Content-Range of the file's size, its bytes must be the
 * file's at that range, and the body must end with the close and nothing
 * after.  boundary NULL: read it from the body's first line (what a
 * client that saved the body has).  Returns the parts as "a-b a-b" in a
 * static buffer.
 */
static const char *
check_multipart(const unsigned char *body, size_t len, const char *boundary,
    const char *type, uint64_t size, const char *what)
{
	static char spans[4096], found[128];
	const char *p = (const char *)body, *end = p + len;
	size_t n = 0, blen;
	unsigned part = 0;

	spans[0] = '\0';
	if (boundary == NULL) {
		const char *eol = memchr(p, '\r', len);

		cr_assert(len > 2 && p[0] == '-' && p[1] == '-' && eol != NULL &&
		    (size_t)(eol - p - 2) < sizeof(found), "%s: no boundary line", what);
		memcpy(found, p + 2, (size_t)(eol - p - 2));
		found[eol - p - 2] = '\0';
		boundary = found;
	}
	blen = strlen(boundary);
	for (;;) {
		char want_type[256];
		uint64_t first, last, total;
		const char *hend;
		ssize_t bad;

		/* the delimiter: "--B" (with CRLF before it after part 0) */
		if (part > 0) {
			cr_assert(end - p >= 2 && memcmp(p, "\r\n", 2) == 0,
			    "%s: no CRLF before delimiter %u", what, part);
			p += 2;
		}
		cr_assert((size_t)(end - p) >= blen + 4 && memcmp(p, "--", 2) == 0 &&
		    memcmp(p + 2, boundary, blen) == 0, "%s: no delimiter at part %u", what, part);
		p += 2 + blen;
		if (memcmp(p, "--", 2) == 0) {
			cr_assert(end - p == 4 && memcmp(p, "--\r\n", 4) == 0,
			    "%s: %zd bytes after the close", what, end - p - 4);
			break;
		}
		cr_assert(memcmp(p, "\r\n", 2) == 0, "%s: part %u: delimiter line", what, part);
		p += 2;
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		cr_assert_not_null(hend, "%s: part %u: no end of headers", what, part);
		snprintf(want_type, sizeof(want_type), "Content-Type: %s\r\n", type);
		cr_assert(strncmp(p, want_type, strlen(want_type)) == 0,
		    "%s: part %u: headers %.*s", what, part, (int)(hend - p), p);
		p += strlen(want_type);
		cr_assert(sscanf(p, "Content-Range: bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64,
		    &first, &last, &total) == 3, "%s: part %u: %.*s", what, part,
		    (int)(hend - p), p);
		cr_assert_eq(total, size, "%s: part %u: size %" PRIu64, what, part, total);
		cr_assert(first <= last && last < size, "%s: part %u", what, part);
		p = hend + 4;
		cr_assert((uint64_t)(end - p) >= last - first + 1, "%s: part %u cut short", what, part);
		bad = rp_pattern_mismatch(SEED, first, p, last - first + 1);
		cr_assert(bad < 0, "%s: part %u (%" PRIu64 "-%" PRIu64 "): wrong byte at %zd", what,
		    part, first, last, bad);
		p += last - first + 1;
		n += (size_t)snprintf(spans + n, sizeof(spans) - n, "%s%" PRIu64 "-%" PRIu64,
		    part ? " " : "", first, last);
		part++;
	}
	return spans;
}

/* The boundary of a 206 multipart response, checked against its header. */
static const char *
multipart_boundary_of(const struct rp_response *r, const char *what)
{
	static const char prefix[] = "multipart/byteranges; boundary=";
	const char *ct = rp_hdr(r, "Content-Type");

	cr_assert_eq(r->status, 206, "%s: want 206:\n%s", what, rp_describe(r));
	cr_assert(ct != NULL && strncmp(ct, prefix, sizeof(prefix) - 1) == 0,
	    "%s: Content-Type:\n%s", what, rp_describe(r));
	cr_assert_null(rp_hdr(r, "Content-Range"), "%s: Content-Range on multipart", what);
	cr_assert(r->has_length && r->content_length == r->body_len, "%s:\n%s", what,
	    rp_describe(r));
	return ct + sizeof(prefix) - 1;
}

static struct rp_response
range_get(const struct rp_daemon *d, const char *path, const char *range, const char *extra)
{
	struct rp_response r;
	char raw[8192];
	int res;

	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nRange: %s\r\n%s"
	    "Connection: close\r\n\r\n", path, range, extra);
	res = rp_exchange(d, raw, false, &r);
	cr_assert(res == RP_OK, "%s: %s\n%s", range, rp_result_str(res), rp_describe(&r));
	return r;
}

static void
expect_whole(const struct rp_response *r, uint64_t size, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: want 200:\n%s", what, rp_describe(r));
	cr_assert_null(rp_hdr(r, "Content-Range"), "%s", what);
	cr_assert(r->has_length && r->content_length == size && r->body_len == size,
	    "%s:\n%s", what, rp_describe(r));
	cr_assert(rp_pattern_mismatch(SEED, 0, r->body, r->body_len) < 0, "%s: bytes", what);
}

static void
start_with(struct rp_daemon *d, const char *listener_extra)
{
	char conf[4096];

	rp_default_conf(d, conf, sizeof(conf));
	strncat(conf, listener_extra, sizeof(conf) - strlen(conf) - 1);
	rp_start_conf(d, conf);
}

RP_ENGINE_TEST(multirange, parts_exact, .timeout = 300)
{
	static const struct {
		const char *range, *spans;
	} cases[] = {
		{ "bytes=0-10,20-30", "0-10 20-30" },
		{ "bytes=0-0,-1", "0-0 299999-299999" },
		/* #list: whitespace around commas, empty elements */
		{ "bytes=0-4 ,6-7", "0-4 6-7" },
		{ "bytes= 0-4,\t6-7 ,,", "0-4 6-7" },
		/* parts larger than a pipe, through the engine in chunks */
		{ "bytes=1-200000,250000-", "1-200000 250000-299999" },
		/* out of order: sorted; overlapping: merged */
		{ "bytes=299000-299099,100-199", "100-199 299000-299099" },
		{ "bytes=0-9,5-19,100-109", "0-19 100-109" },
		/* unsatisfiable elements dropped */
		{ "bytes=0-1,400000-,10-11", "0-1 10-11" },
		/* sixteen ranges, the default max_ranges */
		{ "bytes=0-0,10-10,20-20,30-30,40-40,50-50,60-60,70-70,80-80,90-90,"
		  "100-100,110-110,120-120,130-130,140-140,150-150",
		  "0-0 10-10 20-20 30-30 40-40 50-50 60-60 70-70 80-80 90-90 "
		  "100-100 110-110 120-120 130-130 140-140 150-150" },
	};
	struct rp_daemon d;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_start(&d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rp_response r = range_get(&d, "/f.bin", cases[i].range, "");
		const char *b = multipart_boundary_of(&r, cases[i].range);

		cr_assert_str_eq(check_multipart(r.body, r.body_len, b, "application/octet-stream",
		    SIZE, cases[i].range), cases[i].spans, "%s", cases[i].range);
		rp_response_free(&r);
	}
	rp_stop(&d);
}

/* Two multipart responses and a plain one on one connection, pipelined:
 * each Content-Length is exact, or the next response would not parse. */
RP_ENGINE_TEST(multirange, keep_alive_after_multipart, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char boundary[128];
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_start(&d);
	c = rp_connect(&d);
	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-99,1000-1099\r\n\r\n"
	    "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=5-6,70000-169999,-3\r\n\r\n"
	    "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=7-8\r\n\r\n");
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
	snprintf(boundary, sizeof(boundary), "%s", multipart_boundary_of(&r, "first"));
	cr_assert_str_eq(check_multipart(r.body, r.body_len, boundary, "application/octet-stream",
	    SIZE, "first"), "0-99 1000-1099");
	rp_response_free(&r);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
	/* a new boundary for every response */
	cr_assert_str_neq(multipart_boundary_of(&r, "second"), boundary);
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "second"),
	    "application/octet-stream", SIZE, "second"), "5-6 70000-169999 299997-299999");
	rp_response_free(&r);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes 7-8/300000");
	cr_assert(rp_pattern_mismatch(SEED, 7, r.body, r.body_len) < 0 && r.body_len == 2);
	rp_response_free(&r);
	rp_close(c);
	rp_stop(&d);
}

/* Under a rate limit the engine waits for tokens inside a part and
 * between parts; every byte still arrives where it belongs. */
RP_ENGINE_TEST(multirange, rate_limited, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char conf[4096], with_rate[4200], *at;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_default_conf(&d, conf, sizeof(conf));
	at = strstr(conf, "[limits]\n");
	cr_assert_not_null(at);
	*at = '\0';
	snprintf(with_rate, sizeof(with_rate), "%s[limits]\nrate_per_connection = 1M\n%s", conf,
	    at + strlen("[limits]\n"));
	rp_start_conf(&d, with_rate);
	r = range_get(&d, "/f.bin", "bytes=0-99999,150000-150000,200000-299999", "");
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "rate"),
	    "application/octet-stream", SIZE, "rate"), "0-99999 150000-150000 200000-299999");
	rp_response_free(&r);
	rp_stop(&d);
}

/* Multipart responses hold pool buffers for as long as their clients
 * take: 64 at once, then the whole file, while small bodies, which share
 * the pool, go on; the buffers come back when those responses end. */
Test(multirange, pool_share_bounded, .timeout = 300)
{
	enum { HELD = 64, BIG = 16 * 1024 * 1024 };
	struct rp_conn *slow[HELD];
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", BIG, SEED);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_write_file(&d, "small.txt", "small\n", 6);
	rp_start(&d);
	/* clients that read nothing: each response stops in its first part */
	for (int i = 0; i < HELD; i++) {
		slow[i] = rp_connect_rcvbuf(&d, 4096);
		rp_sends(slow[i], "GET /big.bin HTTP/1.1\r\nHost: t\r\n"
		    "Range: bytes=0-8388607,12582912-\r\n\r\n");
		res = rp_read_head(slow[i], &r);
		cr_assert_eq(res, RP_OK, "client %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 206, "client %d:\n%s", i, rp_describe(&r));
		rp_response_free(&r);
	}
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4", "");
	expect_whole(&r, SIZE, "a multipart request past the pool share");
	rp_response_free(&r);
	rp_get(&d, "/small.txt", &r);
	cr_assert(r.status == 200 && r.body_len == 6 && memcmp(r.body, "small\n", 6) == 0,
	    "%s", rp_describe(&r));
	rp_response_free(&r);
	for (int i = 0; i < HELD; i++)
		rp_abort(slow[i]);
	/* the daemon sees the resets when it next sends: wait until a
	 * multipart answer comes again (bounded by the test's timeout) */
	for (;;) {
		c = rp_connect(&d);
		rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1,3-4\r\n"
		    "Connection: close\r\n\r\n");
		res = rp_read_response(c, &r, false);
		rp_close(c);
		cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
		if (r.status == 206)
			break;
		rp_response_free(&r);
		usleep(100 * 1000);
	}
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "after"),
	    "application/octet-stream", SIZE, "after"), "0-1 3-4");
	rp_response_free(&r);
	rp_stop(&d);
}

/* The part's Content-Type is the file's. */
Test(multirange, part_content_type, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_make_file(&d, "page.html", 5000, SEED);
	rp_start(&d);
	r = range_get(&d, "/page.html", "bytes=0-1,3-4", "");
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "html"),
	    "text/html; charset=utf-8", 5000, "html"), "0-1 3-4");
	rp_response_free(&r);
	rp_stop(&d);
}

/* RFC 9110 17.15: what would amplify gets the whole file, never more
 * bytes than it; nothing satisfiable gets 416. */
Test(multirange, bounds_default, .timeout = 120)
{
	static const char *const whole[] = {
		/* seventeen ranges: past max_ranges = 16 */
		"bytes=0-0,10-10,20-20,30-30,40-40,50-50,60-60,70-70,80-80,90-90,"
		"100-100,110-110,120-120,130-130,140-140,150-150,160-160",
		/* more than two overlapping or backwards */
		"bytes=0-9,0-9,0-9,0-9",
		"bytes=90-99,60-69,30-39,0-9",
		/* more bytes than the file */
		"bytes=0-,0-",
		"bytes=0-200000,100000-",
		"bytes=-200000,-200000",
		/* malformed anywhere */
		"bytes=0-1,x",
		"bytes=0-1,3 -4",
		"bytes=0-1,5-4",
	};
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_start(&d);
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		r = range_get(&d, "/f.bin", whole[i], "");
		expect_whole(&r, SIZE, whole[i]);
		rp_response_free(&r);
	}
	r = range_get(&d, "/f.bin", "bytes=300000-,400000-400001,-0", "");
	cr_assert_eq(r.status, 416, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes */300000");
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(multirange, max_ranges_key, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	start_with(&d, "max_ranges = 2\n");
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4", "");
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "two"),
	    "application/octet-stream", SIZE, "two"), "0-1 3-4");
	rp_response_free(&r);
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4,6-7", "");
	expect_whole(&r, SIZE, "three ranges, max_ranges = 2");
	rp_response_free(&r);
	rp_stop(&d);

	/* 0: no multipart at all; a single range still gets its 206 */
	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	start_with(&d, "max_ranges = 0\n");
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4", "");
	expect_whole(&r, SIZE, "two ranges, max_ranges = 0");
	rp_response_free(&r);
	r = range_get(&d, "/f.bin", "bytes= 3-4 ,", "");
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes 3-4/300000");
	rp_response_free(&r);
	rp_stop(&d);
}

/* If-Range and HEAD as for single ranges. */
Test(multirange, if_range_and_head, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char etag[256], extra[512];
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_start(&d);
	rp_get(&d, "/f.bin", &r);
	cr_assert_not_null(rp_hdr(&r, "ETag"));
	snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);

	snprintf(extra, sizeof(extra), "If-Range: %s\r\n", etag);
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4", extra);
	cr_assert_str_eq(check_multipart(r.body, r.body_len, multipart_boundary_of(&r, "if-range"),
	    "application/octet-stream", SIZE, "if-range"), "0-1 3-4");
	cr_assert_str_eq(rp_hdr(&r, "ETag"), etag);
	rp_response_free(&r);
	r = range_get(&d, "/f.bin", "bytes=0-1,3-4", "If-Range: \"other\"\r\n");
	expect_whole(&r, SIZE, "If-Range with another ETag");
	rp_response_free(&r);

	res = rp_exchange(&d, "HEAD /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1,3-4\r\n"
	    "Connection: close\r\n\r\n", true, &r);
	cr_assert_eq(res, RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(r.has_length && r.content_length == SIZE && r.body_len == 0, "%s",
	    rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/* ---- real clients ---- */

static void
check_saved(const struct rp_daemon *d, const char *file, const char *spans, const char *what)
{
	char path[PATH_MAX];
	unsigned char *body;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", d->dir, file);
	body = (unsigned char *)rp_slurp(path, &len);
	cr_assert_not_null(body, "%s: %s not written", what, path);
	cr_assert_str_eq(check_multipart(body, len, NULL, "application/octet-stream", SIZE, what),
	    spans, "%s", what);
	free(body);
}

RP_ENGINE_TEST(multirange, curl_wget_python, .timeout = 300)
{
	static const char script[] =
	    "import email, http.client, sys\n"
	    "port, path, rng, local = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]\n"
	    "data = open(local, 'rb').read()\n"
	    "c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)\n"
	    "c.request('GET', path, headers={'Range': rng})\n"
	    "r = c.getresponse()\n"
	    "assert r.status == 206, r.status\n"
	    "body = r.read()\n"
	    "assert len(body) == int(r.getheader('Content-Length'))\n"
	    "msg = email.message_from_bytes(b'Content-Type: ' + r.getheader('Content-Type').encode()"
	    " + b'\\r\\n\\r\\n' + body)\n"
	    "assert msg.is_multipart()\n"
	    "spans = []\n"
	    "for part in msg.get_payload():\n"
	    "    unit, rest = part['Content-Range'].split(' ')\n"
	    "    rng_, size = rest.split('/')\n"
	    "    a, b = map(int, rng_.split('-'))\n"
	    "    assert unit == 'bytes' and int(size) == len(data)\n"
	    "    got = part.get_payload(decode=True)\n"
	    "    assert got == data[a:b + 1], (a, b, len(got))\n"
	    "    spans.append('%d-%d' % (a, b))\n"
	    "print(' '.join(spans))\n"
	    "assert ' '.join(spans) == sys.argv[5], spans\n";
	struct rp_daemon d;
	char url[128], out[PATH_MAX], port[16], local[PATH_MAX], py[PATH_MAX], hdr[128];
	FILE *f;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, SEED);
	rp_start(&d);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/f.bin", d.port);
	if (rp_have("curl")) {
		snprintf(out, sizeof(out), "%s/curl.out", d.dir);
		rp_run_ok(&d, (char *const[]){ "curl", "-sSf", "-r", "0-10,20-30,100000-250000",
		    "-o", out, url, NULL }, 120);
		check_saved(&d, "curl.out", "0-10 20-30 100000-250000", "curl");
	}
	if (rp_have("wget")) {
		snprintf(out, sizeof(out), "%s/wget.out", d.dir);
		rp_run_ok(&d, (char *const[]){ "wget", "-q", "--header=Range: bytes=-5,0-4 , 9-9",
		    "-O", out, url, NULL }, 120);
		check_saved(&d, "wget.out", "0-4 9-9 299995-299999", "wget");
	}
	if (rp_have("python3")) {
		snprintf(py, sizeof(py), "%s/multipart.py", d.dir);
		f = fopen(py, "w");
		cr_assert_not_null(f);
		fputs(script, f);
		fclose(f);
		snprintf(port, sizeof(port), "%d", d.port);
		rp_path(&d, "f.bin", local);
		snprintf(hdr, sizeof(hdr), "bytes=0-0,65536-196607,299999-");
		rp_run_ok(&d, (char *const[]){ "python3", py, port, "/f.bin", hdr, local,
		    "0-0 65536-196607 299999-299999", NULL }, 120);
	}
	rp_stop(&d);
}
