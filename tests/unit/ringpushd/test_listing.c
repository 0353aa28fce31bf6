/*
 * test_listing.c: the listing writer.  Every hostile name must come out
 * inert in each place it lands (href, HTML text, JSON string), the order
 * is directories first then bytes, and a writer whose buffer is smaller
 * than the page flushes without losing or repeating a byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "listing.h"

#define E(n, d, sz) { .name = n, .name_len = sizeof(n) - 1, .dir = d, .size = sz, .mtime = 0 }

/* A writer that appends to a growing memory buffer. */
struct sink {
	char *data;
	size_t len;
	unsigned flushes;
};

static int
sink_flush(void *arg, const char *p, size_t n)
{
	struct sink *k = arg;

	k->data = realloc(k->data, k->len + n + 1);
	cr_assert_not_null(k->data);
	memcpy(k->data + k->len, p, n);
	k->len += n;
	k->data[k->len] = '\0';
	k->flushes++;
	return 0;
}

/* The body for entries e[0..n) through a writer buffer of bufcap bytes. */
static char *
render(enum listing_format fmt, const char *dir, struct listing_entry *e, size_t n,
    bool truncated, size_t bufcap, unsigned *flushes)
{
	char *buf = malloc(bufcap);
	struct sink k = { 0 };
	struct listing_out o = { .buf = buf, .cap = bufcap, .flush = sink_flush, .arg = &k };

	cr_assert_not_null(buf);
	cr_assert_eq(listing_write(&o, fmt, dir, strlen(dir), e, n, truncated), 0);
	cr_assert_eq(o.total, k.len, "total %llu, flushed %zu", (unsigned long long)o.total, k.len);
	free(buf);
	if (flushes != NULL)
		*flushes = k.flushes;
	return k.data;
}

