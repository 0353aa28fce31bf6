/*
 * fuzz_listing.c: libFuzzer target for the listing writer (listing.c).
 *
 * The input's first byte picks the writer's buffer size (so flushes fall
 * anywhere) and whether the listing is cut; the rest is split on NUL bytes
 * into names, every second one a directory.  Invariants: each escape keeps
 * its place's special characters out (HTML text has no < > " ' and every
 * & starts an entity; a link holds only unreserved bytes and %XX, and
 * decodes back to the name; a JSON string is valid JSON); the JSON
 * document is one valid JSON text; the HTML page has exactly as many '<'
 * as the same page with harmless names, so no name adds markup; and the
 * bytes do not depend on the buffer size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "../json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 64
#define NAME_CAP 256

struct sink {
	char *data;
	size_t len, cap;
};

/* Grows by doubling: a one-byte writer buffer flushes every byte. */
static int
sink_flush(void *arg, const char *p, size_t n)
{
	struct sink *k = arg;

	if (k->len + n + 1 > k->cap) {
		size_t cap = k->cap ? k->cap : 4096;
		char *d;

		while (cap < k->len + n + 1)
			cap *= 2;
		d = realloc(k->data, cap);
		if (d == NULL)
			abort();
		k->data = d;
		k->cap = cap;
	}
	memcpy(k->data + k->len, p, n);
	k->len += n;
	k->data[k->len] = '\0';
	return 0;
}

static struct sink
render(enum listing_format fmt, const struct listing_entry *e, size_t n, bool cut, size_t cap)
{
	char *buf = malloc(cap);
	struct sink k = { 0 };
	struct listing_out o = { .buf = buf, .cap = cap, .flush = sink_flush, .arg = &k };

	if (buf == NULL || listing_write(&o, fmt, "/d/", 3, e, n, cut) != 0 || o.total != k.len)
		abort();
	free(buf);
	if (k.data == NULL)
		abort();
	return k;
}

static size_t
count(const char *s, size_t len, char ch)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == ch;
	return n;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void
check_escapes(const char *name, size_t len)
{
	static char out[NAME_CAP * 6 + 3];
	static char decoded[NAME_CAP];
	ssize_t n;
	size_t d = 0;

	n = listing_escape_html(name, len, out, sizeof(out));
	if (n < 0)
		abort();
	for (ssize_t i = 0; i < n; i++) {
		if (out[i] == '<' || out[i] == '>' || out[i] == '"' || out[i] == '\'')
			abort();
		if (out[i] == '&' && strncmp(out + i, "&amp;", 5) != 0 &&
		    strncmp(out + i, "&lt;", 4) != 0 && strncmp(out + i, "&gt;", 4) != 0 &&
		    strncmp(out + i, "&quot;", 6) != 0 && strncmp(out + i, "&#39;", 5) != 0)
			abort();
	}
	n = listing_encode_uri(name, len, out, sizeof(out));
	if (n < 0)
		abort();
	for (ssize_t i = 0; i < n; i++) {
		char ch = out[i];

		if (ch == '%') {
			if (i + 2 >= n)
				abort();
			if (hexval(out[i + 1]) < 0 || hexval(out[i + 2]) < 0)
				abort();
			decoded[d++] = (char)(hexval(out[i + 1]) * 16 + hexval(out[i + 2]));
			i += 2;
		} else if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			decoded[d++] = ch;
		} else {
			abort();
		}
	}
	if (d != len || memcmp(decoded, name, len) != 0)
		abort();
	out[0] = '"';
	n = listing_escape_json(name, len, out + 1, sizeof(out) - 2);
	if (n < 0)
		abort();
	out[n + 1] = '"';
	if (!json_check(out, (size_t)n + 2))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MAX_NAMES][NAME_CAP];
	struct listing_entry e[MAX_NAMES], plain[MAX_NAMES];
	struct sink html, html_small, json, harmless;
	size_t n = 0, cap;
	bool cut;

	if (size < 1)
		return 0;
	cap = 1 + (data[0] >> 1);
	cut = data[0] & 1;
	data++, size--;
	while (size > 0 && n < MAX_NAMES) {
		const uint8_t *nul = memchr(data, 0, size);
		size_t whole = nul != NULL ? (size_t)(nul - data) : size;
		size_t len = whole;

		if (len >= NAME_CAP)
			len = NAME_CAP - 1;
		memcpy(names[n], data, len);
		check_escapes(names[n], len);
		e[n] = (struct listing_entry){ .name = names[n], .name_len = (uint32_t)len,
		    .dir = n % 2 == 1, .size = len * 1000003ULL, .mtime = (int64_t)len * 86399 };
		plain[n] = e[n];
		plain[n].name = "x";
		plain[n].name_len = 1;
		n++;
		if (nul == NULL)
			break;
		size -= whole + 1;
		data = nul + 1;
	}
	listing_sort(e, n);
	for (size_t i = 1; i < n; i++)
		if (e[i - 1].dir < e[i].dir)
			abort();

	html = render(LISTING_HTML, e, n, cut, 65536);
	html_small = render(LISTING_HTML, e, n, cut, cap);
	if (html.len != html_small.len || memcmp(html.data, html_small.data, html.len) != 0)
		abort();
	harmless = render(LISTING_HTML, plain, n, cut, 65536);
	if (count(html.data, html.len, '<') != count(harmless.data, harmless.len, '<') ||
	    count(html.data, html.len, '>') != count(harmless.data, harmless.len, '>'))
		abort();
	json = render(LISTING_JSON, e, n, cut, cap);
	if (!json_check(json.data, json.len))
		abort();
	free(html.data);
	free(html_small.data);
	free(harmless.data);
	free(json.data);
	return 0;
}
