/*
 * multipart.c: multipart/byteranges framing (see multipart.h).
 *
 * Content-Length must be known before the first byte goes out, so
 * multipart_length() counts what the formatters will write: the two are
 * kept apart on purpose, and the unit tests hold them to the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "multipart.h"

void
multipart_boundary(uint64_t n, char out[MULTIPART_BOUNDARY_LEN + 1])
{
	snprintf(out, MULTIPART_BOUNDARY_LEN + 1, "ringpush-%016llx", (unsigned long long)n);
}

int
multipart_part_header(char *buf, size_t cap, const char *boundary, const char *type,
    unsigned index, uint64_t first, uint64_t last, uint64_t size)
{
	int n = snprintf(buf, cap,
	    "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
	    index == 0 ? "" : "\r\n", boundary, type, (unsigned long long)first,
	    (unsigned long long)last, (unsigned long long)size);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
multipart_close(char *buf, size_t cap, const char *boundary)
{
	int n = snprintf(buf, cap, "\r\n--%s--\r\n", boundary);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static uint64_t
digits(uint64_t v)
{
	uint64_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

uint64_t
multipart_length(const struct range_set *set, const char *boundary, const char *type,
    uint64_t size)
{
	static const char type_field[] = "Content-Type: ";
	static const char range_field[] = "Content-Range: bytes ";
	uint64_t blen = strlen(boundary), total = 0;

	for (unsigned i = 0; i < set->count; i++) {
		const struct range_span *sp = &set->span[i];

		/* [CRLF] "--" B CRLF, the two fields, CRLF, the bytes */
		total += (i == 0 ? 0 : 2) + 2 + blen + 2;
		total += sizeof(type_field) - 1 + strlen(type) + 2;
		total += sizeof(range_field) - 1 + digits(sp->first) + 1 + digits(sp->last) +
		    1 + digits(size) + 2;
		total += 2;
		total += sp->last - sp->first + 1;
	}
	/* CRLF "--" B "--" CRLF */
	return total + 2 + 2 + blen + 2 + 2;
}
