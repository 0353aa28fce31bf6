/*
 * test_bench_verify.c: every check of verify= gives the published answer
 * (FIPS 180-2 for SHA-256, RFC 3720 for CRC-32C, xxhsum -H3 for XXH3),
 * fed whole or in pieces; the CPU's CRC-32C and the table agree on every
 * length and alignment; a digest is reset between bodies; files are hashed
 * by range; and the option's names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bench_crc32c.h"
#include "bench_job.h"
#include "bench_verify.h"

static void
hex(const uint8_t *d, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * len] = '\0';
}

/* The hex digest of data under alg, fed in pieces of `piece` bytes. */
static const char *
digest_hex(enum bench_verify alg, const void *data, size_t len, size_t piece)
{
	static char h[2 * BENCH_DIGEST_MAX + 1];
	struct bench_digest d;
	uint8_t out[BENCH_DIGEST_MAX];
	const char *p = data;
	size_t n, dl;

	cr_assert_eq(bench_digest_open(&d, alg), 0);
	while (len > 0) {
		n = len < piece ? len : piece;
		bench_digest_update(&d, p, n);
		p += n;
		len -= n;
	}
	dl = bench_digest_final(&d, out);
	cr_assert_eq(dl, bench_verify_len(alg));
	hex(out, dl, h);
	bench_digest_close(&d);
	return h;
}

static const char *
million_a(void)
{
	static char *a;

	if (a == NULL) {
		a = malloc(1000000);
		cr_assert_not_null(a);
		memset(a, 'a', 1000000);
	}
	return a;
}

