/*
 * fuzz_accept_encoding.c: libFuzzer target for encoding_accept_parse()
 * and encoding_order().
 *
 * The input is split at its first NUL into two field lines (a request
 * may send Accept-Encoding twice).  Invariants: every weight is -1 or
 * 0..1000; the order holds each encoding at most once, only with a
 * weight above 0 and not below identity's when identity has one, best
 * first, ties in br > zstd > gzip order; and every encoding left out
 * has weight 0 or below identity's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_weight(int q)
{
	if (q < -1 || q > 1000)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;
	const char *nul = memchr(v, '\0', size);
	size_t first = nul != NULL ? (size_t)(nul - v) : size;
	struct encoding_accept a;
	enum encoding out[ENCODING_COUNT];
	unsigned n, listed = 0;
	int identity;

	encoding_accept_init(&a);
	encoding_accept_parse(&a, v, first);
	if (nul != NULL)
		encoding_accept_parse(&a, nul + 1, size - first - 1);
	for (unsigned e = 0; e < ENCODING_COUNT; e++)
		check_weight(a.q[e]);
	check_weight(a.identity);
	check_weight(a.star);
	identity = a.identity >= 0 ? a.identity : a.star;

	n = encoding_order(&a, out);
	if (n > ENCODING_COUNT)
		abort();
	for (unsigned i = 0; i < n; i++) {
		int q = encoding_weight(&a, out[i]);

		if ((unsigned)out[i] >= ENCODING_COUNT || (listed & (1u << out[i])))
			abort();
		listed |= 1u << out[i];
		if (q <= 0 || q < identity)
			abort();
		if (i > 0) {
			int prev = encoding_weight(&a, out[i - 1]);

			if (prev < q || (prev == q && out[i - 1] > out[i]))
				abort();
		}
	}
	for (unsigned e = 0; e < ENCODING_COUNT; e++) {
		int q = encoding_weight(&a, (enum encoding)e);

		if (!(listed & (1u << e)) && q > 0 && q >= identity)
			abort();
	}
	return 0;
}
