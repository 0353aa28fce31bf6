/*
 * fuzz_chunked.c: libFuzzer target for the chunked decoder.
 *
 * The first byte picks the piece size (1..256); the rest is the body.
 * Invariants: decoding in pieces gives the same verdict, the same data
 * and the same bytes consumed as decoding the whole; data never exceeds
 * the input consumed; total counts the data; once done, nothing more is
 * consumed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode in pieces of step bytes; -1 on bad framing, else consumed. */
static ssize_t
run(const uint8_t *in, size_t len, size_t step, char *work, char *out, size_t *out_len,
    struct chunked *ch)
{
	size_t pos = 0, have = 0;

	memcpy(work, in, len);
	chunked_init(ch);
	while (pos < len && !chunked_done(ch)) {
		size_t n = len - pos < step ? len - pos : step, got;
		ssize_t used = chunked_decode(ch, work + pos, n, &got);

		if (used < 0)
			return -1;
		if ((size_t)used > n || got > (size_t)used)
			abort();
		if ((size_t)used < n && !chunked_done(ch))
			abort();
		memcpy(out + have, work + pos, got);
		have += got;
		pos += (size_t)used;
	}
	*out_len = have;
	if (ch->total != have)
		abort();
	return (ssize_t)pos;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunked whole, pieces;
	char *work, *a, *b;
	size_t alen = 0, blen = 0, step;
	ssize_t ra, rb;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	work = malloc(size + 1);
	a = malloc(size + 1);
	b = malloc(size + 1);
	if (work == NULL || a == NULL || b == NULL)
		abort();
	ra = run(data, size, size > 0 ? size : 1, work, a, &alen, &whole);
	rb = run(data, size, step, work, b, &blen, &pieces);
	if (ra != rb)
		abort();
	if (ra >= 0 && (alen != blen || memcmp(a, b, alen) != 0 ||
	    chunked_done(&whole) != chunked_done(&pieces)))
		abort();
	free(work);
	free(a);
	free(b);
	return 0;
}
