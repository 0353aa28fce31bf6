/*
 * fuzz_access.c: libFuzzer target for access_format(), the access log
 * line writer.
 *
 * The input's first byte picks the format (bit 0) and a small buffer size
 * for a second run (the other bits); the rest is split on NUL bytes into
 * method, target, referer and user agent (missing ones are absent).
 * Invariants, with a buffer of ACCESS_LINE_MAX: the line is whole (its
 * last field is there), has no raw control byte, and is valid UTF-8; a
 * JSON line is one valid JSON text.  With any smaller buffer nothing is
 * written past it and the result stays NUL-terminated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "../json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
utf8_text(const char *s, size_t len)
{
	struct json_cursor c = { (const unsigned char *)s,
		(const unsigned char *)s + len, 0 };

	while (c.p < c.end) {
		if (*c.p < 0x20 || *c.p == 0x7f)
			return false;
		if (*c.p < 0x80)
			c.p++;
		else if (!json_check_utf8(&c))
			return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[ACCESS_LINE_MAX];
	const char *field[4] = { NULL, NULL, NULL, NULL };
	size_t field_len[4] = { 0, 0, 0, 0 }, n, small, i, start, f = 0;
	enum conf_log_format format;
	struct access_entry e;
	char tail[64];
	char *cut;

	if (size == 0)
		return 0;
	format = data[0] & 1 ? LOG_FORMAT_JSON : LOG_FORMAT_COMBINED;
	small = (size_t)(data[0] >> 1) * 37;
	for (i = start = 1; i <= size && f < 4; i++) {
		if (i < size && data[i] != 0)
			continue;
		field[f] = (const char *)data + start;
		field_len[f++] = i - start;
		start = i + 1;
	}
	e = (struct access_entry){
		.remote = "2001:db8::7",
		.when = 1795666933,
		.method = field[0], .method_len = field_len[0],
		.target = field[1], .target_len = field_len[1],
		.referer = field[2], .referer_len = field_len[2],
		.user_agent = field[3], .user_agent_len = field_len[3],
		.version_minor = 1,
		.status = 200,
		.body_bytes = size,
		.bytes_sent = size * 3,
		.duration_us = UINT64_MAX,
		.bytes_received = size * 5,
	};

	n = access_format(&e, format, line, sizeof(line));
	if (n != strlen(line) || n >= sizeof(line) - 1)
		abort();
	if (!utf8_text(line, n))
		abort();
	if (format == LOG_FORMAT_JSON) {
		snprintf(tail, sizeof(tail), ",\"duration_us\":%llu,\"bytes_received\":%llu}",
		    (unsigned long long)UINT64_MAX, (unsigned long long)e.bytes_received);
		if (!json_check(line, n))
			abort();
	} else {
		snprintf(tail, sizeof(tail), "\" %llu %llu %llu",
		    (unsigned long long)e.bytes_sent, (unsigned long long)UINT64_MAX,
		    (unsigned long long)e.bytes_received);
	}
	if (n < strlen(tail) || strcmp(line + n - strlen(tail), tail) != 0)
		abort();

	/* A buffer too small: cut, never overrun (ASan sees the bounds). */
	if (small > 0 && small < sizeof(line)) {
		cut = malloc(small);
		if (cut == NULL)
			return 0;
		n = access_format(&e, format, cut, small);
		if (n >= small || cut[n] != '\0' || strlen(cut) != n)
			abort();
		free(cut);
	}
	return 0;
}
