/*
 * http_format.c: what the daemon writes into a response header: the
 * status line and fields, complete error responses, the Location of a
 * directory redirect, and HTTP dates.
 *
 * Dates are read here too (If-Modified-Since and the other validators):
 * writing and reading share the calendar tables and the one format an
 * HTTP date is sent in.  Nothing here does I/O or allocates.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

static const char day_names[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const day_names_long[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	}
	return "Unknown";
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no timegm(), no TZ, no locale. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Seconds of 0001-01-01 and 9999-12-31T23:59:59: a four-digit year. */
#define HTTP_DATE_MIN (-62135596800LL)
#define HTTP_DATE_MAX 253402300799LL

static void
put_digits(char *s, int v, int n)
{
	while (n-- > 0) {
		s[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
http_date(time_t t, char out[HTTP_DATE_LEN])
{
	/* Every response carries Date (the same second for many responses)
	 * and Last-Modified (often the same file): two remembered dates
	 * spare most gmtime_r calls. */
	static struct {
		time_t t;
		char text[HTTP_DATE_LEN];
		int valid;
	} seen[2];
	static unsigned next;
	struct tm tm;

	if ((long long)t < HTTP_DATE_MIN)
		t = (time_t)HTTP_DATE_MIN;
	if ((long long)t > HTTP_DATE_MAX)
		t = (time_t)HTTP_DATE_MAX;
	for (unsigned i = 0; i < 2; i++) {
		if (seen[i].valid && seen[i].t == t) {
			memcpy(out, seen[i].text, HTTP_DATE_LEN);
			return;
		}
	}
	gmtime_r(&t, &tm);
	/* Own names and digits, not strftime(): the locale must not leak
	 * into headers, and the layout is fixed. */
	memcpy(out, "Sun, 00 Jan 0000 00:00:00 GMT", HTTP_DATE_LEN);
	memcpy(out, day_names[tm.tm_wday], 3);
	put_digits(out + 5, tm.tm_mday, 2);
	memcpy(out + 8, month_names[tm.tm_mon], 3);
	put_digits(out + 12, tm.tm_year + 1900, 4);
	put_digits(out + 17, tm.tm_hour, 2);
	put_digits(out + 20, tm.tm_min, 2);
	put_digits(out + 23, tm.tm_sec, 2);
	seen[next].t = t;
	memcpy(seen[next].text, out, HTTP_DATE_LEN);
	seen[next].valid = 1;
	next ^= 1;
}

/* n digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_index(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, month_names[i], 3) == 0)
			return i;
	return -1;
}

static bool
day_name_short(const char *s)
{
	int i;

	for (i = 0; i < 7; i++)
		if (memcmp(s, day_names[i], 3) == 0)
			return true;
	return false;
}

/* "HH:MM:SS" at s. */
static int
parse_clock(const char *s, int *h, int *m, int *sec)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	*h = digits(s, 2);
	*m = digits(s + 3, 2);
	*sec = digits(s + 6, 2);
	if (*h < 0 || *h > 23 || *m < 0 || *m > 59 || *sec < 0 || *sec > 60)
		return -1;
	return 0;
}

static int
make_time(int year, int mon, int day, int h, int m, int s, time_t *t)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (mon < 0 || day < 1 || day > mdays[mon] + (mon == 1 && leap))
		return -1;
	*t = (time_t)(days_from_civil(year, mon + 1, day) * 86400 +
	    h * 3600 + m * 60 + s);
	return 0;
}

/*
 * RFC 9110 5.6.7: a two-digit year is taken in now's century, unless that
 * puts the date more than 50 years after now: then it is the century
 * before.  "50 years after" is now's calendar date 50 years on (29
 * February becomes 1 March).
 */
static int
rfc850_time(int yy, int mon, int day, int h, int m, int s, time_t now,
    time_t *t)
{
	struct tm tm;
	time_t limit;
	int year;

	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	year = (tm.tm_year + 1900) / 100 * 100 + yy;
	if (make_time(year, mon, day, h, m, s, t) != 0)
		return make_time(year - 100, mon, day, h, m, s, t);
	limit = (time_t)(days_from_civil(tm.tm_year + 1900 + 50, tm.tm_mon + 1, 1) *
	    86400) + (time_t)(tm.tm_mday - 1) * 86400 + tm.tm_hour * 3600 +
	    tm.tm_min * 60 + tm.tm_sec;
	if (*t > limit)
		return make_time(year - 100, mon, day, h, m, s, t);
	return 0;
}

int
http_parse_date(const char *s, size_t len, time_t *t)
{
	return http_parse_date_at(s, len, time(NULL), t);
}

int
http_parse_date_at(const char *s, size_t len, time_t now, time_t *t)
{
	int year, mon, day, h, m, sec, i;
	size_t dl;

	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (len == 29) {
		if (!day_name_short(s) || memcmp(s + 3, ", ", 2) != 0 ||
		    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
		    memcmp(s + 25, " GMT", 4) != 0)
			return -1;
		day = digits(s + 5, 2);
		mon = month_index(s + 8);
		year = digits(s + 12, 4);
		if (day < 0 || year < 0 || parse_clock(s + 17, &h, &m, &sec) != 0)
			return -1;
		return make_time(year, mon, day, h, m, sec, t);
	}
	/* asctime: "Sun Nov  6 08:49:37 1994" */
	if (len == 24) {
		if (!day_name_short(s) || s[3] != ' ' || s[7] != ' ' ||
		    s[10] != ' ' || s[19] != ' ')
			return -1;
		mon = month_index(s + 4);
		day = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
		year = digits(s + 20, 4);
		if (day < 0 || year < 0 || parse_clock(s + 11, &h, &m, &sec) != 0)
			return -1;
		return make_time(year, mon, day, h, m, sec, t);
	}
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	for (i = 0; i < 7; i++) {
		dl = strlen(day_names_long[i]);
		if (len == dl + 24 && memcmp(s, day_names_long[i], dl) == 0)
			break;
	}
	if (i == 7)
		return -1;
	s += dl;
	if (memcmp(s, ", ", 2) != 0 || s[4] != '-' || s[8] != '-' ||
	    s[11] != ' ' || memcmp(s + 20, " GMT", 4) != 0)
		return -1;
	day = digits(s + 2, 2);
	mon = month_index(s + 5);
	year = digits(s + 9, 2);
	if (day < 0 || year < 0 || parse_clock(s + 12, &h, &m, &sec) != 0)
		return -1;
	return rfc850_time(year, mon, day, h, m, sec, now, t);
}

/* A bounded writer: remembers running out instead of writing past cap,
 * and fills cap exactly (no room kept for a NUL). */
struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

static inline void
out_mem(struct out *o, const char *s, size_t n)
{
	if (o->full || o->cap - o->len < n) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static inline void
out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* A string literal: its length is known when compiling. */
#define out_lit(o, s) out_mem((o), "" s, sizeof(s) - 1)

static void
out_u64(struct out *o, uint64_t v)
{
	char digits_buf[20];
	size_t n = sizeof(digits_buf);

	do {
		digits_buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(o, digits_buf + n, sizeof(digits_buf) - n);
}

/* "Name: value" CRLF, the name a string literal.  A macro, not a
 * function taking the name's length: with the lengths known when
 * compiling, the copies of the name and of CRLF become a few moves
 * instead of two memcpy() calls a field. */
#define out_field(o, name, value) do { \
	out_lit((o), name ": "); \
	out_str((o), (value)); \
	out_lit((o), "\r\n"); \
} while (0)

/* The same for an HTTP date (HTTP_DATE_LEN - 1 bytes, no strlen). */
#define out_field_date(o, name, date) do { \
	out_lit((o), name ": "); \
	out_mem((o), (date), HTTP_DATE_LEN - 1); \
	out_lit((o), "\r\n"); \
} while (0)

/*
 * Fields in a fixed order.  304 carries no Content-Type or Content-Length
 * (RFC 9110 15.4.5: they would describe a body that is not sent).  A
 * keep-alive answer to HTTP/1.0 needs "Connection: keep-alive", which the
 * caller asks for with announce_keep_alive.
 */
int
http_format_response(char *buf, size_t cap, const struct http_response *r,
    time_t now)
{
	struct out o = { buf, cap, 0, false };
	char date[HTTP_DATE_LEN];
	bool bodyless = r->status == 304 || r->status == 204;
	int status = r->status >= 100 && r->status <= 999 ? r->status : 500;

	/* the status line nearly every response has, as one literal */
	if (status == 200) {
		out_lit(&o, "HTTP/1.1 200 OK\r\n");
	} else {
		out_lit(&o, "HTTP/1.1 ");
		out_u64(&o, (uint64_t)status);
		out_lit(&o, " ");
		out_str(&o, http_reason(status));
		out_lit(&o, "\r\n");
	}
	out_lit(&o, "Server: ringpush\r\n");
	http_date(now, date);
	out_field_date(&o, "Date", date);
	if (!bodyless) {
		if (r->content_type != NULL)
			out_field(&o, "Content-Type", r->content_type);
		if (r->content_encoding != NULL)
			out_field(&o, "Content-Encoding", r->content_encoding);
		out_lit(&o, "Content-Length: ");
		out_u64(&o, r->content_length);
		out_lit(&o, "\r\n");
	}
	if (r->last_modified != 0) {
		/* RFC 9110 8.8.2.1: never later than Date.  A future mtime
		 * sent as is would, once the file changes to an earlier
		 * mtime, make If-Modified-Since keep caches on stale bytes. */
		http_date(r->last_modified < now ? r->last_modified : now, date);
		out_field_date(&o, "Last-Modified", date);
	}
	if (r->etag != NULL)
		out_field(&o, "ETag", r->etag);
	if (r->ranges)
		out_field(&o, "Accept-Ranges", "bytes");
	if (r->content_range) {
		out_lit(&o, "Content-Range: bytes ");
		if (r->status == 416) {
			out_lit(&o, "*");
		} else {
			out_u64(&o, r->range_first);
			out_lit(&o, "-");
			out_u64(&o, r->range_last);
		}
		out_lit(&o, "/");
		out_u64(&o, r->file_size);
		out_lit(&o, "\r\n");
	}
	/* RFC 9110 15.4.5: a 304 sends the Vary a 200 would */
	if (r->vary != NULL)
		out_field(&o, "Vary", r->vary);
	if (r->location != NULL)
		out_field(&o, "Location", r->location);
	if (r->allow != NULL)
		out_field(&o, "Allow", r->allow);
	if (r->cache_control != NULL && r->cache_control[0] != '\0')
		out_field(&o, "Cache-Control", r->cache_control);
	if (r->extra_fields != NULL)
		out_str(&o, r->extra_fields);
	if (!r->keep_alive)
		out_field(&o, "Connection", "close");
	else if (r->announce_keep_alive)
		out_field(&o, "Connection", "keep-alive");
	out_lit(&o, "\r\n");
	if (o.full || o.len > INT_MAX)
		return -1;
	return (int)o.len;
}

/* After these the request stream cannot be trusted, or the client is
 * gone: the connection ends with the answer. */
bool
http_status_closes(int status)
{
	switch (status) {
	case 400: case 408: case 413: case 414: case 431: case 501: case 505:
		return true;
	}
	return false;
}

static int
format_error(char *buf, size_t cap, int status, bool keep_alive, bool head,
    const char *allow, time_t now)
{
	struct http_response r = { 0 };
	char body[192];
	int body_len, n;

	body_len = snprintf(body, sizeof(body),
	    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
	    "<body><h1>%d %s</h1></body></html>\n",
	    status, http_reason(status), status, http_reason(status));
	if (body_len < 0 || (size_t)body_len >= sizeof(body))
		return -1;
	r.status = status;
	r.keep_alive = keep_alive && !http_status_closes(status);
	r.head = head;
	r.content_type = "text/html; charset=utf-8";
	r.content_length = (uint64_t)body_len;
	r.allow = allow;
	n = http_format_response(buf, cap, &r, now);
	if (n < 0 || head)
		return n;
	if ((size_t)n + (size_t)body_len > cap)
		return -1;
	memcpy(buf + n, body, (size_t)body_len);
	return n + body_len;
}

int
http_format_error(char *buf, size_t cap, int status, bool keep_alive,
    const char *allow, time_t now)
{
	return format_error(buf, cap, status, keep_alive, false, allow, now);
}

int
http_format_error_head(char *buf, size_t cap, int status, bool keep_alive,
    const char *allow, time_t now)
{
	return format_error(buf, cap, status, keep_alive, true, allow, now);
}

/* RFC 3986 pchar without '%': unreserved, sub-delims, ':' and '@'. */
static const bool location_pchar[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['A' ... 'Z'] = true,
	['-'] = true, ['.'] = true, ['_'] = true, ['~'] = true,
	['!'] = true, ['$'] = true, ['&'] = true, ['\''] = true, ['('] = true,
	[')'] = true, ['*'] = true, ['+'] = true, [','] = true, [';'] = true,
	['='] = true, [':'] = true, ['@'] = true,
};

static bool
location_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One byte into out[*n], encoded unless keep; false when out is full
 * (room is kept for the NUL). */
static bool
location_put(char *out, size_t cap, size_t *n, unsigned char c, bool keep)
{
	static const char hex[] = "0123456789ABCDEF";

	if (keep) {
		if (cap - *n < 2)
			return false;
		out[(*n)++] = (char)c;
		return true;
	}
	if (cap - *n < 4)
		return false;
	out[(*n)++] = '%';
	out[(*n)++] = hex[c >> 4];
	out[(*n)++] = hex[c & 15];
	return true;
}

int
http_format_location(const char *path, size_t path_len, const char *query,
    size_t query_len, char *out, size_t cap)
{
	size_t n = 0, i;

	if (cap == 0)
		return -1;
	/* Built from the decoded path, never from the raw target: a target
	 * of "//dir" must not come back as "//dir/", which names a host. */
	for (i = 0; i < path_len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '/')
			continue;
		if (n == 0 || path[i - 1] == '/') {
			if (!location_put(out, cap, &n, '/', true))
				return -1;
		}
		if (!location_put(out, cap, &n, c, location_pchar[c]))
			return -1;
	}
	if (!location_put(out, cap, &n, '/', true))
		return -1;
	if (query != NULL) {
		if (!location_put(out, cap, &n, '?', true))
			return -1;
		for (i = 0; i < query_len; i++) {
			unsigned char c = (unsigned char)query[i];
			bool keep = location_pchar[c] || c == '/' || c == '?' ||
			    (c == '%' && query_len - i > 2 && location_hex(query[i + 1]) &&
			    location_hex(query[i + 2]));

			if (!location_put(out, cap, &n, c, keep))
				return -1;
		}
	}
	if (n > INT_MAX)
		return -1;
	out[n] = '\0';
	return (int)n;
}
