/*
 * multipart.h: the framing of a multipart/byteranges body (RFC 9110
 * 14.6, RFC 2046 5.1): what goes before each part's bytes and after the
 * last, and the body's exact length before any of it is sent.
 *
 * The body is, for parts 0..n-1 and then the close:
 *   part 0:  "--B\r\nContent-Type: T\r\nContent-Range: bytes a-b/size\r\n\r\n" bytes
 *   part i:  "\r\n--B\r\n..." the same, bytes
 *   close:   "\r\n--B--\r\n"
 * Pure: the part bytes themselves come from the file, through the engine.
 */
#ifndef RINGPUSH_MULTIPART_H
#define RINGPUSH_MULTIPART_H

#include <stddef.h>
#include <stdint.h>
#include "ranges.h"

/* "ringpush-" and 16 hex digits */
#define MULTIPART_BOUNDARY_LEN 25

/* The boundary made from n, NUL-terminated.  Callers pass a number no
 * client can guess (a boundary found in a part would cut it short). */
void multipart_boundary(uint64_t n, char out[MULTIPART_BOUNDARY_LEN + 1]);

/* The text before part index (first..last of a file of size bytes) into
 * buf; the first part has no leading CRLF.  Returns its length, or -1
 * when cap is too small. */
int multipart_part_header(char *buf, size_t cap, const char *boundary, const char *type,
    unsigned index, uint64_t first, uint64_t last, uint64_t size);

/* The closing delimiter into buf.  Returns its length or -1. */
int multipart_close(char *buf, size_t cap, const char *boundary);

/* The whole body's length: every part's header and bytes, and the close;
 * counted, not formatted. */
uint64_t multipart_length(const struct range_set *set, const char *boundary,
    const char *type, uint64_t size);

#endif
