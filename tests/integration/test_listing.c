/*
 * test_listing.c: autoindex.  A directory without its index is listed
 * (html or json) only when the listener asks; hostile names come out
 * inert and their links lead back to the files; what the daemon would
 * refuse is not listed; the cap cuts the listing and says so; validators
 * come from the directory; wget --mirror and lftp mirror copy a tree.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "../json_check.h"

/* Start d serving its root with autoindex = mode and any extra lines. */
static void
start_listing(struct rp_daemon *d, const char *mode, const char *extra)
{
	char conf[4096];
	size_t len;

	rp_default_conf(d, conf, sizeof(conf));
	len = strlen(conf);
	snprintf(conf + len, sizeof(conf) - len, "autoindex = %s\n%s", mode, extra);
	rp_start_conf(d, conf);
}

static char *
body_of(const struct rp_response *r)
{
	char *s = malloc(r->body_len + 1);

	cr_assert_not_null(s);
	memcpy(s, r->body, r->body_len);
	s[r->body_len] = '\0';
	return s;
}

/* GET path: asserts status, returns the body as a string (malloc'd). */
static char *
get_body(const struct rp_daemon *d, const char *path, int status, struct rp_response *r)
{
	rp_get(d, path, r);
	cr_assert_eq(r->status, status, "GET %s:\n%s", path, rp_describe(r));
	return body_of(r);
}

/* The hostile names: each a file whose content is its own name. */
static const char *const hostile[] = {
	"<script>alert(1)", "<img src=x onerror=alert(1)>", "a\"b&c", "x'y",
	"javascript:alert(1)", "p%20q", "sp ace", "caf\xc3\xa9", "q?x#y",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static void
make_hostile_tree(const struct rp_daemon *d)
{
	char rel[128], target[PATH_MAX], link[PATH_MAX];

	for (size_t i = 0; i < NHOSTILE; i++) {
		snprintf(rel, sizeof(rel), "d/%s", hostile[i]);
		rp_write_file(d, rel, hostile[i], strlen(hostile[i]));
	}
	rp_write_file(d, "d/.secret", "s", 1);
	rp_write_file(d, "d/sub/inner.txt", "i", 1);
	rp_path(d, "d/fifo", target);
	cr_assert_eq(mkfifo(target, 0644), 0, "mkfifo: %s", strerror(errno));
	/* a link out of the root and one beneath it */
	rp_path(d, "d/outside", link);
	cr_assert_eq(symlink("/etc/hostname", link), 0);
	rp_path(d, "d/inside", link);
	cr_assert_eq(symlink("sub/inner.txt", link), 0);
}

/* Percent-encode every byte but unreserved, as the listing's links do. */
static void
encode(const char *s, char *out)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~')
			*out++ = (char)ch;
		else
			out += sprintf(out, "%%%02X", ch);
	}
	*out = '\0';
}

RP_ENGINE_TEST(listing, html_hostile_names, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char *page, enc[512], needle[1024], path[1024];

	rp_setup(&d);
	make_hostile_tree(&d);
	start_listing(&d, "html", "");
	page = get_body(&d, "/d/", 200, &r);
	cr_assert_str_eq(rp_hdr(&r, "Content-Type"), "text/html; charset=utf-8");
	rp_response_free(&r);
	/* the only markup is the page's own */
	cr_assert_null(strstr(page, "<script"), "%s", page);
	cr_assert_null(strstr(page, "<img"), "%s", page);
	cr_assert(strstr(page, "&lt;script&gt;alert(1)</a>") != NULL, "%s", page);
	cr_assert(strstr(page, ">&lt;img src=x onerror=alert(1)&gt;</a>") != NULL, "%s", page);
	cr_assert(strstr(page, ">a&quot;b&amp;c</a>") != NULL, "%s", page);
	/* dotfiles, FIFOs and links out of the root are not listed */
	cr_assert_null(strstr(page, "secret"), "%s", page);
	cr_assert_null(strstr(page, "fifo"), "%s", page);
	cr_assert_null(strstr(page, "outside"), "%s", page);
	/* valgrind 3.19 lacks the openat2 system call: the daemon's fallback
	 * follows no link at all, and lists none */
	cr_assert(rp_under_valgrind() || strstr(page, "<a href=\"inside\">inside</a>") != NULL,
	    "%s", page);
	/* directories first */
	cr_assert(strstr(page, "<a href=\"sub/\">sub/</a>") != NULL, "%s", page);
	cr_assert(strstr(page, "href=\"sub/\"") < strstr(page, "href=\"%3Cimg"), "%s", page);
	/* the same directory named with an empty segment: the link still
	 * resolves beneath the root */
	{
		char *again = get_body(&d, "//d/", 200, &r);

		cr_assert(rp_under_valgrind() ||
		    strstr(again, "<a href=\"inside\">inside</a>") != NULL, "%s", again);
		free(again);
		rp_response_free(&r);
	}
	/* every link leads to its file */
	for (size_t i = 0; i < NHOSTILE; i++) {
		char *got;

		encode(hostile[i], enc);
		snprintf(needle, sizeof(needle), "<a href=\"%s\">", enc);
		cr_assert(strstr(page, needle) != NULL, "no %s in\n%s", needle, page);
		snprintf(path, sizeof(path), "/d/%s", enc);
		got = get_body(&d, path, 200, &r);
		cr_assert_str_eq(got, hostile[i]);
		free(got);
		rp_response_free(&r);
	}
	free(page);
	rp_stop(&d);
}

