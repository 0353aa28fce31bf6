/*
 * iplimit.c: a chained hash of client addresses with a fixed entry pool,
 * private to a process or shared by the workers (see iplimit.h).
 *
 * Clients choose their addresses (an IPv6 site picks any /64 of its /48),
 * so the bucket comes from SipHash-2-4 under a key drawn at start: no
 * choice of addresses can aim at one chain.  SipHash is written out here
 * because the daemon links no crypto library and needs 64 bits of it.
 *
 * The shared table is changed under a pidlock (pidlock.h).  A worker
 * killed inside it leaves every chain whole, since an entry joins or
 * leaves a chain in one store; at worst the entry it was taking or giving
 * back is lost to the pool, which is sized with room to spare.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "iplimit.h"
#include "pidlock.h"

/* Entries a shared table holds at most (2 GiB of address space, touched
 * only as used): far more connections than any machine keeps open. */
#define IPLIMIT_SHARED_MAX (1u << 26)

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

/* Buckets for capacity entries: a power of two, one or more per entry. */
static unsigned
bucket_count(unsigned capacity)
{
	unsigned size = 1;

	while (size < capacity && size < (1u << 30))
		size <<= 1;
	return size;
}

int
iplimit_init(struct iplimit *t, unsigned max_connections, unsigned limit)
{
	struct iplimit_table *tab;
	unsigned size = bucket_count(max_connections);

	memset(t, 0, sizeof(*t));
	t->limit = limit;
	if (limit == 0)
		return 0;
	/* calloc: the pool's pages cost memory once connections use them */
	t->table = tab = calloc(1, sizeof(*tab));
	if (tab == NULL)
		return -1;
	tab->buckets = calloc(size, sizeof(*tab->buckets));
	tab->pool = calloc(max_connections, sizeof(*tab->pool));
	if (tab->buckets == NULL || tab->pool == NULL) {
		iplimit_free(t);
		return -1;
	}
	tab->mask = size - 1;
	tab->capacity = max_connections;
	hash_key_init(tab->hash_key);
	return 0;
}

void
iplimit_free(struct iplimit *t)
{
	if (t->table != NULL && t->pid == 0) {
		free(t->table->buckets);
		free(t->table->pool);
		free(t->table);
	}
	memset(t, 0, sizeof(*t));
}

int
iplimit_set_limit(struct iplimit *t, unsigned max_connections, unsigned limit)
{
	if (t->table == NULL && limit > 0)
		return iplimit_init(t, max_connections, limit);
	t->limit = limit;
	return 0;
}

struct iplimit_table *
iplimit_shared_create(uint64_t connections)
{
	struct iplimit_table *tab;
	unsigned capacity = connections < IPLIMIT_SHARED_MAX ? (unsigned)connections :
	    IPLIMIT_SHARED_MAX, size = bucket_count(capacity);
	/* header, buckets, pool: pointers into the mapping, which every
	 * process forked afterwards sees at the same address */
	size_t buckets_off = (sizeof(*tab) + 63) & ~(size_t)63;
	size_t pool_off = buckets_off + (size_t)size * sizeof(*tab->buckets);
	size_t map_size = pool_off + (size_t)capacity * sizeof(*tab->pool);
	void *map;

	/* MAP_NORESERVE: the pool is sized for every worker at its
	 * max_connections at once, a worst case that need not be committed
	 * up front; anonymous memory starts zeroed and costs nothing until
	 * touched */
	map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	tab = map;
	tab->buckets = (struct iplimit_entry **)((char *)map + buckets_off);
	tab->pool = (struct iplimit_entry *)((char *)map + pool_off);
	tab->mask = size - 1;
	tab->capacity = capacity;
	tab->map_size = map_size;
	hash_key_init(tab->hash_key);
	return tab;
}

void
iplimit_shared_destroy(struct iplimit_table *table)
{
	if (table != NULL)
		munmap(table, table->map_size);
}

void
iplimit_share(struct iplimit *t, struct iplimit_table *table)
{
	unsigned limit = t->limit;

	iplimit_free(t);
	t->table = table;
	t->limit = limit;
	t->pid = getpid();
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
key_hash(const struct iplimit_table *tab, uint64_t key, uint8_t family)
{
	/* all 8 bytes of the key and the family go through the hash */
	unsigned char in[9];

	memcpy(in, &key, 8);
	in[8] = family;
	return (unsigned)iplimit_siphash(tab->hash_key, in, sizeof(in)) & tab->mask;
}

/* A free entry: one given back, else the next never used; NULL when
 * the pool is spent. */
static struct iplimit_entry *
entry_take(struct iplimit_table *tab)
{
	struct iplimit_entry *e = tab->free;

	if (e != NULL)
		tab->free = e->next;
	else if (tab->used < tab->capacity)
		e = &tab->pool[tab->used++];
	return e;
}

/* Out of its chain and back to the pool; e->count is 0 already, so that
 * an entry with a count is never on the free list. */
static void
entry_drop(struct iplimit_table *tab, struct iplimit_entry *e)
{
	struct iplimit_entry **pp;

	for (pp = &tab->buckets[key_hash(tab, e->key, e->family)]; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->next = tab->free;
	tab->free = e;
}

/*
 * In a private table an address has one entry.  In a shared one it has
 * an entry per process that holds connections from it: the limit is on
 * their sum, and a process counts in its own entry, so that what it held
 * can be told apart when it ends.
 */
struct iplimit_entry *
iplimit_acquire(struct iplimit *t, const struct sockaddr_storage *addr)
{
	struct iplimit_table *tab = t->table;
	struct iplimit_entry *e, *mine = NULL;
	unsigned held = 0, h;
	uint64_t key;
	uint8_t family;

	if (t->limit == 0 || tab == NULL || addr_key(addr, &key, &family) == -1)
		return &unlimited;
	h = key_hash(tab, key, family);
	if (t->pid != 0)
		pidlock_lock(&tab->lock);
	for (e = tab->buckets[h]; e != NULL; e = e->next) {
		if (e->key != key || e->family != family)
			continue;
		held += e->count;
		if (e->pid == t->pid) {
			mine = e;
			if (t->pid == 0)
				break;
		}
	}
	if (held >= t->limit) {
		e = NULL;
	} else if (mine != NULL) {
		mine->count++;
		e = mine;
	} else if ((e = entry_take(tab)) != NULL) {
		e->key = key;
		e->family = family;
		e->pid = t->pid;
		e->count = 1;
		e->next = tab->buckets[h];
		tab->buckets[h] = e;
	}
	if (t->pid != 0)
		pidlock_unlock(&tab->lock);
	return e;
}

void
iplimit_release(struct iplimit *t, struct iplimit_entry *e)
{
	struct iplimit_table *tab = t->table;

	if (e == NULL || e == &unlimited)
		return;
	if (t->pid != 0)
		pidlock_lock(&tab->lock);
	if (--e->count == 0)
		entry_drop(tab, e);
	if (t->pid != 0)
		pidlock_unlock(&tab->lock);
}

/* Only the entries ever used are looked at: the rest of the pool stays
 * untouched. */
void
iplimit_clear_pid(struct iplimit_table *table, pid_t pid)
{
	pidlock_clear_dead(&table->lock, pid);
	pidlock_lock(&table->lock);
	for (unsigned i = 0; i < table->used; i++) {
		struct iplimit_entry *e = &table->pool[i];

		if (e->pid == pid && e->count > 0) {
			e->count = 0;
			entry_drop(table, e);
		}
	}
	pidlock_unlock(&table->lock);
}
