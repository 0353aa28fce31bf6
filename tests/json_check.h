/*
 * json_check.h: a strict RFC 8259 check of one JSON text, for the tests
 * and the fuzz target of the access log writer.  Strings must be valid
 * UTF-8 (RFC 3629) with no raw control bytes; the text must be exactly one
 * value with nothing after it.  Header-only so that both a Criterion test
 * and a libFuzzer target can include it.
 */
#ifndef RINGPUSH_TEST_JSON_CHECK_H
#define RINGPUSH_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct json_cursor {
	const unsigned char *p, *end;
	int depth;
};

static bool json_check_value(struct json_cursor *c);

static void
json_check_ws(struct json_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool
json_check_hex4(const unsigned char *p)
{
	for (int i = 0; i < 4; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		    (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/* One UTF-8 character at c->p, consumed; false if invalid. */
static bool
json_check_utf8(struct json_cursor *c)
{
	unsigned char b = c->p[0], lo = 0x80, hi = 0xbf;
	size_t need, k;

	if (b >= 0xc2 && b <= 0xdf)
		need = 1;
	else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else
		return false;
	if ((size_t)(c->end - c->p) < need + 1 || c->p[1] < lo || c->p[1] > hi)
		return false;
	for (k = 2; k <= need; k++)
		if (c->p[k] < 0x80 || c->p[k] > 0xbf)
			return false;
	c->p += need + 1;
	return true;
}

static bool
json_check_string(struct json_cursor *c)
{
	if (c->p == c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		unsigned char b = *c->p;

		if (b == '"') {
			c->p++;
			return true;
		}
		if (b < 0x20)
			return false;
		if (b == '\\') {
			if (c->end - c->p < 2)
				return false;
			if (c->p[1] == 'u') {
				if (c->end - c->p < 6 || !json_check_hex4(c->p + 2))
					return false;
				c->p += 6;
			} else if (strchr("\"\\/bfnrt", c->p[1]) != NULL && c->p[1] != '\0') {
				c->p += 2;
			} else
				return false;
		} else if (b < 0x80) {
			c->p++;
		} else if (!json_check_utf8(c))
			return false;
	}
	return false;
}

static bool
json_check_number(struct json_cursor *c)
{
	const unsigned char *start;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p == c->end)
		return false;
	if (*c->p == '0')
		c->p++;
	else if (*c->p >= '1' && *c->p <= '9')
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	else
		return false;
	if (c->p < c->end && *c->p == '.') {
		start = ++c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return false;
	}
	return true;
}

static bool
json_check_word(struct json_cursor *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool
json_check_members(struct json_cursor *c, bool object)
{
	char close = object ? '}' : ']';

	if (++c->depth > 64)
		return false;
	c->p++;
	json_check_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		json_check_ws(c);
		if (object) {
			if (!json_check_string(c))
				return false;
			json_check_ws(c);
			if (c->p == c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!json_check_value(c))
			return false;
		json_check_ws(c);
		if (c->p == c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
	}
}

static bool
json_check_value(struct json_cursor *c)
{
	json_check_ws(c);
	if (c->p == c->end)
		return false;
	switch (*c->p) {
	case '{':
		return json_check_members(c, true);
	case '[':
		return json_check_members(c, false);
	case '"':
		return json_check_string(c);
	case 't':
		return json_check_word(c, "true");
	case 'f':
		return json_check_word(c, "false");
	case 'n':
		return json_check_word(c, "null");
	default:
		return json_check_number(c);
	}
}

/* True when s[0..len) is exactly one valid JSON text. */
static inline bool
json_check(const char *s, size_t len)
{
	struct json_cursor c = { (const unsigned char *)s,
		(const unsigned char *)s + len, 0 };

	if (!json_check_value(&c))
		return false;
	json_check_ws(&c);
	return c.p == c.end;
}

#endif
