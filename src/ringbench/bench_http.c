/*
 * bench_http.c: building ringbench's requests and reading response heads.
 * The parser is strict about the status line and tolerant of headers it
 * does not need; it never reads past len.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "bench_http.h"

int
bench_http_put(char *buf, size_t cap, const char *host, const char *path,
    uint64_t length, bool keepalive, const char *user, const char *pass)
{
	char cred[512], auth[700] = "";
	int n;

	if (pass != NULL) {
		n = snprintf(cred, sizeof(cred), "%s:%s", user != NULL ? user : "", pass);
		if (n < 0 || (size_t)n >= sizeof(cred))
			return -1;
		memcpy(auth, "Authorization: Basic ", 21);
		n = EVP_EncodeBlock((unsigned char *)auth + 21, (unsigned char *)cred, n);
		memcpy(auth + 21 + n, "\r\n", 3);
	}
	n = snprintf(buf, cap, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %llu\r\n%s%s\r\n",
	    path, host, (unsigned long long)length, auth,
	    keepalive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

int
bench_http_request(char *buf, size_t cap, const char *method,
    const char *host, const char *path, uint64_t first, uint64_t length,
    bool keepalive)
{
	char range[64] = "";
	int n;

	if (length > 0)
		snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n",
		    (unsigned long long)first,
		    (unsigned long long)(first + length - 1));
	n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s\r\n",
	    method, path, host, range, keepalive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

/* Parse a decimal number filling [p, end) exactly; -1 if it does not. */
static int
number(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static bool
header_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

static int
parse_content_range(const char *v, const char *end,
    struct bench_http_resp *resp)
{
	const char *dash, *slash;

	if (end - v < 6 || strncasecmp(v, "bytes ", 6) != 0)
		return -1;
	v += 6;
	dash = memchr(v, '-', end - v);
	slash = memchr(v, '/', end - v);
	if (dash == NULL || slash == NULL || slash < dash)
		return -1;
	if (number(v, dash, &resp->range_first) < 0 ||
	    number(dash + 1, slash, &resp->range_last) < 0)
		return -1;
	if (slash + 2 == end && slash[1] == '*')
		resp->range_total = 0;
	else if (number(slash + 1, end, &resp->range_total) < 0)
		return -1;
	resp->has_range = true;
	return 0;
}

long
bench_http_parse(const char *buf, size_t len, struct bench_http_resp *resp)
{
	const char *p = buf, *end = buf + len, *eol, *colon, *v, *vend;
	uint64_t status;

	memset(resp, 0, sizeof(*resp));
	/* "HTTP/1.x NNN reason" */
	if (len < 12) {
		if (memcmp(buf, "HTTP/1.", len < 7 ? len : 7) != 0)
			return -1;
		return 0;
	}
	if (memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
	    buf[8] != ' ' || number(buf + 9, buf + 12, &status) < 0 ||
	    status < 100 || status > 599 || (len > 12 && buf[12] != ' ' &&
	    buf[12] != '\r'))
		return -1;
	resp->status = (int)status;
	resp->close = buf[7] == '0';
	eol = memchr(p, '\n', len);
	if (eol == NULL)
		return len > 8192 ? -1 : 0;
	p = eol + 1;
	for (;;) {
		eol = memchr(p, '\n', end - p);
		if (eol == NULL)
			return len > 65536 ? -1 : 0;
		vend = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (vend == p)
			return (long)(eol + 1 - buf);      /* the blank line */
		colon = memchr(p, ':', vend - p);
		if (colon == NULL || colon == p)
			return -1;
		for (v = colon + 1; v < vend && (*v == ' ' || *v == '\t'); v++)
			;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (header_is(p, colon - p, "Content-Length")) {
			if (resp->has_length ||
			    number(v, vend, &resp->content_length) < 0)
				return -1;
			resp->has_length = true;
		} else if (header_is(p, colon - p, "Connection")) {
			if (vend - v == 5 && strncasecmp(v, "close", 5) == 0)
				resp->close = true;
			else if (vend - v == 10 &&
			    strncasecmp(v, "keep-alive", 10) == 0)
				resp->close = false;
		} else if (header_is(p, colon - p, "Content-Range")) {
			if (parse_content_range(v, vend, resp) < 0)
				return -1;
		} else if (header_is(p, colon - p, "Transfer-Encoding")) {
			/* ringbench counts bodies by Content-Length only */
			return -1;
		}
		p = eol + 1;
	}
}
