/*
 * http.c: the strict HTTP/1.1 request parser (RFC 9112) and the request
 * path decoder.  What goes out in a response is written by http_format.c.
 *
 * Nothing here does I/O or allocates.  The parser reads the buffer from
 * its start and walks it once; http_parse_more() calls it again only when
 * that can answer something new, so a client that sends one byte at a
 * time costs work linear in its header, not one scan per read, and bytes
 * that can never become a valid request are still refused early.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_METHOD_MAX 16      /* longer methods are refused with 400 */

/* What the header fields said, gathered while they are walked and judged
 * once the header is complete. */
struct parse_state {
	unsigned hosts;
	bool has_content_length;
	bool conn_close;
	bool conn_keep_alive;
};

static const struct {
	const char *name;
	size_t len;
	enum http_method method;
} methods[] = {
	{ "GET", 3, HTTP_GET },
	{ "HEAD", 4, HTTP_HEAD },
	{ "POST", 4, HTTP_POST },
	{ "PUT", 3, HTTP_PUT },
	{ "DELETE", 6, HTTP_DELETE },
	{ "OPTIONS", 7, HTTP_OPTIONS },
	{ "PATCH", 5, HTTP_PATCH },
	{ "TRACE", 5, HTTP_TRACE },
	{ "CONNECT", 7, HTTP_CONNECT },
};

/* RFC 9110 5.6.2 tchar, as a table: it is consulted for every byte of
 * every method and field name. */
