/*
 * access.c: access log line formatting (see access.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "access.h"

struct out {
	char *buf;
	size_t len, cap;      /* len < cap always: room for the NUL */
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - 1 - o->len;
}

/*
 * Length of the UTF-8 character that starts at p[0..n) (2 to 4), or 0
 * when the bytes there are not one (RFC 3629: no overlongs, surrogates,
 * code points past U+10FFFF, or truncated sequences).  p[0] >= 0x80.
 */
static size_t
utf8_char_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return len;
}

/*
 * Field text, escaped; "-" (combined) or null (json) when absent.  At most
 * ACCESS_FIELD_MAX bytes of p are taken, counted before escaping (so a
 * field can grow at most ACCESS_ESCAPE_MAX times, which ACCESS_LINE_MAX
 * allows for) and cut only between characters.  A byte that is not part
 * of a valid UTF-8 character is escaped, never copied: a JSON line must
 * be UTF-8, and a log reader should never meet a broken character.
 */
static void
put_field(struct out *o, const char *p, size_t n, enum conf_log_format format)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i, take;

	if (p == NULL || n == 0) {
		if (format == LOG_FORMAT_JSON)
			put(o, "null", 4);
		else
			put(o, "-", 1);
		return;
	}
	if (format == LOG_FORMAT_JSON)
		put(o, "\"", 1);
	for (i = 0; i < n; i += take) {
		unsigned char ch = u[i];

		take = ch < 0x80 ? 1 : utf8_char_len(u + i, n - i);
		if (i + (take > 0 ? take : 1) > ACCESS_FIELD_MAX)
			break;
		if (take == 0) {
			take = 1;
			if (format == LOG_FORMAT_JSON)
				put(o, "\\ufffd", 6);
			else
				putf(o, "\\x%02x", ch);
		} else if (take > 1) {
			put(o, p + i, take);
		} else if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			put(o, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			if (format == LOG_FORMAT_JSON)
				putf(o, "\\u%04x", ch);
			else
				putf(o, "\\x%02x", ch);
		} else {
			put(o, p + i, 1);
		}
	}
	if (format == LOG_FORMAT_JSON)
		put(o, "\"", 1);
}

size_t
access_format(const struct access_entry *e, enum conf_log_format format,
    char *buf, size_t cap)
{
	struct out o = { buf, 0, cap };
	struct tm tm;
	char when[40];

	if (cap == 0)
		return 0;
	gmtime_r(&e->when, &tm);
	if (format == LOG_FORMAT_JSON) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		putf(&o, "{\"time\":\"%s\",\"remote\":", when);
		put_field(&o, e->remote, strlen(e->remote), format);
		put(&o, ",\"method\":", 10);
		put_field(&o, e->method, e->method_len, format);
		put(&o, ",\"target\":", 10);
		put_field(&o, e->target, e->target_len, format);
		if (e->method_len > 0 && e->version != NULL)
			putf(&o, ",\"version\":\"%s\"", e->version);
		else if (e->method_len > 0)
			putf(&o, ",\"version\":\"HTTP/1.%u\"", e->version_minor);
		else
			put(&o, ",\"version\":null", 15);
		putf(&o, ",\"status\":%d,\"body_bytes\":%llu,\"bytes_sent\":%llu,\"referer\":",
		    e->status, (unsigned long long)e->body_bytes,
		    (unsigned long long)e->bytes_sent);
		put_field(&o, e->referer, e->referer_len, format);
		put(&o, ",\"user_agent\":", 14);
		put_field(&o, e->user_agent, e->user_agent_len, format);
		putf(&o, ",\"duration_us\":%llu,\"bytes_received\":%llu}",
		    (unsigned long long)e->duration_us, (unsigned long long)e->bytes_received);
	} else {
		strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		putf(&o, "%s - - [%s] \"", e->remote, when);
		if (e->method_len > 0) {
			put_field(&o, e->method, e->method_len, format);
			put(&o, " ", 1);
			put_field(&o, e->target, e->target_len, format);
			if (e->version != NULL)
				putf(&o, " %s", e->version);
			else
				putf(&o, " HTTP/1.%u", e->version_minor);
		} else {
			put(&o, "-", 1);
		}
		putf(&o, "\" %d %llu \"", e->status, (unsigned long long)e->body_bytes);
		put_field(&o, e->referer, e->referer_len, format);
		put(&o, "\" \"", 3);
		put_field(&o, e->user_agent, e->user_agent_len, format);
		putf(&o, "\" %llu %llu %llu", (unsigned long long)e->bytes_sent,
		    (unsigned long long)e->duration_us, (unsigned long long)e->bytes_received);
	}
	buf[o.len] = '\0';
	return o.len;
}
