/*
 * listing.c: the HTML or JSON body of a directory listing.
 *
 * Every name is untrusted: a file may be called "<script>", 'a"b&c' or
 * "javascript:x".  So each name goes out through exactly one escape for
 * the place it lands in: percent-encoding in an href, entities in HTML
 * text, JSON string escapes in JSON.  respond_listing.c reads the
 * directory and decides what is listed; this file only writes.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "listing.h"

static void
put(struct listing_out *o, const char *p, size_t n)
{
	while (n > 0 && !o->failed) {
		size_t room;

		if (o->len == o->cap) {
			if (o->flush == NULL || o->flush(o->arg, o->buf, o->len) < 0) {
				o->failed = true;
				return;
			}
			o->len = 0;
		}
		room = o->cap - o->len;
		if (room > n)
			room = n;
		memcpy(o->buf + o->len, p, room);
		o->len += room;
		o->total += room;
		p += room;
		n -= room;
	}
}

static void
puts_(struct listing_out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* U+FFFD in UTF-8: what a byte that cannot be shown becomes. */
#define REPLACEMENT "\xef\xbf\xbd"

static void
put_html(struct listing_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '&': puts_(o, "&amp;"); break;
		case '<': puts_(o, "&lt;"); break;
		case '>': puts_(o, "&gt;"); break;
		case '"': puts_(o, "&quot;"); break;
		case '\'': puts_(o, "&#39;"); break;
		default:
			/* Controls are parse errors in HTML5 text. */
			if (ch < 0x20 || ch == 0x7f)
				puts_(o, REPLACEMENT);
			else
				put(o, (const char *)&s[i], 1);
		}
	}
}

static void
put_uri(struct listing_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
		    ch == '~')
			put(o, (const char *)&s[i], 1);
		else
			put(o, enc, 3);
	}
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void
put_json(struct listing_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		size_t len;

		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			put(o, esc, 2);
			i++;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };

			put(o, esc, 6);
			i++;
			continue;
		}
		len = utf8_len((const unsigned char *)s + i, n - i);
		if (len == 0) {
			puts_(o, "\\ufffd");
			i++;
			continue;
		}
		put(o, s + i, len);
		i += len;
	}
}

/* An escape into a caller's buffer: a writer with no flush, one byte
 * kept for the NUL. */
static ssize_t
escape_into(void (*fn)(struct listing_out *, const char *, size_t), const char *s,
    size_t n, char *out, size_t cap)
{
	struct listing_out o = { .buf = out, .cap = cap > 0 ? cap - 1 : 0 };

	if (cap == 0)
		return -1;
	fn(&o, s, n);
	if (o.failed)
		return -1;
	out[o.len] = '\0';
	return (ssize_t)o.len;
}

ssize_t
listing_escape_html(const char *s, size_t n, char *out, size_t cap)
{
	return escape_into(put_html, s, n, out, cap);
}

ssize_t
listing_encode_uri(const char *s, size_t n, char *out, size_t cap)
{
	return escape_into(put_uri, s, n, out, cap);
}

ssize_t
listing_escape_json(const char *s, size_t n, char *out, size_t cap)
{
	return escape_into(put_json, s, n, out, cap);
}


static int
entry_cmp(const void *pa, const void *pb)
{
	const struct listing_entry *a = pa, *b = pb;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int d;

	if (a->dir != b->dir)
		return a->dir ? -1 : 1;
	d = memcmp(a->name, b->name, n);
	if (d != 0)
		return d;
	return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

void
listing_sort(struct listing_entry *e, size_t n)
{
	if (n > 1)
		qsort(e, n, sizeof(*e), entry_cmp);
}


static void
put_time(struct listing_out *o, int64_t t, bool rfc3339)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];
	size_t len;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	len = rfc3339 ? strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) :
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	put(o, buf, len);
}

static void
put_u64(struct listing_out *o, uint64_t v)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);

	put(o, buf, (size_t)len);
}

static void
write_html(struct listing_out *o, const char *dir, size_t dir_len,
    const struct listing_entry *e, size_t n, bool truncated)
{
	puts_(o, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>Index of ");
	put_html(o, dir, dir_len);
	puts_(o, "</title>\n</head>\n<body>\n<h1>Index of ");
	put_html(o, dir, dir_len);
	puts_(o, "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr>\n");
	if (!(dir_len == 1 && dir[0] == '/'))
		puts_(o, "<tr><td><a href=\"../\">../</a></td><td>-</td><td></td></tr>\n");
	for (size_t i = 0; i < n; i++) {
		puts_(o, "<tr><td><a href=\"");
		put_uri(o, e[i].name, e[i].name_len);
		puts_(o, e[i].dir ? "/\">" : "\">");
		put_html(o, e[i].name, e[i].name_len);
		puts_(o, e[i].dir ? "/</a></td><td>-</td><td>" : "</a></td><td>");
		if (!e[i].dir) {
			put_u64(o, e[i].size);
			puts_(o, "</td><td>");
		}
		put_time(o, e[i].mtime, false);
		puts_(o, "</td></tr>\n");
	}
	puts_(o, "</table>\n");
	if (truncated) {
		puts_(o, "<p>Only the first ");
		put_u64(o, n);
		puts_(o, " entries are listed.</p>\n");
	}
	puts_(o, "</body>\n</html>\n");
}

static void
write_json(struct listing_out *o, const struct listing_entry *e, size_t n,
    bool truncated)
{
	puts_(o, "[");
	for (size_t i = 0; i < n; i++) {
		puts_(o, i > 0 ? ",\n{\"name\":\"" : "\n{\"name\":\"");
		put_json(o, e[i].name, e[i].name_len);
		puts_(o, e[i].dir ? "\",\"type\":\"directory\",\"size\":" :
		    "\",\"type\":\"file\",\"size\":");
		put_u64(o, e[i].dir ? 0 : e[i].size);
		puts_(o, ",\"mtime\":\"");
		put_time(o, e[i].mtime, true);
		puts_(o, "\"}");
	}
	/* The cut is said inside the document, where a script reading it
	 * sees it: one last element without a name. */
	if (truncated) {
		puts_(o, n > 0 ? ",\n{\"truncated\":true,\"listed\":" : "\n{\"truncated\":true,\"listed\":");
		put_u64(o, n);
		puts_(o, "}");
	}
	puts_(o, "\n]\n");
}

int
listing_write(struct listing_out *o, enum listing_format fmt, const char *dir,
    size_t dir_len, const struct listing_entry *e, size_t n, bool truncated)
{
	if (fmt == LISTING_JSON)
		write_json(o, e, n, truncated);
	else
		write_html(o, dir, dir_len, e, n, truncated);
	if (!o->failed && o->len > 0) {
		if (o->flush == NULL || o->flush(o->arg, o->buf, o->len) < 0)
			o->failed = true;
		else
			o->len = 0;
	}
	return o->failed ? -1 : 0;
}
