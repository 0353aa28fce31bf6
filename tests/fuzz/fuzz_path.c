/*
 * fuzz_path.c: libFuzzer target for http_decode_path().
 *
 * Invariants on success: the output is NUL-terminated at *outlen, no longer
 * than the input, starts with '/', holds no NUL or control byte, no "." or
 * ".." segment, and is valid UTF-8.  A fresh input of the decoded path,
 * with every '%' escaped as "%25", decodes back to the same bytes.  For an
 * input without escapes or query, a ".." with no segment left to remove
 * (a climb above the root) always fails, and the depth of the result is
 * the depth the segments leave.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = s[i] & 0x07;
		} else
			return false;
		if (n - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* Walk the segments of a plain path ('/'-separated, no escapes): -1 when
 * a ".." has nothing left to remove, else the number of segments left
 * ("." and ".." excluded, a trailing one counted as an empty segment). */
static long
plain_depth(const char *in, size_t n)
{
	size_t i, seg = 1;
	long depth = 0;

	for (i = 1; i <= n; i++) {
		if (i < n && in[i] != '/')
			continue;
		if (i - seg == 2 && in[seg] == '.' && in[seg + 1] == '.') {
			if (depth == 0)
				return -1;
			depth--;
			if (i == n)
				depth++;
		} else if (!(i - seg == 1 && in[seg] == '.') || i == n) {
			depth++;
		}
		seg = i + 1;
	}
	return depth;
}

static long
count_slashes(const char *s, size_t n)
{
	long k = 0;
	size_t i;

	for (i = 0; i < n; i++)
		k += s[i] == '/';
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[HTTP_TARGET_MAX + 1], again[HTTP_TARGET_MAX + 1];
	static char escaped[3 * (HTTP_TARGET_MAX + 1)];
	size_t outlen = 0, n, i, seg, elen = 0, againlen;
	const char *in = (const char *)data;

	n = size > HTTP_TARGET_MAX ? HTTP_TARGET_MAX : size;
	bool plain = n > 0 && in[0] == '/' && memchr(in, '%', n) == NULL &&
	    memchr(in, '?', n) == NULL;
	long depth = plain ? plain_depth(in, n) : 0;

	if (http_decode_path(in, n, out, sizeof(out), &outlen) != 0) {
		if (n > 0 && in[0] == '/' && memchr(in, '%', n) == NULL &&
		    memchr(in, '.', n) == NULL && memchr(in, '?', n) == NULL) {
			/* Without escapes or dots only bad bytes can fail. */
			for (i = 0; i < n; i++)
				if ((unsigned char)in[i] < 0x20 ||
				    in[i] == 0x7f || (unsigned char)in[i] >= 0x80)
					break;
			if (i == n)
				abort();
		}
		return 0;
	}
	if (outlen > n || out[outlen] != '\0' || out[0] != '/' ||
	    strlen(out) != outlen)
		abort();
	/* A climb above the root never decodes; otherwise each segment
	 * left is one '/' of the result (the root alone is one too). */
	if (plain && (depth < 0 ||
	    count_slashes(out, outlen) != (depth > 0 ? depth : 1)))
		abort();
	for (i = 0, seg = 1; i <= outlen; i++) {
		unsigned char c = (unsigned char)out[i];

		if (i < outlen && (c < 0x20 || c == 0x7f))
			abort();
		if (i < outlen && c != '/')
			continue;
		if ((i - seg == 1 && out[seg] == '.') ||
		    (i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
			abort();
		seg = i + 1;
	}
	if (!utf8_ok((const unsigned char *)out, outlen))
		abort();

	/* Escape '%' and '?' again: decoding must give the same path. */
	for (i = 0; i < outlen; i++) {
		if (out[i] == '%' || out[i] == '?') {
			escaped[elen++] = '%';
			escaped[elen++] = out[i] == '%' ? '2' : '3';
			escaped[elen++] = out[i] == '%' ? '5' : 'F';
		} else
			escaped[elen++] = out[i];
	}
	if (http_decode_path(escaped, elen, again, sizeof(again),
	    &againlen) != 0 || againlen != outlen ||
	    memcmp(again, out, outlen) != 0)
		abort();
	(void)http_path_hidden(out);
	return 0;
}
