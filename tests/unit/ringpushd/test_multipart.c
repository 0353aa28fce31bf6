/*
 * test_multipart.c: multipart/byteranges framing (multipart.c): the exact
 * bytes of a body, and multipart_length() equal to what the formatters
 * and the parts add up to, for numbers of every width.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "multipart.h"

/* The body as the daemon sends it, with the file's bytes from file. */
static size_t
build(char *out, size_t cap, const struct range_set *set, const char *b, const char *type,
    const char *file, uint64_t size)
{
	size_t n = 0;
	int k;

	for (unsigned i = 0; i < set->count; i++) {
		k = multipart_part_header(out + n, cap - n, b, type, i, set->span[i].first,
		    set->span[i].last, size);
		cr_assert_gt(k, 0);
		n += (size_t)k;
		if (file != NULL)
			memcpy(out + n, file + set->span[i].first,
			    set->span[i].last - set->span[i].first + 1);
		n += set->span[i].last - set->span[i].first + 1;
	}
	k = multipart_close(out + n, cap - n, b);
	cr_assert_gt(k, 0);
	return n + (size_t)k;
}

Test(multipart, exact_body)
{
	static const char file[] = "0123456789abcdefghij";
	struct range_set set = { 2, { { 0, 2 }, { 10, 19 } } };
	char b[MULTIPART_BOUNDARY_LEN + 1], out[1024];
	const char *want =
	    "--ringpush-00000000000000ff\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Range: bytes 0-2/20\r\n"
	    "\r\n"
	    "012"
	    "\r\n--ringpush-00000000000000ff\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Range: bytes 10-19/20\r\n"
	    "\r\n"
	    "abcdefghij"
	    "\r\n--ringpush-00000000000000ff--\r\n";
	size_t n;

	multipart_boundary(255, b);
	cr_assert_str_eq(b, "ringpush-00000000000000ff");
	cr_assert_eq(strlen(b), MULTIPART_BOUNDARY_LEN);
	n = build(out, sizeof(out), &set, b, "text/plain", file, 20);
	cr_assert_eq(n, strlen(want));
	cr_assert(memcmp(out, want, n) == 0, "got:\n%.*s", (int)n, out);
	cr_assert_eq(multipart_length(&set, b, "text/plain", 20), n);
}

/* Offsets of 1 to 20 digits, one part and RANGES_MAX parts. */
Test(multipart, length_is_exact)
{
	static char out[RANGES_MAX * 256];
	char b[MULTIPART_BOUNDARY_LEN + 1];
	const uint64_t sizes[] = { 1, 9, 10, 11, 99, 100, 101, 12345, 1000000,
		UINT64_MAX / 2, UINT64_MAX };

	multipart_boundary(UINT64_MAX, b);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t size = sizes[i];
		struct range_set set = { 0 };
		uint64_t bytes = 0, framing;
		size_t n;

		/* parts of one byte spread over the file, at the edges too */
		for (unsigned p = 0; p < RANGES_MAX && p < size; p++) {
			uint64_t at = p == 0 ? 0 : size - 1 - (size - 1) / (p + 1);

			if (set.count > 0 && at <= set.span[set.count - 1].last)
				continue;
			set.span[set.count].first = set.span[set.count].last = at;
			set.count++;
			bytes++;
		}
		cr_assert_gt(set.count, 0);
		/* the bytes are counted, not copied: file NULL */
		n = build(out, sizeof(out), &set, b, "application/octet-stream", NULL, size);
		framing = multipart_length(&set, b, "application/octet-stream", size) - bytes;
		cr_assert_eq(framing + bytes, n, "size %llu, %u parts: length %llu, built %zu",
		    (unsigned long long)size, set.count,
		    (unsigned long long)(framing + bytes), n);
	}
}

Test(multipart, large_parts_counted)
{
	struct range_set set = { 2, { { 0, 999999 }, { 5000000, 9999999 } } };
	char b[MULTIPART_BOUNDARY_LEN + 1], small[256];
	uint64_t want;
	int h0, h1, cl;

	multipart_boundary(1, b);
	h0 = multipart_part_header(small, sizeof(small), b, "x/y", 0, 0, 999999, 10000000);
	h1 = multipart_part_header(small, sizeof(small), b, "x/y", 1, 5000000, 9999999, 10000000);
	cl = multipart_close(small, sizeof(small), b);
	want = (uint64_t)h0 + 1000000 + (uint64_t)h1 + 5000000 + (uint64_t)cl;
	cr_assert_eq(multipart_length(&set, b, "x/y", 10000000), want);
}

Test(multipart, too_small_buffers)
{
	char b[MULTIPART_BOUNDARY_LEN + 1], out[64];

	multipart_boundary(7, b);
	cr_assert_eq(multipart_part_header(out, sizeof(out), b, "text/plain", 0, 0, 1, 2), -1);
	cr_assert_eq(multipart_close(out, 10, b), -1);
	cr_assert_eq(multipart_close(out, sizeof(out), b), 2 + 2 + MULTIPART_BOUNDARY_LEN + 4);
}