Test(listing, html_escape_every_special)
{
	char out[128];
	const char in[] = "<script>alert(1)</script>\"'&";

	cr_assert_eq(listing_escape_html(in, strlen(in), out, sizeof(out)),
	    (ssize_t)strlen("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
	cr_assert_str_eq(out, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
}

Test(listing, html_escape_controls_become_replacement)
{
	char out[64];

	cr_assert_eq(listing_escape_html("a\nb\x7f", 4, out, sizeof(out)), 8);
	cr_assert_str_eq(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

Test(listing, html_escape_utf8_kept)
{
	char out[64];

	cr_assert_eq(listing_escape_html("caf\xc3\xa9", 5, out, sizeof(out)), 5);
	cr_assert_str_eq(out, "caf\xc3\xa9");
}

Test(listing, escapes_fail_when_cap_is_too_small)
{
	char out[8];

	/* "&amp;" needs 5 bytes and the NUL: 6. */
	cr_assert_eq(listing_escape_html("&", 1, out, 5), -1);
	cr_assert_eq(listing_escape_html("&", 1, out, 6), 5);
	cr_assert_eq(listing_encode_uri(" ", 1, out, 3), -1);
	cr_assert_eq(listing_encode_uri(" ", 1, out, 4), 3);
	cr_assert_eq(listing_escape_json("\"", 1, out, 2), -1);
	cr_assert_eq(listing_escape_json("\"", 1, out, 3), 2);
	cr_assert_eq(listing_escape_json("", 0, out, 0), -1);
}

Test(listing, uri_encodes_all_but_unreserved)
{
	char out[256];

	cr_assert_eq(listing_encode_uri("aZ09-._~", 8, out, sizeof(out)), 8);
	cr_assert_str_eq(out, "aZ09-._~");
	listing_encode_uri("javascript:alert(1)", 19, out, sizeof(out));
	cr_assert_str_eq(out, "javascript%3Aalert%281%29");
	listing_encode_uri("a\"b&c ?#%/\\", 11, out, sizeof(out));
	cr_assert_str_eq(out, "a%22b%26c%20%3F%23%25%2F%5C");
	listing_encode_uri("\xff\x00", 2, out, sizeof(out));
	cr_assert_str_eq(out, "%FF%00");
}

Test(listing, json_escapes_quotes_backslash_controls)
{
	char out[64];

	listing_escape_json("a\"b\\c\n\x01\x7f", 8, out, sizeof(out));
	cr_assert_str_eq(out, "a\\\"b\\\\c\\u000a\\u0001\\u007f");
}

Test(listing, json_invalid_utf8_becomes_replacement)
{
	char out[64];

	/* valid 2-, 3- and 4-byte sequences stay */
	listing_escape_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, out, sizeof(out));
	cr_assert_str_eq(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* a lone continuation, an overlong '/', a surrogate, a truncated
	 * sequence at the end, past U+10FFFF */
	listing_escape_json("\x80", 1, out, sizeof(out));
	cr_assert_str_eq(out, "\\ufffd");
	listing_escape_json("\xc0\xaf", 2, out, sizeof(out));
	cr_assert_str_eq(out, "\\ufffd\\ufffd");
	listing_escape_json("\xed\xa0\x80", 3, out, sizeof(out));
	cr_assert_str_eq(out, "\\ufffd\\ufffd\\ufffd");
	listing_escape_json("a\xe2\x82", 3, out, sizeof(out));
	cr_assert_str_eq(out, "a\\ufffd\\ufffd");
	listing_escape_json("\xf4\x90\x80\x80", 4, out, sizeof(out));
	cr_assert_str_eq(out, "\\ufffd\\ufffd\\ufffd\\ufffd");
}

Test(listing, sort_directories_first_then_bytes)
{
	struct listing_entry e[] = {
		E("b", false, 1), E("Z", false, 1), E("zdir", true, 0), E("ab", false, 1),
		E("a", false, 1), E("\xc3\xa9", false, 1), E("Adir", true, 0), E("a", true, 0),
	};
	const char *want[] = { "Adir", "a", "zdir", "Z", "a", "ab", "b", "\xc3\xa9" };

	listing_sort(e, 8);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(e[i].name_len, strlen(want[i]), "entry %d", i);
		cr_assert(memcmp(e[i].name, want[i], e[i].name_len) == 0, "entry %d: %.*s", i,
		    (int)e[i].name_len, e[i].name);
		cr_assert_eq(e[i].dir, i < 3, "entry %d", i);
	}
}

Test(listing, html_hostile_names_are_inert)
{
	struct listing_entry e[] = {
		E("<script>alert(1)", false, 5), E("a\"b&c", false, 7),
		E("x'onmouseover='y", true, 0), E("javascript:alert(1)", false, 1),
	};
	char *page = render(LISTING_HTML, "/d<i>r/", e, 4, false, 4096, NULL);

	cr_assert(strstr(page, "<a href=\"%3Cscript%3Ealert%281%29\">&lt;script&gt;alert(1)</a>") != NULL,
	    "%s", page);
	cr_assert(strstr(page, "<a href=\"a%22b%26c\">a&quot;b&amp;c</a></td><td>7</td>") != NULL, "%s", page);
	cr_assert(strstr(page, "<a href=\"x%27onmouseover%3D%27y/\">x&#39;onmouseover=&#39;y/</a>") != NULL,
	    "%s", page);
	cr_assert(strstr(page, "href=\"javascript%3Aalert%281%29\"") != NULL, "%s", page);
	cr_assert(strstr(page, "<title>Index of /d&lt;i&gt;r/</title>") != NULL, "%s", page);
	/* the only tags are the page's own */
	cr_assert_null(strstr(page, "<script"));
	cr_assert_null(strstr(page, "<i>"));
	cr_assert(strstr(page, "<a href=\"../\">../</a>") != NULL);
	cr_assert(strncmp(page, "<!DOCTYPE html>\n", 16) == 0);
	cr_assert_null(strstr(page, "Only the first"));
	free(page);
}

Test(listing, html_root_has_no_parent_link)
{
	char *page = render(LISTING_HTML, "/", NULL, 0, false, 4096, NULL);

	cr_assert_null(strstr(page, "../"), "%s", page);
	cr_assert(strstr(page, "</html>\n") != NULL);
	free(page);
}

Test(listing, html_truncated_says_so)
{
	struct listing_entry e[] = { E("a", false, 1), E("b", false, 2) };
	char *page = render(LISTING_HTML, "/", e, 2, true, 4096, NULL);

	cr_assert(strstr(page, "<p>Only the first 2 entries are listed.</p>") != NULL, "%s", page);
	free(page);
}

Test(listing, json_document)
{
	struct listing_entry e[] = {
		{ .name = "sub", .name_len = 3, .dir = true, .size = 4096, .mtime = 0 },
		{ .name = "a\"b", .name_len = 3, .size = 12345678901ULL, .mtime = 1700000000 },
	};
	char *doc = render(LISTING_JSON, "/", e, 2, false, 4096, NULL);

	cr_assert_str_eq(doc, "[\n"
	    "{\"name\":\"sub\",\"type\":\"directory\",\"size\":0,\"mtime\":\"1970-01-01T00:00:00Z\"},\n"
	    "{\"name\":\"a\\\"b\",\"type\":\"file\",\"size\":12345678901,\"mtime\":\"2023-11-14T22:13:20Z\"}\n"
	    "]\n");
	free(doc);
}

Test(listing, json_empty_and_truncated)
{
	struct listing_entry e[] = { E("a", false, 1) };
	char *doc = render(LISTING_JSON, "/", NULL, 0, false, 4096, NULL);

	cr_assert_str_eq(doc, "[\n]\n");
	free(doc);
	doc = render(LISTING_JSON, "/", e, 1, true, 4096, NULL);
	cr_assert_str_eq(doc, "[\n"
	    "{\"name\":\"a\",\"type\":\"file\",\"size\":1,\"mtime\":\"1970-01-01T00:00:00Z\"},\n"
	    "{\"truncated\":true,\"listed\":1}\n]\n");
	free(doc);
	doc = render(LISTING_JSON, "/", NULL, 0, true, 4096, NULL);
	cr_assert_str_eq(doc, "[\n{\"truncated\":true,\"listed\":0}\n]\n");
	free(doc);
}

/* The same page through buffers of 1, 7 and 64 KiB bytes: identical. */
Test(listing, small_buffer_flushes_the_same_bytes)
{
	struct listing_entry e[40];
	char names[40][32];
	char *big, *small;
	unsigned flushes;

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "<f%02d&\"%d>", i, i * 7);
		e[i] = (struct listing_entry){ .name = names[i], .name_len = (uint32_t)strlen(names[i]),
		    .dir = i % 5 == 0, .size = (uint64_t)i * 1000, .mtime = i * 86400 };
	}
	listing_sort(e, 40);
	big = render(LISTING_HTML, "/x/", e, 40, true, 65536, &flushes);
	cr_assert_eq(flushes, 1);
	for (size_t cap = 1; cap <= 7; cap += 6) {
		small = render(LISTING_HTML, "/x/", e, 40, true, cap, &flushes);
		cr_assert_str_eq(small, big);
		cr_assert_gt(flushes, strlen(big) / cap - 1);
		free(small);
	}
	free(big);
}

static int
failing_flush(void *arg, const char *p, size_t n)
{
	(void)arg, (void)p, (void)n;
	return -1;
}

Test(listing, failing_writer_fails_the_listing)
{
	struct listing_entry e[] = { E("a", false, 1) };
	char buf[16];
	struct listing_out o = { .buf = buf, .cap = sizeof(buf), .flush = failing_flush };
	struct listing_out none = { .buf = buf, .cap = sizeof(buf) };

	cr_assert_eq(listing_write(&o, LISTING_HTML, "/", 1, e, 1, false), -1);
	cr_assert(o.failed);
	cr_assert_leq(o.total, sizeof(buf));
	/* no flush at all: only what fits the buffer */
	cr_assert_eq(listing_write(&none, LISTING_JSON, "/", 1, e, 1, false), -1);
}
