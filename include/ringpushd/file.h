/*
 * file.h: what decides which bytes of a file a request gets.
 * Range parsing, validators (ETag, Last-Modified), conditional requests and
 * content types are pure functions; file_open_beneath() is the one place a
 * request path becomes an open file, confined below the listener's root.
 */
#ifndef RINGPUSH_FILE_H
#define RINGPUSH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "http.h"

#define FILE_ETAG_MAX 64

enum range_result {
	RANGE_NONE,            /* no Range header, or one we answer with 200
				  (other unit, syntax error, several ranges) */
	RANGE_OK,              /* one satisfiable range: *first..*last */
	RANGE_UNSATISFIABLE    /* 416 */
};

/* Parse a Range header value against a file of size bytes, allowing one
 * range: ranges_parse() (ranges.h) with max_ranges 1.
 * "bytes=a-b", "bytes=a-", "bytes=-n"; RFC 9110 14.1.2: a last beyond the
 * end is clamped; a first at or past the end is unsatisfiable; "-0" is
 * unsatisfiable; a suffix longer than the file means the whole file;
 * anything malformed (other unit, whitespace inside the range, last <
 * first, a number that overflows 64 bits) or several ranges is ignored
 * (RANGE_NONE), and so is a suffix range on an empty file (200 with the
 * empty file).  Whitespace around the range and empty list elements are
 * allowed (#list, RFC 9110 5.6.1). */
enum range_result range_parse(const char *v, size_t len, uint64_t size,
    uint64_t *first, uint64_t *last);

/* Strong ETag from mtime (in ns) and size, "\"<mtime ns hex>-<size hex>\"":
 * no inode, so replicas of a file with the same bytes and mtime agree. */
void file_etag(uint64_t size, int64_t mtime_sec, uint32_t mtime_nsec,
    char out[FILE_ETAG_MAX]);

/* RFC 9110 13.2.2, in its order: If-Match (strong comparison, "*"
 * matches, a malformed list matches nothing) fails with 412 when no
 * member matches; without If-Match, If-Unmodified-Since fails with 412
 * when mtime is later than its date (a date that does not parse is
 * ignored).  Then If-None-Match (weak comparison, "*" matches) decides
 * when present; otherwise If-Modified-Since, compared with mtime.  An
 * If-Modified-Since later than now (the response's Date) is ignored like
 * one that does not parse: it cannot come from a Last-Modified this daemon
 * sends, and a file changed since would get 304.  Returns 412, 304 or 0
 * (go on to Range and If-Range). */
int file_conditional(const struct http_request *req, const char *etag, time_t mtime,
    time_t now);

/* If-Range: true when the Range header may be honoured (no If-Range, or a
 * strong ETag match).  An HTTP-date never matches: a Last-Modified second
 * is not a strong validator (RFC 9110 13.1.5), as the file may change
 * twice within it. */
bool file_if_range(const struct http_request *req, const char *etag);

/* Content type from the extension (case-insensitive);
 * "application/octet-stream" when unknown. */
const char *file_mime_type(const char *path, size_t len);

/* The built-in table, for tests: number of entries and the extension of
 * entry i (NULL past the end). */
size_t file_mime_count(void);
const char *file_mime_ext(size_t i);

struct open_how;

/* How a request path opens below a listener's root: O_RDONLY | O_CLOEXEC
 * | O_NONBLOCK (so a FIFO never blocks), RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS, and RESOLVE_NO_SYMLINKS unless follow_symlinks.
 * The daemon's IORING_OP_OPENAT2 and file_open_beneath() both take it. */
void file_open_how(struct open_how *how, bool follow_symlinks);

/* Open the request path (decoded, starting with '/') below rootfd with
 * openat2 and file_open_how(follow_symlinks = true): the daemon's open as
 * a plain system call.  "/" opens the root itself.
 * Where openat2 is missing (ENOSYS) it falls back to file_open_walk().
 * Returns the fd or -errno: -EXDEV for a path or symlink that leaves the
 * root. */
int file_open_beneath(int rootfd, const char *path);

/* The fallback: one openat(O_NOFOLLOW) per component, so no symlink is
 * followed at all (-ELOOP on the last name, -ENOTDIR on a directory) and
 * ".." is refused with -EXDEV.  Stricter than openat2, never looser. */
int file_open_walk(int rootfd, const char *path);

#endif