static const bool tchar_table[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['A' ... 'Z'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true,
	['\''] = true, ['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true,
	['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true, ['~'] = true,
};

static bool
is_tchar(unsigned char c)
{
	return tchar_table[c];
}

/* RFC 9110 5.5 field-value bytes: VCHAR, obs-text, SP and HTAB.  Tables
 * like this one turn the scan of a field into one load and one test a
 * byte: every byte of every header passes through them. */
static const bool field_byte_table[256] = {
	['\t'] = true, [0x20 ... 0x7e] = true, [0x80 ... 0xff] = true,
};

/* Bytes a request-target may hold: the printable ones and obs-text, but
 * not '#' (a fragment is never sent, RFC 9112 3.2). */
static const bool target_byte_table[256] = {
	[0x21 ... 0x22] = true, [0x24 ... 0x7e] = true, [0x80 ... 0xff] = true,
};

/* Path bytes that decode to themselves and need no further look: not
 * '%', '?', '.', control bytes, DEL or bytes of a UTF-8 sequence. */
static const bool path_plain_table[256] = {
	[0x20 ... 0x24] = true, [0x26 ... 0x2d] = true, [0x2f ... 0x3e] = true,
	[0x40 ... 0x7e] = true,
};

/* Host = uri-host [ ":" port ] bytes: unreserved, sub-delims, ':', the
 * brackets of an IP-literal and '%' (RFC 3986 3.2.2). */
static const bool host_byte_table[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['A' ... 'Z'] = true,
	['-'] = true, ['.'] = true, ['_'] = true, ['~'] = true, ['!'] = true,
	['$'] = true, ['&'] = true, ['\''] = true, ['('] = true, [')'] = true,
	['*'] = true, ['+'] = true, [','] = true, [';'] = true, ['='] = true,
	[':'] = true, ['['] = true, [']'] = true, ['%'] = true,
};

/*
 * Where the field-value bytes from p stop (end, or the first byte that is
 * none).  Eight bytes at a time while none of them is a control byte or
 * DEL: values such as User-Agent, Accept and Cookie are long, and this is
 * the one scan of them.  A tab, allowed but a control byte, sends its
 * eight bytes to the bytewise loop.
 */
static const char *
field_value_end(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t w, del;

	while (end - p >= 8) {
		memcpy(&w, p, sizeof(w));
		del = w ^ (0x7f * ones);
		/* "has a byte below n": (w - n * ones) & ~w & highs,
		 * exact for n <= 0x80; DEL is a zero byte of del */
		if ((((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs)
			break;
		p += sizeof(w);
	}
	while (p < end && field_byte_table[(unsigned char)*p])
		p++;
	return p;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * p[0..len), a field name or field-value bytes, equals lit, a literal of
 * lower-case letters and '-', ASCII case ignored in p.  Setting bit 0x20
 * lowers a letter and leaves every other byte that can stand there
 * unequal to a letter or '-' (only CR becomes '-', and no name or value
 * holds one).  No strncasecmp(): it runs for every field name, and the
 * call cost more than the compare.
 */
static bool
span_is(const char *p, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (lit[i] == '\0' || (unsigned char)(p[i] | 0x20) !=
		    (unsigned char)lit[i])
			return false;
	return lit[i] == '\0';
}

static ssize_t
parse_fail(struct http_request *req, int status)
{
	req->error_status = status;
	return -1;
}

/*
 * Walk one comma-separated list element: skips OWS and commas before it,
 * returns false at the end, else sets *elem and *elem_len (OWS trimmed) and
 * advances *pos past it.  Empty elements are skipped, as RFC 9110 5.6.1
 * asks of recipients.
 */
static bool
list_next(const char *v, size_t len, size_t *pos, const char **elem,
    size_t *elem_len)
{
	size_t i = *pos, start, stop;

	while (i < len && (is_ows(v[i]) || v[i] == ','))
		i++;
	if (i == len) {
		*pos = i;
		return false;
	}
	start = i;
	while (i < len && v[i] != ',')
		i++;
	stop = i;
	while (stop > start && is_ows(v[stop - 1]))
		stop--;
	*elem = v + start;
	*elem_len = stop - start;
	*pos = i;
	return true;
}

/*
 * Content-Length: 1*DIGIT, or a list of identical ones (RFC 9112 6.3 lets
 * a recipient accept "5, 5").  Repeated fields must agree with the first.
 * Returns 0 or 400.
 */
static int
parse_content_length(const char *v, size_t len, struct parse_state *st,
    struct http_request *req)
{
	size_t pos = 0, i, n;
	const char *e;
	uint64_t value;
	bool any = false;

	/* An empty element ("5,,5", "") is not a length. */
	for (i = 0; i < len; i++) {
		if (v[i] != ',')
			continue;
		for (n = i + 1; n < len && is_ows(v[n]); n++)
			;
		if (n == len || v[n] == ',')
			return 400;
	}
	for (i = 0; i < len && is_ows(v[i]); i++)
		;
	if (i == len || v[i] == ',')
		return 400;

	while (list_next(v, len, &pos, &e, &n)) {
		value = 0;
		for (i = 0; i < n; i++) {
			if (!is_digit(e[i]))
				return 400;
			if (value > (UINT64_MAX - (uint64_t)(e[i] - '0')) / 10)
				return 400;
			value = value * 10 + (uint64_t)(e[i] - '0');
		}
		if (st->has_content_length && value != req->content_length)
			return 400;
		st->has_content_length = true;
		req->content_length = value;
		any = true;
	}
	return any ? 0 : 400;
}

static void
parse_connection(const char *v, size_t len, struct parse_state *st)
{
	size_t pos = 0, n;
	const char *e;

	while (list_next(v, len, &pos, &e, &n)) {
		if (span_is(e, n, "close"))
			st->conn_close = true;
		else if (span_is(e, n, "keep-alive"))
			st->conn_keep_alive = true;
	}
}

/*
 * Host = uri-host [ ":" port ]: reg-name, IPv4 or an IP-literal in
 * brackets.  Only the bytes are checked here; an empty value is allowed
 * (RFC 9112 3.2).
 */
static bool
host_valid(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!host_byte_table[(unsigned char)v[i]])
			return false;
	return true;
}

/* Record a singleton field; a second copy makes the request ambiguous. */
static int
record_once(struct http_span *s, const char *v, size_t len)
{
	if (s->p != NULL)
		return 400;
	s->p = v;
	s->len = len;
	return 0;
}

/* Judge one header field.  Returns 0 or the status to refuse with. */
static int
header_field(struct http_request *req, struct parse_state *st,
    const char *name, size_t name_len, const char *v, size_t len)
{
	switch (name_len) {
	case 4:
		if (span_is(name, name_len, "host")) {
			if (++st->hosts > 1 || !host_valid(v, len))
				return 400;
			req->has_host = true;
			req->host.p = v;
			req->host.len = len;
		}
		break;
	case 5:
		if (span_is(name, name_len, "range"))
			return record_once(&req->range, v, len);
		break;
	case 7:
		if (span_is(name, name_len, "referer") && req->referer.p == NULL) {
			req->referer.p = v;
			req->referer.len = len;
		}
		break;
	case 8:
		if (span_is(name, name_len, "if-range"))
			return record_once(&req->if_range, v, len);
		/* a list field, like If-None-Match */
		if (span_is(name, name_len, "if-match")) {
			if (req->if_match.p == NULL)
				req->if_match.p = v;
			req->if_match.len = (size_t)(v + len - req->if_match.p);
		}
		break;
	case 10:
		if (span_is(name, name_len, "connection"))
			parse_connection(v, len, st);
		else if (span_is(name, name_len, "user-agent") &&
		    req->user_agent.p == NULL) {
			req->user_agent.p = v;
			req->user_agent.len = len;
		}
		break;
	case 6:
		if (span_is(name, name_len, "expect"))
			return record_once(&req->expect, v, len);
		break;
	case 13:
		if (span_is(name, name_len, "authorization"))
			return record_once(&req->authorization, v, len);
		/* A list field (RFC 9110 5.3): later lines extend the span,
		 * which http_field_lines_next() walks line by line. */
		if (span_is(name, name_len, "if-none-match")) {
			if (req->if_none_match.p == NULL)
				req->if_none_match.p = v;
			req->if_none_match.len = (size_t)(v + len - req->if_none_match.p);
		}
		break;
	case 14:
		if (span_is(name, name_len, "content-length"))
			return parse_content_length(v, len, st, req);
		break;
	case 15:
		/* a list field, like If-None-Match */
		if (span_is(name, name_len, "accept-encoding")) {
			if (req->accept_encoding.p == NULL)
				req->accept_encoding.p = v;
			req->accept_encoding.len = (size_t)(v + len - req->accept_encoding.p);
		}
		break;
	case 17:
		if (span_is(name, name_len, "transfer-encoding")) {
			/* chunked must come last (RFC 9112 6.1); only
			 * chunked alone is decoded (an upload's body) */
			req->chunked = !req->transfer_encoding &&
			    span_is(v, len, "chunked");
			req->transfer_encoding = true;
		}
		else if (span_is(name, name_len, "if-modified-since"))
			return record_once(&req->if_modified_since, v, len);
		break;
	case 19:
		if (span_is(name, name_len, "if-unmodified-since"))
			return record_once(&req->if_unmodified_since, v, len);
		break;
	}
	return 0;
}

/* Whole UTF-8 check (RFC 3629): no overlongs, surrogates, or code points
 * past U+10FFFF, no truncated or stray continuation bytes. */
static bool
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, need, k;
	unsigned char c, lo, hi;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;      /* overlong */
			else if (c == 0xed)
				hi = 0x9f;      /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;      /* overlong */
			else if (c == 0xf4)
				hi = 0x8f;      /* past U+10FFFF */
		} else
			return false;
		if (len - i - 1 < need)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += need + 1;
	}
	return true;
}

/*
 * RFC 3986 5.2.4 on a decoded path that starts with '/', in place: "."
 * segments go, ".." takes the segment before it with it, and a dot
 * segment at the end leaves the trailing '/' ("/a/." is "/a/", the
 * directory).  Empty segments ("//") are segments like any other.  Where
 * 5.2.4 would drop a ".." that has nothing left to remove ("/../x" is
 * "/x" there), this refuses the path instead: no client builds such a
 * target from a link, and answering it would hide an attempt to leave the
 * root.  Returns 0, or -1 for a path that climbs above the root.  The
 * output is never longer than the input: it is written behind the read
 * position.
 */
static int
remove_dot_segments(char *p, size_t *len)
{
	size_t r = 0, w = 0, n = *len, seg, end;
	bool last;

	while (r < n) {
		/* p[r] is the '/' that opens the segment p[seg..end) */
		seg = r + 1;
		for (end = seg; end < n && p[end] != '/'; end++)
			;
		last = end == n;
		if (end - seg == 1 && p[seg] == '.') {
			if (last)
				p[w++] = '/';
		} else if (end - seg == 2 && p[seg] == '.' && p[seg + 1] == '.') {
			if (w == 0)
				return -1;
			while (p[--w] != '/')
				;
			if (last)
				p[w++] = '/';
		} else {
			memmove(p + w, p + r, end - r);
			w += end - r;
		}
		r = end;
	}
	if (w == 0)
		p[w++] = '/';
	p[w] = '\0';
	*len = w;
	return 0;
}

int
http_decode_path(const char *target, size_t len, char *out, size_t cap,
    size_t *outlen)
{
	size_t i, n = 0;
	int hi, lo;
	unsigned char c, high = 0;
	bool dot_segment = false;

	if (len == 0 || target[0] != '/' || cap == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)target[i];
		/* Most bytes are copied as they are: one test for them. */
		if (!path_plain_table[c]) {
			if (c == '?')
				break;
			if (c == '%') {
				if (len - i < 3)
					return -1;
				hi = hex_value(target[i + 1]);
				lo = hex_value(target[i + 2]);
				if (hi < 0 || lo < 0)
					return -1;
				c = (unsigned char)(hi << 4 | lo);
				i += 2;
			}
			/* Decoded once: "%2541" is the three bytes "%41". */
			if (c < 0x20 || c == 0x7f)
				return -1;
			/* Noted on the way, so that the usual path (ASCII,
			 * no segment starting with '.') skips both checks
			 * below.  out[0] is the target's leading '/'. */
			high |= c;
			if (c == '.' && out[n - 1] == '/')
				dot_segment = true;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (high >= 0x80 && !utf8_valid((const unsigned char *)out, n))
		return -1;
	/* Dot segments are removed after decoding, so "%2e%2e" and a
	 * decoded "%2F" count like "..": the kernel sees only the result,
	 * and RESOLVE_BENEATH still confines it.  Without a segment that
	 * starts with '.' there is nothing to remove. */
	if (dot_segment && remove_dot_segments(out, &n) != 0)
		return -1;
	*outlen = n;
	return 0;
}

bool
http_field_lines_next(struct http_span all, const char *name, size_t *pos,
    struct http_span *value)
{
	const char *p = all.p, *end = all.p + all.len, *line, *colon, *eol, *v;
	bool first;

	if (p == NULL)
		return false;
	for (;;) {
		if (*pos > all.len)
			return false;
		first = *pos == 0;
		line = p + *pos;
		eol = memchr(line, '\r', (size_t)(end - line));
		if (eol == NULL)
			eol = end;
		/* Past the end once the last line is taken. */
		*pos = eol == end ? all.len + 1 : (size_t)(eol + 2 - p);
		if (first) {
			v = line;       /* the first line is a value already */
		} else {
			colon = memchr(line, ':', (size_t)(eol - line));
			/* name in any case: not span_is(), which wants it
			 * lower-case */
			if (colon == NULL || (size_t)(colon - line) != strlen(name) ||
			    strncasecmp(line, name, (size_t)(colon - line)) != 0)
				continue;
			for (v = colon + 1; v < eol && is_ows(*v); v++)
				;
		}
		while (eol > v && is_ows(eol[-1]))
			eol--;
		value->p = v;
		value->len = (size_t)(eol - v);
		return true;
	}
}

int
http_hex_digit(char c)
{
	return hex_value(c);
}

bool
http_path_hidden(const char *path)
{
	const char *p;

	for (p = path; *p != '\0'; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return true;
	return false;
}

/*
 * authority-form, CONNECT's target (RFC 9112 3.2.3): uri-host ":" port,
 * nothing else.  The daemon does not tunnel, so it only checks the form
 * and the caller answers 405.
 */
static bool
authority_form_valid(const char *t, size_t n)
{
	const char *colon = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i] == ':')
			colon = t + i;
	if (colon == NULL || colon == t || colon + 1 == t + n ||
	    !host_valid(t, (size_t)(colon - t)))
		return false;
	for (i = (size_t)(colon + 1 - t); i < n; i++)
		if (!is_digit(t[i]))
			return false;
	return true;
}

/*
 * The request-target's path into req->path.  origin-form is decoded as is;
 * absolute-form ("http://authority/path") names the resource by itself,
 * so Host is ignored (RFC 9112 3.2.2); asterisk-form only with OPTIONS,
 * authority-form only with CONNECT, and then the path is "/".
 */
static int
target_path(struct http_request *req)
{
	const char *t = req->target.p, *auth, *rest, *tend;
	size_t n = req->target.len, skip;

	if (n == 1 && t[0] == '*') {
		if (req->method != HTTP_OPTIONS)
			return 400;
		memcpy(req->path, "/", 2);
		req->path_len = 1;
		return 0;
	}
	if (t[0] == '/') {
		if (http_decode_path(t, n, req->path, sizeof(req->path),
		    &req->path_len) != 0)
			return 400;
		return 0;
	}
	if (req->method == HTTP_CONNECT) {
		if (!authority_form_valid(t, n))
			return 400;
		memcpy(req->path, "/", 2);
		req->path_len = 1;
		return 0;
	}

	if (n >= 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (n >= 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	else
		return 400;
	tend = t + n;
	auth = t + skip;
	for (rest = auth; rest < tend && *rest != '/' && *rest != '?'; rest++)
		if (*rest == '@')
			return 400;     /* userinfo: RFC 9110 4.2.4 */
	if (rest == auth || !host_valid(auth, (size_t)(rest - auth)))
		return 400;
	if (rest == tend || *rest == '?') {
		memcpy(req->path, "/", 2);
		req->path_len = 1;
		return 0;
	}
	if (http_decode_path(rest, (size_t)(tend - rest), req->path,
	    sizeof(req->path), &req->path_len) != 0)
		return 400;
	return 0;
}

/* Rules that need the whole header: framing, Host, target, keep-alive. */
static int
finish_request(struct http_request *req, const struct parse_state *st)
{
	bool no_body = req->method == HTTP_GET || req->method == HTTP_HEAD;
	int status;

	if (req->version_minor >= 1 && st->hosts == 0)
		return 400;
	/* RFC 9112 6.1: both framings at once smuggle requests. */
	if (req->transfer_encoding && st->has_content_length)
		return 400;
	/* A body of unknown length on GET/HEAD cannot be skipped.  One with
	 * a Content-Length is read and dropped by the caller, as nginx does,
	 * up to a small bound: the request means nothing with it, and a
	 * large one would only keep the connection busy. */
	if (no_body && req->transfer_encoding)
		return 400;
	if (no_body && req->content_length > HTTP_DISCARD_BODY_MAX)
		return 413;
	req->has_content_length = st->has_content_length;
	if ((status = target_path(req)) != 0)
		return status;
	if (req->version_minor >= 1)
		req->keep_alive = !st->conn_close;
	else
		req->keep_alive = st->conn_keep_alive && !st->conn_close;
	return 0;
}

static void
request_reset(struct http_request *req)
{
	static const struct http_span none;

	/* Not memset: path[] is 4 KiB and written only on success. */
	req->method = HTTP_UNKNOWN;
	req->method_name = none;
	req->target = none;
	req->version_minor = 0;
	req->version_major = 1;
	req->keep_alive = false;
	req->path[0] = '\0';
	req->path_len = 0;
	req->has_host = false;
	req->host = req->range = req->if_range = req->if_none_match = none;
	req->if_modified_since = req->user_agent = req->referer = none;
	req->if_match = req->if_unmodified_since = none;
	req->accept_encoding = none;
	req->content_length = 0;
	req->transfer_encoding = false;
	req->error_status = 0;
	req->has_content_length = false;
	req->chunked = false;
	req->authorization = req->expect = none;
}

ssize_t
http_parse_request(const char *buf, size_t len, size_t max_header,
    struct http_request *req)
{
	const struct http_limits lim = {
		.max_header = max_header,
		.max_headers = HTTP_HEADERS_MAX,
		.max_target = HTTP_TARGET_MAX,
	};

	return http_parse_request_limits(buf, len, &lim, req);
}

ssize_t
http_parse_request_limits(const char *buf, size_t len,
    const struct http_limits *lim, struct http_request *req)
{
	static const char proto[] = "HTTP/";
	const char *p = buf, *end, *start, *name, *name_end, *value, *vend;
	const char *target_end;
	struct parse_state st = { 0 };
	unsigned fields = 0;
	int limit_status = 431, status;
	size_t i, max_header = lim->max_header;
	/* req->path holds at most HTTP_TARGET_MAX bytes: a larger limit
	 * cannot be honoured, so it is the ceiling. */
	size_t max_target = lim->max_target < HTTP_TARGET_MAX ?
	    lim->max_target : HTTP_TARGET_MAX;

	request_reset(req);
	end = buf + (len < max_header ? len : max_header);

	/* RFC 9112 2.2: empty lines before the request-line are ignored. */
	while (p < end && *p == '\r') {
		if (p + 1 == end)
			goto more;
		if (p[1] != '\n')
			return parse_fail(req, 400);
		p += 2;
	}

	start = p;
	while (p < end && is_tchar((unsigned char)*p)) {
		if (++p - start > HTTP_METHOD_MAX)
			return parse_fail(req, 400);
	}
	if (p == end)
		goto more;
	if (*p != ' ' || p == start)
		return parse_fail(req, 400);
	req->method_name.p = start;
	req->method_name.len = (size_t)(p - start);
	/* GET first, compared inline: nearly every request is one */
	if (req->method_name.len == 3 && memcmp(start, "GET", 3) == 0)
		req->method = HTTP_GET;
	for (i = 0; req->method == HTTP_UNKNOWN &&
	    i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (methods[i].len == req->method_name.len &&
		    memcmp(methods[i].name, start, methods[i].len) == 0)
			req->method = methods[i].method;
	}
	p++;

	start = p;
	limit_status = 414;
	/* One byte past max_target is enough to refuse with 414. */
	target_end = (size_t)(end - p) > max_target ? p + max_target + 1 : end;
	while (p < target_end && target_byte_table[(unsigned char)*p])
		p++;
	if ((size_t)(p - start) > max_target)
		return parse_fail(req, 414);
	if (p == end)
		goto more;
	if (*p != ' ' && *p != '\r')
		return parse_fail(req, 400);
	limit_status = 431;
	if (p == start)
		return parse_fail(req, 400);
	req->target.p = start;
	req->target.len = (size_t)(p - start);
	if (*p == '\r') {
		/* "GET /path" CRLF is an HTTP/0.9 simple request. */
		if (p + 1 == end)
			goto more;
		req->version_major = 0;
		req->version_minor = 9;
		return parse_fail(req, p[1] == '\n' ? 505 : 400);
	}
	p++;

	/* whole, or byte by byte to tell "more" from "bad" in a prefix */
	if (end - p >= (ptrdiff_t)sizeof(proto) - 1 &&
	    memcmp(p, proto, sizeof(proto) - 1) == 0) {
		p += sizeof(proto) - 1;
	} else {
		for (i = 0; i < sizeof(proto) - 1; i++, p++) {
			if (p == end)
				goto more;
			if (*p != proto[i])
				return parse_fail(req, 400);
		}
	}
	if (p + 4 > end) {
		/* Check what has arrived of DIGIT "." DIGIT CR. */
		if ((p < end && !is_digit(p[0])) ||
		    (p + 1 < end && p[1] != '.') ||
		    (p + 2 < end && !is_digit(p[2])))
			return parse_fail(req, 400);
		goto more;
	}
	if (!is_digit(p[0]) || p[1] != '.' || !is_digit(p[2]) || p[3] != '\r')
		return parse_fail(req, 400);
	if (p + 4 == end)
		goto more;
	if (p[4] != '\n')
		return parse_fail(req, 400);
	/* RFC 9112 2.3: a later minor version of HTTP/1 is answered as
	 * HTTP/1.1, the highest this server conforms to; only another major
	 * version is refused.  The digits are kept for the access log,
	 * which names the version of a 505 too. */
	req->version_major = p[0] - '0';
	req->version_minor = p[2] - '0';
	if (p[0] != '1')
		return parse_fail(req, 505);
	p += 5;

	for (;;) {
		if (p == end)
			goto more;
		if (*p == '\r') {
			if (p + 1 == end)
				goto more;
			if (p[1] != '\n')
				return parse_fail(req, 400);
			p += 2;
			break;
		}
		/* obs-fold, or whitespace before the first field: RFC 9112 5.2
		 * and 2.2 let a server refuse both. */
		if (is_ows(*p))
			return parse_fail(req, 400);
		if (fields >= lim->max_headers)
			return parse_fail(req, 431);
		name = p;
		while (p < end && is_tchar((unsigned char)*p))
			p++;
		if (p == end)
			goto more;
		/* Covers an empty name, whitespace before the colon, bare LF
		 * and control bytes in the name. */
		if (*p != ':' || p == name)
			return parse_fail(req, 400);
		name_end = p++;
		while (p < end && is_ows(*p))
			p++;
		value = p;
		p = field_value_end(p, end);
		if (p == end)
			goto more;
		if (*p != '\r')
			return parse_fail(req, 400);
		if (p + 1 == end)
			goto more;
		if (p[1] != '\n')
			return parse_fail(req, 400);
		for (vend = p; vend > value && is_ows(vend[-1]); vend--)
			;
		p += 2;
		fields++;
		status = header_field(req, &st, name, (size_t)(name_end - name),
		    value, (size_t)(vend - value));
		if (status != 0)
			return parse_fail(req, status);
	}

	if ((status = finish_request(req, &st)) != 0)
		return parse_fail(req, status);
	return p - buf;

more:
	if (len < max_header)
		return -2;
	return parse_fail(req, limit_status);
}

const char *
http_method_str(enum http_method m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].method == m)
			return methods[i].name;
	return "UNKNOWN";
}

void
http_progress_reset(struct http_progress *pg)
{
	pg->start = pg->searched = pg->parsed = pg->work = 0;
}

/* True when p[0..n) holds CR LF CR LF: a search for the LFs, the only
 * bytes of a header that can end it. */
static bool
has_blank_line(const char *p, size_t n)
{
	const char *end = p + n, *lf;

	if (n < 4)
		return false;
	for (lf = p + 3; lf < end; lf++) {
		lf = memchr(lf, '\n', (size_t)(end - lf));
		if (lf == NULL)
			return false;
		if (lf[-1] == '\r' && lf[-2] == '\n' && lf[-3] == '\r')
			return true;
	}
	return false;
}

/*
 * A header ends with CRLF CRLF, so until one arrives the parse can only
 * say "need more" or refuse bytes it has already seen.  The full parse
 * runs on the first bytes, at max_header, and each time the buffer has
 * doubled, which keeps early refusals and costs at most three times the
 * header in total; it needs no search before it (most requests arrive
 * whole, and the parse finds their end itself), and a parse that asks
 * for more has seen every byte without finding the end.  Between those
 * parses only the new bytes are searched (with the three before them,
 * which may start the CRLF CRLF), and only past the empty lines that may
 * come before the request-line: they hold CRLF CRLF too, and must not
 * make every pair of them cost a parse.
 */
ssize_t
http_parse_more(const char *buf, size_t len, const struct http_limits *lim,
    struct http_progress *pg, struct http_request *req)
{
	size_t from;
	bool due;

	while (pg->start + 1 < len && buf[pg->start] == '\r' &&
	    buf[pg->start + 1] == '\n')
		pg->start += 2;
	due = pg->parsed == 0 || len >= lim->max_header || len / 2 >= pg->parsed;
	if (!due) {
		from = pg->searched > pg->start ? pg->searched : pg->start;
		pg->work += len > from ? len - from : 0;
		pg->searched = len > 3 ? len - 3 : 0;
		if (len <= from || !has_blank_line(buf + from, len - from))
			return -2;
	}
	pg->work += len;
	pg->parsed = len;
	pg->searched = len > 3 ? len - 3 : 0;
	return http_parse_request_limits(buf, len, lim, req);
}
