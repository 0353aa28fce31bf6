/*
 * encoding.c: Accept-Encoding parsing and the choice among precompressed
 * siblings (see encoding.h).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "encoding.h"

static const struct {
	const char *name, *suffix;
} encodings[ENCODING_COUNT] = {
	[ENCODING_BR] = { "br", ".br" },
	[ENCODING_ZSTD] = { "zstd", ".zst" },
	[ENCODING_GZIP] = { "gzip", ".gz" },
};

const char *
encoding_name(enum encoding e)
{
	return encodings[e].name;
}

const char *
encoding_suffix(enum encoding e)
{
	return encodings[e].suffix;
}

void
encoding_accept_init(struct encoding_accept *a)
{
	for (unsigned i = 0; i < ENCODING_COUNT; i++)
		a->q[i] = -1;
	a->identity = a->star = -1;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar, as a table: this runs on every request */
static const bool tchar[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['A' ... 'Z'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true,
	['\''] = true, ['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true,
	['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true, ['~'] = true,
};

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in
 * thousandths; -1 when p[0..n) is not one. */
static int
parse_qvalue(const char *p, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (n == 0 || (p[0] != '0' && p[0] != '1') || n > 5)
		return -1;
	q = (p[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (p[1] != '.')
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* One list element, OWS already trimmed at both ends: the weight it
 * gives *name, or -1 when it does not follow the grammar. */
static int
parse_entry(const char *p, size_t n, const char **name, size_t *name_len)
{
	size_t i = 0;

	while (i < n && tchar[(unsigned char)p[i]])
		i++;
	if (i == 0)
		return -1;
	*name = p;
	*name_len = i;
	while (i < n && is_ows(p[i]))
		i++;
	if (i == n)
		return 1000;
	if (p[i++] != ';')
		return -1;
	while (i < n && is_ows(p[i]))
		i++;
	if (n - i < 2 || (p[i] != 'q' && p[i] != 'Q') || p[i + 1] != '=')
		return -1;
	return parse_qvalue(p + i + 2, n - i - 2);
}

static void
set_once(int16_t *slot, int q)
{
	if (*slot < 0)
		*slot = (int16_t)q;
}

/* Where a coding's weight goes, or NULL for a coding not served. */
static int16_t *
slot_of(struct encoding_accept *a, const char *name, size_t len)
{
	switch (len) {
	case 1:
		return name[0] == '*' ? &a->star : NULL;
	case 2:
		return strncasecmp(name, "br", 2) == 0 ? &a->q[ENCODING_BR] : NULL;
	case 4:
		if (strncasecmp(name, "gzip", 4) == 0)
			return &a->q[ENCODING_GZIP];
		return strncasecmp(name, "zstd", 4) == 0 ? &a->q[ENCODING_ZSTD] : NULL;
	case 6:
		return strncasecmp(name, "x-gzip", 6) == 0 ? &a->q[ENCODING_GZIP] : NULL;
	case 8:
		return strncasecmp(name, "identity", 8) == 0 ? &a->identity : NULL;
	}
	return NULL;
}

void
encoding_accept_parse(struct encoding_accept *a, const char *v, size_t len)
{
	size_t pos = 0;

	if (v == NULL)
		return;
	while (pos < len) {
		size_t start, end;
		const char *name;
		size_t name_len;
		int16_t *slot;
		int q;

		/* one element: up to the next comma (no quoted strings in
		 * this grammar), OWS trimmed */
		start = pos;
		while (pos < len && v[pos] != ',')
			pos++;
		end = pos++;
		while (start < end && is_ows(v[start]))
			start++;
		while (end > start && is_ows(v[end - 1]))
			end--;
		if (start == end)
			continue;
		q = parse_entry(v + start, end - start, &name, &name_len);
		if (q >= 0 && (slot = slot_of(a, name, name_len)) != NULL)
			set_once(slot, q);
	}
}

int
encoding_weight(const struct encoding_accept *a, enum encoding e)
{
	if (a->q[e] >= 0)
		return a->q[e];
	return a->star >= 0 ? a->star : 0;
}

unsigned
encoding_order(const struct encoding_accept *a, enum encoding out[ENCODING_COUNT])
{
	int identity = a->identity >= 0 ? a->identity : a->star;
	unsigned n = 0;

	for (unsigned e = 0; e < ENCODING_COUNT; e++) {
		int q = encoding_weight(a, (enum encoding)e);
		unsigned i;

		if (q == 0 || q < identity)
			continue;
		/* insertion: a later encoding goes behind equal weights,
		 * keeping br > zstd > gzip among ties */
		for (i = n; i > 0 && encoding_weight(a, out[i - 1]) < q; i--)
			out[i] = out[i - 1];
		out[i] = (enum encoding)e;
		n++;
	}
	return n;
}