Test(bench_verify, sha256_fips_vectors)
{
	enum bench_verify s = BENCH_VERIFY_SHA256;
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	cr_assert_str_eq(digest_hex(s, "", 0, 1),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cr_assert_str_eq(digest_hex(s, "abc", 3, 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the padding spills into a second block; fed in pieces */
	cr_assert_str_eq(digest_hex(s, two, 56, 28),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cr_assert_str_eq(digest_hex(s, two, 56, 1),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cr_assert_str_eq(digest_hex(s, million_a(), 1000000, 1000),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(bench_verify, crc32c_rfc3720_vectors)
{
	enum bench_verify c = BENCH_VERIFY_CRC32C;
	unsigned char b[32];
	int i;

	cr_assert_str_eq(digest_hex(c, "", 0, 1), "00000000");
	cr_assert_str_eq(digest_hex(c, "123456789", 9, 9), "e3069283");
	cr_assert_str_eq(digest_hex(c, "123456789", 9, 2), "e3069283");
	memset(b, 0, sizeof(b));
	cr_assert_str_eq(digest_hex(c, b, 32, 32), "8a9136aa");
	memset(b, 0xff, sizeof(b));
	cr_assert_str_eq(digest_hex(c, b, 32, 5), "62a8ab43");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	cr_assert_str_eq(digest_hex(c, b, 32, 7), "46dd794e");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	cr_assert_str_eq(digest_hex(c, b, 32, 32), "113fdb5c");
	cr_assert_eq(bench_crc32c_table(0, "123456789", 9), 0xe3069283u);
}

/* The instruction path and the table path: every length 0..300 at every
 * alignment 0..15, and continued from a previous value. */
Test(bench_verify, crc32c_cpu_matches_table)
{
	unsigned char buf[512];
	size_t off, len;
	uint32_t hw, sw;

	if (!bench_crc32c_hw())
		cr_log_warn("no SSE4.2 here: both sides are the table");
	for (off = 0; off < sizeof(buf); off++)
		buf[off] = (unsigned char)(off * 131 + 7);
	for (off = 0; off < 16; off++) {
		for (len = 0; len <= 300; len++) {
			hw = bench_crc32c(0x12345678u, buf + off, len);
			sw = bench_crc32c_table(0x12345678u, buf + off, len);
			cr_assert_eq(hw, sw, "off %zu len %zu: %08x != %08x",
			    off, len, hw, sw);
		}
	}
	/* one call or two give the same crc */
	cr_assert_eq(bench_crc32c(bench_crc32c(0, buf, 100), buf + 100, 200),
	    bench_crc32c(0, buf, 300));
}

Test(bench_verify, xxhash_xxh3_vectors)
{
	enum bench_verify x = BENCH_VERIFY_XXHASH;

	/* as `xxhsum -H3` prints them */
	cr_assert_str_eq(digest_hex(x, "", 0, 1), "2d06800538d394c2");
	cr_assert_str_eq(digest_hex(x, "abc", 3, 1), "78af5f94892f3950");
	cr_assert_str_eq(digest_hex(x, million_a(), 1000000, 4096),
	    "b1fd6fae5285c4eb");
	cr_assert_str_eq(digest_hex(x, million_a(), 1000000, 999999),
	    "b1fd6fae5285c4eb");
}

/* A reset digest forgets the previous body: each connection reuses one. */
Test(bench_verify, reset_between_bodies)
{
	enum bench_verify algs[] = { BENCH_VERIFY_SHA256, BENCH_VERIFY_CRC32C,
	    BENCH_VERIFY_XXHASH };
	struct bench_digest d;
	uint8_t a[BENCH_DIGEST_MAX];
	char h[2 * BENCH_DIGEST_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		cr_assert_eq(bench_digest_open(&d, algs[i]), 0);
		bench_digest_update(&d, "first body", 10);
		(void)bench_digest_final(&d, a);
		bench_digest_reset(&d);
		bench_digest_update(&d, "abc", 3);
		n = bench_digest_final(&d, a);
		hex(a, n, h);
		cr_assert_str_eq(h, digest_hex(algs[i], "abc", 3, 3), "%s",
		    bench_verify_name(algs[i]));
		bench_digest_close(&d);
	}
}

Test(bench_verify, file_ranges)
{
	char path[] = "/tmp/test_bench_verify.XXXXXX";
	uint8_t out[BENCH_DIGEST_MAX];
	char h[2 * BENCH_DIGEST_MAX + 1];
	const char *text = "xx123456789yy";
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(bench_digest_file(BENCH_VERIFY_CRC32C, path, 2, 9, out), 0);
	hex(out, 4, h);
	cr_assert_str_eq(h, "e3069283");
	cr_assert_eq(bench_digest_file(BENCH_VERIFY_SHA256, path, 0, 0, out), 0);
	hex(out, 32, h);
	cr_assert_str_eq(h,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* past the end of the file: an error, not the digest of fewer bytes */
	errno = 0;
	cr_assert_eq(bench_digest_file(BENCH_VERIFY_XXHASH, path, 10, 9, out), -1);
	cr_assert_eq(errno, EIO);
	unlink(path);
	cr_assert_eq(bench_digest_file(BENCH_VERIFY_XXHASH, path, 0, 1, out), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(bench_verify, names)
{
	enum bench_verify v;

	cr_assert_eq(bench_verify_parse("sha256", &v), 0);
	cr_assert_eq(v, BENCH_VERIFY_SHA256);
	cr_assert_eq(bench_verify_parse("crc32c", &v), 0);
	cr_assert_eq(v, BENCH_VERIFY_CRC32C);
	cr_assert_eq(bench_verify_parse("xxhash", &v), 0);
	cr_assert_eq(v, BENCH_VERIFY_XXHASH);
	cr_assert_eq(bench_verify_parse("0", &v), 0);
	cr_assert_eq(v, BENCH_VERIFY_NONE);
	cr_assert_eq(bench_verify_parse("none", &v), 0);
	cr_assert_eq(v, BENCH_VERIFY_NONE);
	cr_assert_eq(bench_verify_parse("crc32", &v), -1);
	cr_assert_eq(bench_verify_parse("md5", &v), -1);
	cr_assert_eq(bench_verify_parse("", &v), -1);
	cr_assert_str_eq(bench_verify_name(BENCH_VERIFY_CRC32C), "crc32c");
	cr_assert_str_eq(bench_verify_name(BENCH_VERIFY_XXHASH), "xxhash");
	cr_assert_eq(bench_verify_len(BENCH_VERIFY_XXHASH), 8);
	cr_assert_eq(bench_verify_len(BENCH_VERIFY_NONE), 0);
}
