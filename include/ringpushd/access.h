/*
 * access.h: one access log line, in combined log format or as JSON.
 *
 * Pure formatting, so every escape can be tested: request text comes from
 * the client and must never break a line or a JSON string.
 */
#ifndef RINGPUSH_ACCESS_H
#define RINGPUSH_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "conf.h"

struct access_entry {
	const char *remote;            /* address text */
	time_t when;
	const char *method, *target, *referer, *user_agent;  /* may be NULL */
	size_t method_len, target_len, referer_len, user_agent_len;
	unsigned version_minor;
	const char *version;           /* NULL: HTTP/1.version_minor; else the
					  version a 505 refused, as text */
	int status;
	uint64_t body_bytes;           /* body bytes sent */
	uint64_t bytes_sent;           /* header and body */
	uint64_t duration_us;
	uint64_t bytes_received;       /* request body bytes (uploads) */
};

/* Longest field text copied into a line, in bytes of the request; the
 * rest is cut, before escaping and never inside a UTF-8 character. */
#define ACCESS_FIELD_MAX 1024
/* Longest escape of one request byte: "\u0009", "\ufffd", "\xff". */
#define ACCESS_ESCAPE_MAX 6
/* A buffer this large holds any line whole: five fields (remote, method,
 * target, referer, user agent) escaped at their worst, plus the fixed
 * text and the numbers. */
#define ACCESS_LINE_MAX (5 * ACCESS_ESCAPE_MAX * ACCESS_FIELD_MAX + 512)

/*
 * combined: host - - [26/Nov/2026:04:22:13 +0000] "GET /x HTTP/1.1" 200
 *   BODY "referer" "user-agent" BYTES_SENT DURATION_US BYTES_RECEIVED
 *   (a request that could not be parsed shows as "-"; '"' and '\' in
 *   fields are escaped with '\', other bytes below 0x20 or 0x7f, and
 *   bytes that are not part of valid UTF-8, as \xHH)
 * json: {"time":"2026-11-26T04:22:13Z","remote":...,"method":...,
 *   "target":...,"version":"HTTP/1.1","status":200,"body_bytes":...,
 *   "bytes_sent":...,"referer":...,"user_agent":...,"duration_us":...,
 *   "bytes_received":...}
 *   (absent fields are null; strings escaped per RFC 8259; each byte that
 *   is not part of valid UTF-8 (RFC 3629) becomes \ufffd, so the line is
 *   always valid JSON in valid UTF-8)
 * Writes at most cap - 1 bytes and a NUL; returns the length.  With cap
 * at least ACCESS_LINE_MAX the line is always whole.
 */
size_t access_format(const struct access_entry *e, enum conf_log_format format,
    char *buf, size_t cap);

#endif