Test(listing, json_is_valid_and_complete, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char *doc, esc[256];

	rp_setup(&d);
	make_hostile_tree(&d);
	/* not valid UTF-8: must still give valid JSON */
	rp_write_file(&d, "d/bad\xff", "b", 1);
	rp_make_file(&d, "d/sized", 12345, 1);
	start_listing(&d, "json", "");
	doc = get_body(&d, "/d/", 200, &r);
	cr_assert_str_eq(rp_hdr(&r, "Content-Type"), "application/json");
	rp_response_free(&r);
	cr_assert(json_check(doc, strlen(doc)), "not valid JSON:\n%s", doc);
	cr_assert(strstr(doc, "{\"name\":\"sub\",\"type\":\"directory\",") != NULL, "%s", doc);
	cr_assert(strstr(doc, "{\"name\":\"sized\",\"type\":\"file\",\"size\":12345,\"mtime\":\"") != NULL,
	    "%s", doc);
	cr_assert(strstr(doc, "{\"name\":\"a\\\"b&c\",") != NULL, "%s", doc);
	cr_assert(strstr(doc, "{\"name\":\"bad\\ufffd\",") != NULL, "%s", doc);
	for (size_t i = 0; i < NHOSTILE; i++) {
		if (strchr(hostile[i], '"') != NULL)
			continue;
		snprintf(esc, sizeof(esc), "{\"name\":\"%s\",\"type\":\"file\",", hostile[i]);
		cr_assert(strstr(doc, esc) != NULL, "no %s in\n%s", esc, doc);
	}
	cr_assert_null(strstr(doc, "secret"));
	cr_assert_null(strstr(doc, "truncated"));
	free(doc);
	rp_stop(&d);
}

Test(listing, off_is_403_and_index_wins, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char *body;

	rp_setup(&d);
	rp_write_file(&d, "plain/f", "f", 1);
	rp_write_file(&d, "withindex/index.html", "the index", 9);
	rp_write_file(&d, "withindex/other", "o", 1);
	start_listing(&d, "off", "");
	free(get_body(&d, "/plain/", 403, &r));
	rp_response_free(&r);
	rp_stop(&d);

	rp_setup(&d);
	rp_write_file(&d, "withindex/index.html", "the index", 9);
	rp_write_file(&d, "withindex/other", "o", 1);
	start_listing(&d, "html", "");
	body = get_body(&d, "/withindex/", 200, &r);
	cr_assert_str_eq(body, "the index");
	free(body);
	rp_response_free(&r);
	/* the root itself is listed, without a parent link */
	body = get_body(&d, "/", 200, &r);
	cr_assert(strstr(body, "<a href=\"withindex/\">") != NULL, "%s", body);
	cr_assert_null(strstr(body, "../"), "%s", body);
	free(body);
	rp_response_free(&r);
	/* a dot directory stays refused */
	rp_write_file(&d, ".git/config", "c", 1);
	free(get_body(&d, "/.git/", 404, &r));
	rp_response_free(&r);
	rp_stop(&d);
}

Test(listing, symlinks_no_lists_no_links, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char *page;

	rp_setup(&d);
	make_hostile_tree(&d);
	start_listing(&d, "html", "follow_symlinks = no\n");
	page = get_body(&d, "/d/", 200, &r);
	cr_assert_null(strstr(page, "inside"), "%s", page);
	cr_assert_null(strstr(page, "outside"), "%s", page);
	cr_assert(strstr(page, "href=\"sub/\"") != NULL, "%s", page);
	free(page);
	rp_response_free(&r);
	rp_stop(&d);
}

