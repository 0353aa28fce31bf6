/*
 * fuzz_ranges.c: libFuzzer target for ranges_parse() and the multipart
 * framing built on its result.
 *
 * The first eight bytes are the file size (kept small when the first
 * byte is odd), the ninth is max_ranges, the rest the Range value.
 * Invariants: a set is written only on RANGES_OK; it then holds 1..
 * max_ranges ranges inside the file, ascending, neither overlapping nor
 * touching, together no larger than the file; and multipart_length()
 * equals the bytes the formatters write plus the parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct range_set set;
	static char text[512];
	char boundary[MULTIPART_BOUNDARY_LEN + 1];
	uint64_t fsize = 0, total = 0, built = 0;
	unsigned max, limit;
	enum ranges_result r;
	int n;

	if (size < 9)
		return 0;
	memcpy(&fsize, data, 8);
	if (data[0] & 1)
		fsize %= 4096;
	max = data[8] % (RANGES_MAX + 8);
	limit = max < 1 ? 1 : max > RANGES_MAX ? RANGES_MAX : max;
	memset(&set, 0xa5, sizeof(set));
	r = ranges_parse((const char *)data + 9, size - 9, fsize, max, &set);
	if (r != RANGES_OK) {
		if (r != RANGES_NONE && r != RANGES_UNSATISFIABLE)
			abort();
		if (set.count != 0xa5a5a5a5u)
			abort();
		return 0;
	}
	if (set.count < 1 || set.count > limit)
		abort();
	for (unsigned i = 0; i < set.count; i++) {
		const struct range_span *sp = &set.span[i];

		if (sp->first > sp->last || sp->last >= fsize)
			abort();
		if (i > 0 && sp->first <= set.span[i - 1].last + 1)
			abort();
		total += sp->last - sp->first + 1;
		if (total > fsize)
			abort();
	}
	multipart_boundary(fsize ^ 0x5a5a, boundary);
	for (unsigned i = 0; i < set.count; i++) {
		n = multipart_part_header(text, sizeof(text), boundary, "text/plain", i,
		    set.span[i].first, set.span[i].last, fsize);
		if (n < 0)
			abort();
		built += (uint64_t)n + set.span[i].last - set.span[i].first + 1;
	}
	n = multipart_close(text, sizeof(text), boundary);
	if (n < 0 || built + (uint64_t)n != multipart_length(&set, boundary, "text/plain", fsize))
		abort();
	return 0;
}
