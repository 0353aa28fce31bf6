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

/* Field text, escaped; "-" (combined) or null (json) when absent. */
static void
put_field(struct out *o, const char *p, size_t n, enum conf_log_format format)
{
	if (p == NULL || n == 0) {
		if (format == LOG_FORMAT_JSON)
			put(o, "null", 4);
		else
			put(o, "-", 1);
		return;
	}
	if (n > ACCESS_FIELD_MAX)
		n = ACCESS_FIELD_MAX;
	if (format == LOG_FORMAT_JSON)
		put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			put(o, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			if (format == LOG_FORMAT_JSON)
				putf(o, "\\u%04x", ch);
			else
				putf(o, "\\x%02x", ch);
		} else {
			put(o, (const char *)&p[i], 1);
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
		if (e->method_len > 0)
			putf(&o, ",\"version\":\"HTTP/1.%u\"", e->version_minor);
		else
			put(&o, ",\"version\":null", 15);
		putf(&o, ",\"status\":%d,\"body_bytes\":%llu,\"bytes_sent\":%llu,\"referer\":",
		    e->status, (unsigned long long)e->body_bytes,
		    (unsigned long long)e->bytes_sent);
		put_field(&o, e->referer, e->referer_len, format);
		put(&o, ",\"user_agent\":", 14);
		put_field(&o, e->user_agent, e->user_agent_len, format);
		putf(&o, ",\"duration_us\":%llu}", (unsigned long long)e->duration_us);
	} else {
		strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		putf(&o, "%s - - [%s] \"", e->remote, when);
		if (e->method_len > 0) {
			put_field(&o, e->method, e->method_len, format);
			put(&o, " ", 1);
			put_field(&o, e->target, e->target_len, format);
			putf(&o, " HTTP/1.%u", e->version_minor);
		} else {
			put(&o, "-", 1);
		}
		putf(&o, "\" %d %llu \"", e->status, (unsigned long long)e->body_bytes);
		put_field(&o, e->referer, e->referer_len, format);
		put(&o, "\" \"", 3);
		put_field(&o, e->user_agent, e->user_agent_len, format);
		putf(&o, "\" %llu %llu", (unsigned long long)e->bytes_sent,
		    (unsigned long long)e->duration_us);
	}
	buf[o.len] = '\0';
	return o.len;
}
