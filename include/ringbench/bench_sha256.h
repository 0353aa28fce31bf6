/*
 * bench_sha256.h: SHA-256 (FIPS 180-4) for verify=sha256, kept in ringbench
 * so the client needs no crypto library.
 */
#ifndef RINGPUSH_BENCH_SHA256_H
#define RINGPUSH_BENCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_SHA256_LEN 32

struct bench_sha256 {
	uint32_t state[8];
	uint64_t length;                /* bytes hashed so far */
	uint8_t block[64];
	size_t fill;
};

void bench_sha256_init(struct bench_sha256 *c);
void bench_sha256_update(struct bench_sha256 *c, const void *data, size_t len);
void bench_sha256_final(struct bench_sha256 *c, uint8_t out[BENCH_SHA256_LEN]);

#endif
