/*
 * test_chunked.c: the chunked decoder, whole and one byte at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "chunked.h"

/* Decode text in pieces of `step` bytes (0: whole).  Returns the bytes
 * consumed or -1; data in out (NUL-terminated). */
static ssize_t
decode(const char *text, size_t step, char *out, size_t cap, struct chunked *ch)
{
	size_t len = strlen(text), pos = 0, have = 0;
	char *copy = strdup(text);

	chunked_init(ch);
	while (pos < len && !chunked_done(ch)) {
		size_t n = step == 0 || len - pos < step ? len - pos : step, got;
		ssize_t used = chunked_decode(ch, copy + pos, n, &got);

		if (used < 0) {
			free(copy);
			return -1;
		}
		cr_assert_leq(got, (size_t)used);
		cr_assert_lt(have + got, cap);
		memcpy(out + have, copy + pos, got);
		have += got;
		pos += (size_t)used;
		if ((size_t)used < n)
			cr_assert(chunked_done(ch), "stopped early without the end");
	}
	out[have] = '\0';
	free(copy);
	return (ssize_t)pos;
}

static void
expect_body(const char *text, const char *body, size_t consumed)
{
	static const size_t steps[] = { 0, 1, 2, 3, 7 };
	char out[1024];
	struct chunked ch;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ssize_t n = decode(text, steps[i], out, sizeof(out), &ch);

		cr_expect_eq(n, (ssize_t)consumed, "step %zu: %zd consumed", steps[i], n);
		cr_expect(chunked_done(&ch), "step %zu: not done", steps[i]);
		cr_expect_str_eq(out, body, "step %zu", steps[i]);
		cr_expect_eq(ch.total, strlen(body));
	}
}

static void
expect_bad(const char *text)
{
	static const size_t steps[] = { 0, 1 };
	char out[1024];
	struct chunked ch;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		cr_expect_eq(decode(text, steps[i], out, sizeof(out), &ch), -1,
		    "step %zu accepted: %s", steps[i], text);
}

Test(chunked, bodies)
{
	expect_body("0\r\n\r\n", "", 5);
	expect_body("5\r\nhello\r\n0\r\n\r\n", "hello", 15);
	expect_body("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", 26);
	expect_body("A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 20);
	expect_body("a\r\n0123456789\r\n00000\r\n\r\n", "0123456789", 24);
	/* extensions and trailers are dropped */
	expect_body("3;name=value\r\nabc\r\n0;x\r\n\r\n", "abc", 26);
	expect_body("3 ;q=\"a b\"\r\nabc\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", "abc", 38);
	/* what follows the body is not consumed */
	expect_body("1\r\nz\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "z", 11);
	/* the data may hold CRLF and anything else */
	expect_body("4\r\n\r\n0\n\r\n0\r\n\r\n", "\r\n0\n", 14);
}

Test(chunked, bad_framing)
{
	expect_bad("\r\n");
	expect_bad("x\r\n");
	expect_bad("5\nhello\r\n0\r\n\r\n");          /* bare LF */
	expect_bad("5\r\nhelloX\r\n0\r\n\r\n");       /* data longer than said */
	expect_bad("5\r\nhello\n0\r\n\r\n");
	expect_bad("-1\r\n");
	expect_bad("+1\r\n");
	expect_bad("0x1\r\n");
	expect_bad("11111111111111111\r\n");          /* 17 digits */
	expect_bad("0\r\n\n");
	expect_bad("0\r\nX: a\n\r\n");
	expect_bad("0\r\n folded\r\n\r\n");
	expect_bad("1;a\nb\r\nz\r\n0\r\n\r\n");
}

Test(chunked, bounds)
{
	static char text[CHUNKED_LINE_MAX + 64];
	char out[16];
	struct chunked ch;

	/* the largest size is read; its data then simply has not come */
	cr_expect_eq(decode("ffffffffffffffff\r\n", 1, out, sizeof(out), &ch), 18);
	cr_expect_eq(ch.state, CHUNKED_DATA);
	cr_expect_eq(ch.left, UINT64_MAX);
	/* an extension just within the bound, and one over it */
	memset(text, 'e', sizeof(text));
	memcpy(text, "1;", 2);
	memcpy(text + 1 + CHUNKED_LINE_MAX, "\r\nz\r\n0\r\n\r\n", 11);
	cr_expect_eq(decode(text, 0, out, sizeof(out), &ch), (ssize_t)strlen(text));
	cr_expect_str_eq(out, "z");
	memcpy(text + 2 + CHUNKED_LINE_MAX, "\r\nz\r\n0\r\n\r\n", 11);
	expect_bad(text);
}

Test(chunked, a_large_body_in_uneven_pieces)
{
	enum { N = 100000 };
	char *text = malloc(2 * N), *body = malloc(N), *out = malloc(N + 1);
	size_t len = 0, blen = 0, have = 0, pos = 0, piece = 1;
	struct chunked ch;

	cr_assert(text && body && out);
	for (unsigned k = 1; blen + k < N - 100; k = k * 3 + 1) {
		len += (size_t)sprintf(text + len, "%x\r\n", k);
		for (unsigned j = 0; j < k; j++, blen++, len++)
			body[blen] = text[len] = (char)(blen * 7 + j);
		memcpy(text + len, "\r\n", 2);
		len += 2;
	}
	memcpy(text + len, "0\r\n\r\n", 5);
	len += 5;
	chunked_init(&ch);
	while (pos < len) {
		size_t n = len - pos < piece ? len - pos : piece, got;
		ssize_t used = chunked_decode(&ch, text + pos, n, &got);

		cr_assert_geq(used, 0);
		memcpy(out + have, text + pos, got);
		have += got;
		pos += (size_t)used;
		piece = piece * 5 % 4093 + 1;
	}
	cr_expect(chunked_done(&ch));
	cr_expect_eq(have, blen);
	cr_expect_eq(memcmp(out, body, blen), 0);
	free(text);
	free(body);
	free(out);
}

/* Data moved around the decoder (spliced): it goes on after the bytes
 * skipped, and offers nothing to skip outside a chunk's data. */
Test(chunked, data_skipped_by_the_caller)
{
	char text[] = "a\r\nXXXX678901\r\n3\r\nabc\r\n0\r\n\r\n";
	struct chunked ch;
	size_t data;

	chunked_init(&ch);
	cr_assert_eq(chunked_data_left(&ch), 0);
	cr_assert_eq(chunked_decode(&ch, text, 3, &data), 3);
	cr_assert_eq(data, 0);
	cr_assert_eq(chunked_data_left(&ch), 10);
	chunked_skip(&ch, 11);          /* more than is due: ignored */
	cr_assert_eq(chunked_data_left(&ch), 10);
	chunked_skip(&ch, 4);
	cr_assert_eq(chunked_data_left(&ch), 6);
	cr_assert_eq(ch.total, 4);
	cr_assert_eq(chunked_decode(&ch, text + 7, 8, &data), 8);
	cr_assert_eq(data, 6);
	cr_assert_eq(chunked_data_left(&ch), 0, "the CRLF after the data");
	cr_assert_eq(chunked_decode(&ch, text + 15, 3, &data), 3);
	chunked_skip(&ch, 3);
	cr_assert_eq(chunked_data_left(&ch), 0);
	cr_assert_eq(chunked_decode(&ch, text + 21, sizeof(text) - 22, &data),
	    (ssize_t)(sizeof(text) - 22));
	cr_assert_eq(data, 0);
	cr_assert(chunked_done(&ch));
	cr_assert_eq(ch.total, 13);
	chunked_skip(&ch, 1);
	cr_assert(chunked_done(&ch));
}
