/*
 * http.h: a strict HTTP/1.1 request parser (RFC 9112, http.c) and the
 * response header writer with HTTP dates (http_format.c).  Pure
 * functions: bytes in, results out; no I/O.
 */
#ifndef RINGPUSH_HTTP_H
#define RINGPUSH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define HTTP_TARGET_MAX 4096    /* longest request-target ever accepted;
				   the default for max_target */
#define HTTP_HEADERS_MAX 64     /* the default for max_headers */
#define HTTP_DISCARD_BODY_MAX (64 * 1024) /* the largest body a GET or
					     HEAD may carry: it is read and
					     dropped; a larger one is 413 */

enum http_method {
	HTTP_GET, HTTP_HEAD,
	HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_OPTIONS, HTTP_PATCH, HTTP_TRACE, HTTP_CONNECT,
	HTTP_UNKNOWN
};

/* A piece of the request buffer: not NUL-terminated.  p is NULL when the
 * field was absent (an empty field has p set and len 0). */
struct http_span {
	const char *p;
	size_t len;
};

struct http_request {
	enum http_method method;
	struct http_span method_name;     /* as sent, for the access log */
	struct http_span target;          /* raw request-target */
	int version_minor;                /* HTTP/1.x; above 1 is treated as
					     1 (RFC 9112 2.3) */
	int version_major;                /* 1, or the version a 505 refused
					     (0.9 for a request line without
					     one, RFC 1945 4.1) */
	bool keep_alive;                  /* after Connection and version rules */
	char path[HTTP_TARGET_MAX + 1];   /* percent-decoded path, query removed,
					     always starts with '/' */
	size_t path_len;
	bool has_host;
	struct http_span host, range, if_range, if_none_match, if_modified_since,
		if_match, if_unmodified_since,
		user_agent, referer;      /* if_none_match and if_match may
					     span several field lines: see
					     http_field_lines_next() */
	struct http_span accept_encoding; /* a list field, like if_none_match:
					     may span several field lines */
	uint64_t content_length;          /* body bytes that follow the header
					     (on GET/HEAD at most
					     HTTP_DISCARD_BODY_MAX: the caller
					     drops them) */
	bool transfer_encoding;           /* body of unknown length follows
					     (never on GET/HEAD): answer and
					     close */
	/* for uploads (PUT, DELETE) */
	bool has_content_length;          /* a Content-Length field was sent */
	bool chunked;                     /* Transfer-Encoding is exactly
					     "chunked" (one field, one coding) */
	struct http_span authorization, expect;
	int error_status;                 /* set when http_parse_request returns -1 */
};

/*
 * Parse one request header from buf[0..len).  Call again from the start
 * with the grown buffer when it returns -2.
 * Returns the header's length in bytes (> 0) when complete; -2 when more
 * bytes are needed (and len < max_header); -1 when the request is bad, with
 * req->error_status set: 400 malformed (Transfer-Encoding on GET or HEAD
 * included), 413 a GET or HEAD whose Content-Length is larger than
 * HTTP_DISCARD_BODY_MAX, 414 target too long, 431 header
 * larger than max_header or too many fields, 505 unsupported version
 * (HTTP/2.0, HTTP/0.9, a version-less HTTP/0.9 request line).  HTTP/1.2
 * to HTTP/1.9 parse, as HTTP/1.1 (RFC 9112 2.3).  A 505 still fills
 * method_name, target and the version fields from its request line, so
 * the access log can name what was refused.
 * A well-formed but unknown method is not an error: it returns the length
 * with method HTTP_UNKNOWN, and the caller answers 501.  Dot segments
 * are removed from the decoded path (see http_decode_path); a path that
 * would climb above the root, or holds NUL, control bytes or bad UTF-8,
 * is rejected with 400.  Empty lines before the request-line are
 * skipped (RFC 9112 2.2) and counted in the returned length.
 * OPTIONS * parses with path "/" (target says "*").
 */