Test(listing, hidden_files_yes_lists_dotfiles, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char *page;

	rp_setup(&d);
	make_hostile_tree(&d);
	start_listing(&d, "html", "hidden_files = yes\n");
	page = get_body(&d, "/d/", 200, &r);
	cr_assert(strstr(page, "<a href=\".secret\">.secret</a>") != NULL, "%s", page);
	free(page);
	rp_response_free(&r);
	rp_stop(&d);
}

Test(listing, cap_cuts_and_says_so, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char rel[64], *page;
	int links = 0;

	rp_setup(&d);
	for (int i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), "many/f%d", i);
		rp_write_file(&d, rel, "x", 1);
	}
	start_listing(&d, "html", "autoindex_max_entries = 3\n");
	page = get_body(&d, "/many/", 200, &r);
	for (const char *p = page; (p = strstr(p, "<a href=\"f")) != NULL; p++)
		links++;
	cr_assert_eq(links, 3, "%s", page);
	cr_assert(strstr(page, "<p>Only the first 3 entries are listed.</p>") != NULL, "%s", page);
	free(page);
	rp_response_free(&r);
	rp_stop(&d);

	rp_setup(&d);
	for (int i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), "many/f%d", i);
		rp_write_file(&d, rel, "x", 1);
	}
	start_listing(&d, "json", "autoindex_max_entries = 3\n");
	page = get_body(&d, "/many/", 200, &r);
	cr_assert(json_check(page, strlen(page)), "%s", page);
	cr_assert(strstr(page, ",\n{\"truncated\":true,\"listed\":3}\n]\n") != NULL, "%s", page);
	free(page);
	rp_response_free(&r);
	rp_stop(&d);
}

/* A listing bigger than a small body goes through the engine. */
RP_ENGINE_TEST(listing, large_listing_through_engine, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char rel[128], *page, needle[160];

	rp_setup(&d);
	for (int i = 0; i < 400; i++) {
		snprintf(rel, sizeof(rel), "big/file-with-a-long-name-%04d.txt", i);
		rp_write_file(&d, rel, "x", 1);
	}
	start_listing(&d, "html", "");
	page = get_body(&d, "/big/", 200, &r);
	/* past the small-body path's 16 KiB */
	cr_assert_gt(r.body_len, 32 * 1024, "%zu", r.body_len);
	cr_assert_eq(r.content_length, r.body_len);
	for (int i = 0; i < 400; i++) {
		snprintf(needle, sizeof(needle), "<a href=\"file-with-a-long-name-%04d.txt\">", i);
		cr_assert(strstr(page, needle) != NULL, "%s", needle);
		/* sorted */
		if (i > 0) {
			char prev[160];

			snprintf(prev, sizeof(prev), "<a href=\"file-with-a-long-name-%04d.txt\">", i - 1);
			cr_assert(strstr(page, prev) < strstr(page, needle));
		}
	}
	cr_assert(strstr(page, "</html>\n") != NULL);
	free(page);
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(listing, validators_from_the_directory, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r, h;
	char req[512], *etag, *body;
	int res;

	rp_setup(&d);
	rp_write_file(&d, "v/a", "a", 1);
	start_listing(&d, "html", "");
	free(get_body(&d, "/v/", 200, &r));
	cr_assert_not_null(rp_hdr(&r, "ETag"));
	cr_assert_not_null(rp_hdr(&r, "Last-Modified"));
	cr_assert_null(rp_hdr(&r, "Accept-Ranges"));
	etag = strdup(rp_hdr(&r, "ETag"));

	/* HEAD: the same length, no body */
	res = rp_exchange(&d, "HEAD /v/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", true, &h);
	cr_assert_eq(res, RP_OK);
	cr_assert_eq(h.status, 200);
	cr_assert_eq(h.content_length, r.body_len);
	cr_assert_eq(h.body_len, 0);
	rp_response_free(&h);
	rp_response_free(&r);

	snprintf(req, sizeof(req), "GET /v/ HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n"
	    "Connection: close\r\n\r\n", etag);
	res = rp_exchange(&d, req, false, &r);
	cr_assert_eq(res, RP_OK);
	cr_assert_eq(r.status, 304, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "ETag"), etag);
	rp_response_free(&r);

	/* a new entry changes the directory, so the old tag no longer matches */
	rp_write_file(&d, "v/b", "b", 1);
	res = rp_exchange(&d, req, false, &r);
	cr_assert_eq(res, RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	body = body_of(&r);
	cr_assert(strstr(body, "<a href=\"b\">") != NULL, "%s", body);
	free(body);
	rp_response_free(&r);
	free(etag);
	rp_stop(&d);
}
