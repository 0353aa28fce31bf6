/*
 * fuzz_range.c: libFuzzer target for range_parse(), the entity-tag checks
 * behind If-None-Match and If-Range, and file_mime_type().
 *
 * The first eight bytes are the file size (so sizes near 0 and near
 * UINT64_MAX are reached), the rest is the header value.  Invariant: a
 * satisfiable range lies inside the file, and the outputs are only
 * written when it is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	uint64_t fsize = 0, first = 7, last = 7;
	const char *v;
	size_t len;
	enum range_result r;

	if (size < 8)
		return 0;
	memcpy(&fsize, data, 8);
	/* Small sizes are the interesting ones; keep most of them small. */
	if (data[0] & 1)
		fsize %= 4096;
	v = (const char *)data + 8;
	len = size - 8;

	r = range_parse(v, len, fsize, &first, &last);
	switch (r) {
	case RANGE_OK:
		if (first > last || last >= fsize)
			abort();
		break;
	case RANGE_NONE:
	case RANGE_UNSATISFIABLE:
		if (first != 7 || last != 7)
			abort();
		break;
	default:
		abort();
	}
	/* A satisfiable range never survives a multi-range header: the
	 * same value read as a set holds that one range. */
	if (r == RANGE_OK) {
		static struct range_set set;

		if (ranges_parse(v, len, fsize, RANGES_MAX, &set) != RANGES_OK ||
		    set.count != 1 || set.span[0].first != first || set.span[0].last != last)
			abort();
	}

	memset(&req, 0, sizeof(req));
	req.method = HTTP_GET;
	req.if_none_match.p = v;
	req.if_none_match.len = len;
	req.if_range.p = v;
	req.if_range.len = len;
	if (file_conditional(&req, "\"1-2-3\"", 784111777, 1700000000) != 0 &&
	    len == 0)
		abort();
	/* Weak tags never satisfy If-Range. */
	if (file_if_range(&req, "\"1-2-3\"") && len >= 2 &&
	    v[0] == 'W' && v[1] == '/')
		abort();
	(void)file_mime_type(v, len);
	return 0;
}