ssize_t http_parse_request(const char *buf, size_t len, size_t max_header,
    struct http_request *req);

/* The parser's bounds, from the configuration (max_request_header,
 * max_headers, max_target). */
struct http_limits {
	size_t max_header;        /* bytes of the whole header: more is 431 */
	unsigned max_headers;     /* header fields: more is 431 */
	size_t max_target;        /* request-target bytes: more is 414;
				     values above HTTP_TARGET_MAX count as
				     HTTP_TARGET_MAX */
};

/* http_parse_request() with every limit given; http_parse_request() is this
 * with max_headers HTTP_HEADERS_MAX and max_target HTTP_TARGET_MAX.  Same
 * return contract.  When the header reaches max_header inside the
 * request-target, the answer is 414, not 431.  An absolute-form target
 * names the resource and Host is then ignored (RFC 9112 3.2.2); CONNECT
 * with an authority-form target ("host:port") parses, with path "/", so
 * that the caller can answer 405. */
ssize_t http_parse_request_limits(const char *buf, size_t len,
    const struct http_limits *lim, struct http_request *req);

/*
 * Where the parse of a request header stands between receives.  Zero it
 * (or http_progress_reset) before the first bytes of each request.
 */
struct http_progress {
	size_t start;             /* bytes of empty lines before the
				     request-line */
	size_t searched;          /* buf[0..searched) holds no CRLF CRLF that
				     ends the header */
	size_t parsed;            /* len at the last full parse; 0: none */
	size_t work;              /* bytes looked at so far, searches and
				     parses together (for tests) */
};

void http_progress_reset(struct http_progress *pg);

/*
 * http_parse_request_limits() for a buffer that only grows between calls
 * (the bytes already given stay, at the same offsets; more follow).  Same
 * return contract, but the whole header is parsed again only when that
 * can answer something new: when the new bytes, with the three before
 * them, hold a CRLF CRLF (the header may be complete), when len reaches
 * max_header, or when len has doubled since the last parse (so bytes that
 * can never make a request are still refused early).  The first call
 * parses at once, with no search: a request that arrives whole is walked
 * once.  Otherwise it returns -2 after searching only the new bytes, and
 * req is untouched.
 * A header that arrives one byte at a time thus costs work linear in its
 * length (at most four times it, plus three bytes a call), not quadratic.
 */
ssize_t http_parse_more(const char *buf, size_t len,
    const struct http_limits *lim, struct http_progress *pg,
    struct http_request *req);

/*
 * Percent-decode the path of a request-target (up to the first '?') into
 * out, NUL-terminated, exactly once ("%2541" -> "%41"), then remove its
 * dot segments as RFC 3986 5.2.4 says ("/a/./b/../c" -> "/a/c", "/a/.."
 * -> "/").  Segments are those of the decoded path: "%2e" is '.', and a
 * decoded "%2F" splits segments like '/'.  target must start with '/'.
 * Returns 0 and sets *outlen, or -1 for a bad %-escape, a decoded byte
 * < 0x20 or 0x7f, invalid or overlong UTF-8, a ".." that would climb
 * above the root ("/..", "/a/../..") or output longer than cap - 1.
 * The result has no "." or ".." segment and is never longer than the
 * decoded path.
 */
int http_decode_path(const char *target, size_t len, char *out, size_t cap,
    size_t *outlen);

/*
 * A list field sent on several lines (RFC 9110 5.3: they combine into one
 * list) is one span, from the first line's value to the end of the last
 * line's; the field lines between may be others.  This walks the values
 * of the lines named name (case-insensitive) in such a span: *pos starts
 * at 0; returns false at the end, else sets *value (OWS trimmed).  The
 * span of a field sent once yields its one value.
 */
bool http_field_lines_next(struct http_span all, const char *name, size_t *pos,
    struct http_span *value);

/* The value of a hex digit (either case), or -1. */
int http_hex_digit(char c);

/* True when any segment of a decoded path starts with '.' (dotfiles). */
bool http_path_hidden(const char *path);

