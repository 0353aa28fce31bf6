/*
 * bench_http.h: the little HTTP/1.1 ringbench speaks: building GET and
 * HEAD requests and parsing a response's status line and the headers it
 * needs.  Pure functions on bytes, so they are tested without a network.
 */
#ifndef RINGPUSH_BENCH_HTTP_H
#define RINGPUSH_BENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_http_resp {
	int status;
	bool has_length;
	uint64_t content_length;
	bool close;                     /* Connection: close or HTTP/1.0 */
	bool has_range;
	uint64_t range_first;           /* Content-Range: bytes first-last/total */
	uint64_t range_last;
	uint64_t range_total;
};

/*
 * Parse the response head in buf[0..len).  Returns the head's length
 * (through the blank line) on success, 0 when more bytes are needed, -1
 * when the bytes are not an HTTP/1.x response head.
 */
long bench_http_parse(const char *buf, size_t len,
    struct bench_http_resp *resp);

/*
 * Write a request into buf (size cap): GET or HEAD of path, with a Range
 * of [first, first + length) when length > 0, and "Connection: close"
 * when keepalive is false.  Returns its length, or -1 when it does not fit.
 */
int bench_http_request(char *buf, size_t cap, const char *method,
    const char *host, const char *path, uint64_t first, uint64_t length,
    bool keepalive);

/*
 * Write the head of a PUT of path with a body of length bytes, with
 * Basic credentials user:pass when pass is not NULL (user NULL: an empty
 * name).  Returns its length, or -1 when it does not fit.
 */
int bench_http_put(char *buf, size_t cap, const char *host, const char *path,
    uint64_t length, bool keepalive, const char *user, const char *pass);

#endif
