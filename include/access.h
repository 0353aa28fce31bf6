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
	int status;
	uint64_t body_bytes;           /* body bytes sent */
	uint64_t bytes_sent;           /* header and body */
	uint64_t duration_us;
};

/* Longest field text copied into a line; the rest is cut. */
#define ACCESS_FIELD_MAX 1024

/*
 * combined: host - - [26/Nov/2026:04:22:13 +0000] "GET /x HTTP/1.1" 200
 *   BODY "referer" "user-agent" BYTES_SENT DURATION_US
 *   (a request that could not be parsed shows as "-"; '"' and '\' in
 *   fields are escaped with '\', other bytes below 0x20 or 0x7f as \xHH)
 * json: {"time":"2026-11-26T04:22:13Z","remote":...,"method":...,
 *   "target":...,"version":"HTTP/1.1","status":200,"body_bytes":...,
 *   "bytes_sent":...,"referer":...,"user_agent":...,"duration_us":...}
 *   (absent fields are null; strings escaped per RFC 8259, other bytes
 *   passed through)
 * Writes at most cap - 1 bytes and a NUL; returns the length.  cap must
 * be at least 4 * ACCESS_FIELD_MAX + 512 for no field to be cut early.
 */
size_t access_format(const struct access_entry *e, enum conf_log_format format,
    char *buf, size_t cap);

#endif
