/*
 * iplimit.c: a chained hash of client addresses with a fixed entry pool
 * (see iplimit.h).
 *
 * Clients choose their addresses (an IPv6 site picks any /64 of its /48),
 * so the bucket comes from SipHash-2-4 under a key drawn at start: no
 * choice of addresses can aim at one chain.  SipHash is written out here
 * because the daemon links no crypto library and needs 64 bits of it.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "iplimit.h"

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do {					\
		v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);	\
		v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);	\
	} while (0)

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
iplimit_siphash(const unsigned char key[IPLIMIT_KEY_LEN], const void *data, size_t len)
{
	const unsigned char *in = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t m, last = (uint64_t)len << 56;
	size_t tail = len & 7;

	for (; len >= 8; len -= 8, in += 8) {
		m = load_le64(in);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t i = 0; i < tail; i++)
		last |= (uint64_t)in[i] << (8 * i);
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A key nobody outside can guess.  GRND_NONBLOCK: a daemon started early
 * in boot must not wait for entropy over a hash key; if getrandom() has
 * none yet (or the kernel lacks it), the clock and the pid still keep the
 * key from being a constant. */
static void
hash_key_init(unsigned char key[IPLIMIT_KEY_LEN])
{
	struct timespec ts;
	uint64_t mix[2];

	if (getrandom(key, IPLIMIT_KEY_LEN, GRND_NONBLOCK) == IPLIMIT_KEY_LEN)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mix[0] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	mix[1] = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)key;
	memcpy(key, mix, IPLIMIT_KEY_LEN);
}

static struct iplimit_entry unlimited;

int
iplimit_init(struct iplimit *t, unsigned max_connections, unsigned limit)
{
	unsigned size = 1;

	memset(t, 0, sizeof(*t));
	t->limit = limit;
	if (limit == 0)
		return 0;
	while (size < max_connections && size < (1u << 30))
		size <<= 1;
	t->buckets = calloc(size, sizeof(*t->buckets));
	t->pool = calloc(max_connections, sizeof(*t->pool));
	if (t->buckets == NULL || t->pool == NULL) {
		iplimit_free(t);
		return -1;
	}
	t->mask = size - 1;
	hash_key_init(t->hash_key);
	for (unsigned i = 0; i < max_connections; i++) {
		t->pool[i].next = t->free;
		t->free = &t->pool[i];
	}
	return 0;
}

void
iplimit_free(struct iplimit *t)
{
	free(t->buckets);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

static int
addr_key(const struct sockaddr_storage *ss, uint64_t *key, uint8_t *family)
{
	if (ss->ss_family == AF_INET) {
		*key = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
		*family = AF_INET;
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		uint64_t hi;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			uint32_t v4;

			memcpy(&v4, a->s6_addr + 12, 4);
			*key = ntohl(v4);
			*family = AF_INET;
			return 0;
		}
		memcpy(&hi, a->s6_addr, 8);
		*key = hi;
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static unsigned
key_hash(const struct iplimit *t, uint64_t key, uint8_t family)
{
	/* all 8 bytes of the key and the family go through the hash */
	unsigned char in[9];

	memcpy(in, &key, 8);
	in[8] = family;
	return (unsigned)iplimit_siphash(t->hash_key, in, sizeof(in)) & t->mask;
}

struct iplimit_entry *
iplimit_acquire(struct iplimit *t, const struct sockaddr_storage *addr)
{
	struct iplimit_entry *e;
	uint64_t key;
	uint8_t family;
	unsigned h;

	if (t->limit == 0 || addr_key(addr, &key, &family) == -1)
		return &unlimited;
	h = key_hash(t, key, family);
	for (e = t->buckets[h]; e != NULL; e = e->next) {
		if (e->key == key && e->family == family) {
			if (e->count >= t->limit)
				return NULL;
			e->count++;
			return e;
		}
	}
	e = t->free;
	if (e == NULL)
		return NULL;
	t->free = e->next;
	e->key = key;
	e->family = family;
	e->count = 1;
	e->next = t->buckets[h];
	t->buckets[h] = e;
	return e;
}

void
iplimit_release(struct iplimit *t, struct iplimit_entry *e)
{
	struct iplimit_entry **pp;

	if (e == NULL || e == &unlimited || --e->count > 0)
		return;
	for (pp = &t->buckets[key_hash(t, e->key, e->family)]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->next = t->free;
	t->free = e;
}
