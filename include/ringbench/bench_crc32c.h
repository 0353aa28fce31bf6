/*
 * bench_crc32c.h: CRC-32C (Castagnoli, the iSCSI polynomial, as fio's
 * verify=crc32c) for verify=crc32c.
 */
#ifndef RINGPUSH_BENCH_CRC32C_H
#define RINGPUSH_BENCH_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC-32C over len bytes: start with crc = 0, feed the result of
 * one call to the next; the value returned after the last byte is the
 * checksum.  Uses the CPU's CRC32 instruction when it has one (SSE4.2),
 * else a table.
 */
uint32_t bench_crc32c(uint32_t crc, const void *data, size_t len);

/* The same with the table only, so tests can compare the two paths. */
uint32_t bench_crc32c_table(uint32_t crc, const void *data, size_t len);

/* 1 when bench_crc32c uses the CPU instruction. */
int bench_crc32c_hw(void);

#endif
