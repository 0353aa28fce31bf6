/*
 * listing.h: the body of a directory listing (autoindex), as HTML or JSON.
 *
 * Pure: the caller reads the directory and hands over its entries; this
 * module sorts them and writes the body through a small buffered writer
 * whose flush callback decides where the bytes go (a memfd in the daemon,
 * memory in the tests).  Nothing here touches a file descriptor.
 */
#ifndef RINGPUSH_LISTING_H
#define RINGPUSH_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum listing_format {
	LISTING_OFF,           /* no listing: a directory without its index is 403 */
	LISTING_HTML,
	LISTING_JSON,
};

struct listing_entry {
	const char *name;      /* bytes as the file system holds them, no NUL needed */
	uint32_t name_len;
	bool dir;
	uint64_t size;
	int64_t mtime;         /* seconds since the epoch */
};

/*
 * Buffered output.  When buf is full, flush(arg, buf, len) takes the bytes
 * (returns 0, or -1 on failure); with flush NULL a full buffer is a
 * failure.  After a failure nothing more is written and failed stays set.
 * total counts every byte accepted.
 */
struct listing_out {
	char *buf;
	size_t cap, len;
	int (*flush)(void *arg, const char *p, size_t n);
	void *arg;
	bool failed;
	uint64_t total;
};

/* Directories first, then names compared bytewise (memcmp, shorter first
 * on a common prefix). */
void listing_sort(struct listing_entry *e, size_t n);

/*
 * The escapes, each into out[0..cap) with a NUL; returns the length, or
 * -1 when cap is too small.  html: & < > " ' become entities and C0
 * controls and DEL become U+FFFD, the rest is copied.  uri: every byte but
 * RFC 3986 unreserved (A-Z a-z 0-9 - . _ ~) becomes %XX, so a name can be
 * neither a scheme ("javascript:"), a query nor a fragment.  json: " \ and
 * controls are escaped, bytes that are not valid UTF-8 become \ufffd so
 * the document stays valid JSON.
 */
ssize_t listing_escape_html(const char *s, size_t n, char *out, size_t cap);
ssize_t listing_encode_uri(const char *s, size_t n, char *out, size_t cap);
ssize_t listing_escape_json(const char *s, size_t n, char *out, size_t cap);

/*
 * The whole body: fmt LISTING_HTML or LISTING_JSON, for the directory
 * named dir (the decoded request path, ending in '/'), entries e[0..n)
 * already sorted.  truncated: more entries existed than were listed; the
 * HTML page says so in a paragraph, JSON in a last element
 * {"truncated":true,"listed":N}.  HTML links are relative and percent-encoded, directories end
 * in '/'; a "../" link leads up except at "/".  JSON: an array of
 * {"name","type" ("file" | "directory"),"size","mtime" (RFC 3339 UTC)}.
 * Flushes what remains at the end.  Returns 0, or -1 when the writer
 * failed.
 */
int listing_write(struct listing_out *o, enum listing_format fmt, const char *dir,
    size_t dir_len, const struct listing_entry *e, size_t n, bool truncated);

#endif
