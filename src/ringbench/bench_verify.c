/*
 * bench_verify.c: the checks behind verify=, each from the library that
 * does it fastest here.  SHA-256 is libcrypto's EVP digest (SHA-NI or
 * AVX2 code chosen by OpenSSL at run time); xxhash is XXH3 with 64-bit
 * output from libxxhash, the fastest of its family; crc32c is
 * bench_crc32c.c.  A verifying client must hash at the speed of the wire,
 * or it measures itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "bench_crc32c.h"
#include "bench_verify.h"

#define FILE_BLOCK (256 * 1024)

static const struct {
	const char *name;
	enum bench_verify alg;
	size_t len;
} algs[] = {
	{ "none", BENCH_VERIFY_NONE, 0 },
	{ "sha256", BENCH_VERIFY_SHA256, 32 },
	{ "crc32c", BENCH_VERIFY_CRC32C, 4 },
	{ "xxhash", BENCH_VERIFY_XXHASH, 8 },
};

/* Fetched once: EVP_sha256() would look the provider up at every init. */
static EVP_MD *sha256_md;

const char *
bench_verify_name(enum bench_verify alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return "none";
}

int
bench_verify_parse(const char *s, enum bench_verify *alg)
{
	size_t i;

	/* fio writes verify=0 for none */
	if (strcmp(s, "0") == 0) {
		*alg = BENCH_VERIFY_NONE;
		return 0;
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(s, algs[i].name) == 0) {
			*alg = algs[i].alg;
			return 0;
		}
	}
	return -1;
}

size_t
bench_verify_len(enum bench_verify alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return algs[i].len;
	return 0;
}

int
bench_digest_open(struct bench_digest *d, enum bench_verify alg)
{
	memset(d, 0, sizeof(*d));
	d->alg = alg;
	switch (alg) {
	case BENCH_VERIFY_SHA256:
		if (sha256_md == NULL &&
		    (sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
			return -1;
		if ((d->evp = EVP_MD_CTX_new()) == NULL)
			return -1;
		break;
	case BENCH_VERIFY_XXHASH:
		if ((d->xxh = XXH3_createState()) == NULL)
			return -1;
		break;
	case BENCH_VERIFY_CRC32C:
	case BENCH_VERIFY_NONE:
		break;
	}
	bench_digest_reset(d);
	return 0;
}

void
bench_digest_reset(struct bench_digest *d)
{
	switch (d->alg) {
	case BENCH_VERIFY_SHA256:
		/* cannot fail with a fetched digest and memory already held */
		(void)EVP_DigestInit_ex2(d->evp, sha256_md, NULL);
		break;
	case BENCH_VERIFY_XXHASH:
		(void)XXH3_64bits_reset(d->xxh);
		break;
	case BENCH_VERIFY_CRC32C:
		d->crc = 0;
		break;
	case BENCH_VERIFY_NONE:
		break;
	}
}

void
bench_digest_update(struct bench_digest *d, const void *data, size_t len)
{
	switch (d->alg) {
	case BENCH_VERIFY_SHA256:
		(void)EVP_DigestUpdate(d->evp, data, len);
		break;
	case BENCH_VERIFY_XXHASH:
		(void)XXH3_64bits_update(d->xxh, data, len);
		break;
	case BENCH_VERIFY_CRC32C:
		d->crc = bench_crc32c(d->crc, data, len);
		break;
	case BENCH_VERIFY_NONE:
		break;
	}
}

static void
put_be(uint8_t *out, uint64_t v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
}

size_t
bench_digest_final(struct bench_digest *d, uint8_t out[BENCH_DIGEST_MAX])
{
	unsigned int n = 0;

	memset(out, 0, BENCH_DIGEST_MAX);
	switch (d->alg) {
	case BENCH_VERIFY_SHA256:
		(void)EVP_DigestFinal_ex(d->evp, out, &n);
		break;
	case BENCH_VERIFY_XXHASH:
		put_be(out, XXH3_64bits_digest(d->xxh), 8);
		break;
	case BENCH_VERIFY_CRC32C:
		put_be(out, d->crc, 4);
		break;
	case BENCH_VERIFY_NONE:
		break;
	}
	return bench_verify_len(d->alg);
}

void
bench_digest_close(struct bench_digest *d)
{
	EVP_MD_CTX_free(d->evp);
	if (d->xxh != NULL)
		XXH3_freeState(d->xxh);
	d->evp = d->xxh = NULL;
}

int
bench_digest_file(enum bench_verify alg, const char *path, uint64_t first,
    uint64_t length, uint8_t out[BENCH_DIGEST_MAX])
{
	struct bench_digest d;
	char *buf = NULL;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (bench_digest_open(&d, alg) < 0) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	if ((buf = malloc(FILE_BLOCK)) == NULL)
		abort();
	while (length > 0) {
		n = pread(fd, buf, length < FILE_BLOCK ? length : FILE_BLOCK,
		    (off_t)first);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		bench_digest_update(&d, buf, (size_t)n);
		first += (uint64_t)n;
		length -= (uint64_t)n;
	}
	bench_digest_final(&d, out);
	bench_digest_close(&d);
	free(buf);
	close(fd);
	return 0;
fail:
	saved = errno;
	bench_digest_close(&d);
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}