const char *http_method_str(enum http_method m);

/* http_format.c */

const char *http_reason(int status);

/* RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 chars + NUL). */
#define HTTP_DATE_LEN 30
void http_date(time_t t, char out[HTTP_DATE_LEN]);
/* Accepts IMF-fixdate (and the obsolete RFC 850 / asctime forms).
 * Returns 0 and sets *t, or -1. */
int http_parse_date(const char *s, size_t len, time_t *t);
/* The same, with the two-digit year of an RFC 850 date read relative to
 * now (RFC 9110 5.6.7: more than 50 years in the future is the past
 * century); http_parse_date() is this with time(NULL). */
int http_parse_date_at(const char *s, size_t len, time_t now, time_t *t);

struct http_response {
	int status;
	bool keep_alive;
	bool head;                    /* HEAD: headers say the length, no body */
	const char *content_type;     /* NULL: none */
	uint64_t content_length;
	time_t last_modified;         /* 0: none */
	const char *etag;             /* NULL: none; includes the quotes */
	bool ranges;                  /* send Accept-Ranges: bytes */
	bool content_range;           /* 206: bytes first-last/size; 416: bytes  * /size */
	uint64_t range_first, range_last, file_size;
	const char *location;         /* 301 */
	const char *allow;            /* 405/501 */
	bool announce_keep_alive;     /* with keep_alive: send "Connection:
					 keep-alive" (HTTP/1.0 clients need it,
					 HTTP/1.1 ones do not) */
	const char *cache_control;    /* NULL or "": none */
	const char *extra_fields;     /* NULL or "Name: value\r\n" lines,
					 written as they are */
	const char *content_encoding; /* NULL: none (a precompressed sibling's
					 coding; not on 304) */
	const char *vary;             /* NULL: none */
};

/* Write the status line and header fields, ending with the blank line.
 * Server and Date always; Content-Length always except on 304 (which also
 * drops Content-Type); Connection: close when !keep_alive; a last_modified
 * later than now goes out as now (RFC 9110 8.8.2.1).  head changes
 * nothing in the header: it tells the caller to send no body.
 * Returns the length written, or -1 if cap is too small. */
int http_format_response(char *buf, size_t cap, const struct http_response *r, time_t now);

/* A complete error response (header + short HTML body), Connection: close
 * unless keep_alive; 400, 408, 413, 414, 431, 501 and 505 always close.
 * Returns the length or -1. */
int http_format_error(char *buf, size_t cap, int status, bool keep_alive,
    const char *allow, time_t now);
/* True for the statuses after which the connection is always closed
 * (the request may not have been read to its end). */
bool http_status_closes(int status);
/* The same header for a HEAD request, without the body. */
int http_format_error_head(char *buf, size_t cap, int status, bool keep_alive,
    const char *allow, time_t now);

/* The longest http_format_location() result, NUL included: every byte of
 * the longest request-target encoded as %XX, and the added '/'. */
#define HTTP_LOCATION_MAX (3 * HTTP_TARGET_MAX + 2)

/*
 * The Location of the redirect from a directory named without its slash
 * to the name with one, into out (NUL-terminated).  path is the decoded
 * request path (starting with '/'); query the raw bytes after '?', or NULL
 * when the target had none.  Empty segments are dropped, so the result
 * starts with exactly one '/' and is never a protocol-relative reference
 * ("//host/"), whatever the request said ("//dir", "/%2Fdir").  Path bytes
 * other than RFC 3986 unreserved, sub-delims, ':' and '@' are encoded as
 * %XX (so '\', '?', '#', '%', spaces and UTF-8 are); in the query only
 * bytes a query may not hold are, and '%' that starts no %XX.  Returns the
 * length, or -1 when cap is too small (never with HTTP_LOCATION_MAX for a
 * path and query the parser accepted).
 */
int http_format_location(const char *path, size_t path_len, const char *query,
    size_t query_len, char *out, size_t cap);

#endif
