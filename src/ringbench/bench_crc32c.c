/*
 * bench_crc32c.c: CRC-32C for verify=crc32c, the check fio users reach for
 * when SHA-256 is too slow.
 *
 * Written here rather than taken from a library: Debian packages no small
 * CRC-32C library (zlib's crc32 is the other polynomial, and the kernel's
 * crypto API through AF_ALG would cost a system call per receive).  On
 * x86-64 with SSE4.2 the CRC32 instruction does 8 bytes per step, as
 * fio's crc32c-intel does, chosen once at run time from cpuid; elsewhere
 * a slice-by-8 table.  Both are checked against each other and against
 * RFC 3720's vectors in the unit tests.
 */
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

#include "bench_crc32c.h"

#define CRC32C_POLY_REFLECTED 0x82f63b78u

static uint32_t crc_table[8][256];
static bool table_ready;

static void
table_init(void)
{
	uint32_t c;
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32C_POLY_REFLECTED : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
			    crc_table[0][crc_table[k - 1][i] & 0xff];
	table_ready = true;
}

uint32_t
bench_crc32c_table(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;

	if (!table_ready)
		table_init();
	crc = ~crc;
	while (len >= 8) {
		memcpy(&w, p, 8);
		/* little-endian: the first byte is the lowest */
		w ^= crc;
		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
		    crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
		    crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
		    crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t c = ~crc, w;

	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

/* -1 = not asked yet */
static int have_sse42 = -1;

int
bench_crc32c_hw(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;

	if (have_sse42 < 0)
		have_sse42 = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
	return have_sse42;
#else
	return 0;
#endif
}

uint32_t
bench_crc32c(uint32_t crc, const void *data, size_t len)
{
#if defined(__x86_64__)
	if (bench_crc32c_hw())
		return crc32c_sse42(crc, data, len);
#endif
	return bench_crc32c_table(crc, data, len);
}
