/*
 * bench_verify.h: the checks of verify=, one interface over three
 * libraries: SHA-256 from libcrypto's EVP, XXH3-64 from libxxhash, and
 * CRC-32C with the CPU's instruction (bench_crc32c.h).
 */
#ifndef RINGPUSH_BENCH_VERIFY_H
#define RINGPUSH_BENCH_VERIFY_H

#include <stddef.h>
#include <stdint.h>

enum bench_verify { BENCH_VERIFY_NONE, BENCH_VERIFY_SHA256,
    BENCH_VERIFY_CRC32C, BENCH_VERIFY_XXHASH };

#define BENCH_DIGEST_MAX 32             /* the longest: SHA-256 */

/*
 * One running check.  bench_digest_open allocates what the library needs,
 * once; bench_digest_reset starts a new body with it, so a request costs
 * no allocation of ours.
 */
struct bench_digest {
	enum bench_verify alg;
	void *evp;                      /* EVP_MD_CTX, for sha256 */
	void *xxh;                      /* XXH3_state_t, for xxhash */
	uint32_t crc;                   /* for crc32c */
};

/* The option's value for alg ("none", "sha256", "crc32c", "xxhash"). */
const char *bench_verify_name(enum bench_verify alg);

/* 0 and *alg set when s names a check (or "none", or "0"); -1 if not. */
int bench_verify_parse(const char *s, enum bench_verify *alg);

/* Bytes of alg's digest: 32, 4 or 8 (0 for none). */
size_t bench_verify_len(enum bench_verify alg);

/* 0, or -1 when the library cannot provide alg (nothing to close then). */
int bench_digest_open(struct bench_digest *d, enum bench_verify alg);
void bench_digest_reset(struct bench_digest *d);
void bench_digest_update(struct bench_digest *d, const void *data, size_t len);
/* Writes bench_verify_len(d->alg) bytes to out (big-endian for the
 * checksums, as their usual printed form) and returns that length. */
size_t bench_digest_final(struct bench_digest *d, uint8_t out[BENCH_DIGEST_MAX]);
void bench_digest_close(struct bench_digest *d);

/*
 * The digest of length bytes of path from offset first; 0, or -1 with
 * errno (EIO when the file ends before first + length).
 */
int bench_digest_file(enum bench_verify alg, const char *path,
    uint64_t first, uint64_t length, uint8_t out[BENCH_DIGEST_MAX]);

#endif
