/*
 * headers.h: the response header fields a listener adds (cache_control,
 * add_header), checked when the configuration is read so that a request
 * never meets a bad one.  Pure functions.
 */
#ifndef RINGPUSH_HEADERS_H
#define RINGPUSH_HEADERS_H

#include <stddef.h>

/* NULL when v may be a field value (RFC 9110 5.5: visible bytes, obs-text,
 * spaces and tabs inside; no CR, LF, NUL or other control byte; not empty,
 * no whitespace at either end), else why not. */
const char *headers_check_value(const char *v);

/*
 * Check an add_header value, "Name: value" (a token, a colon, optional
 * whitespace, a field value), and append "Name: value\r\n" to buf, which
 * holds cap bytes and a NUL-terminated list of such lines.  Names the
 * daemon writes itself (framing, validators, Cache-Control: use
 * cache_control) are refused: a second copy would contradict the first.
 * Returns NULL, or why the line is refused (buf unchanged).
 */
const char *headers_append(char *buf, size_t cap, const char *line);

#endif
