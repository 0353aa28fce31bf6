/*
 * iplimit.h: connections per client address, for max_connections_per_ip.
 *
 * IPv4 clients count by address; IPv6 clients by /64, since one host
 * usually owns a whole /64.  IPv4-mapped IPv6 addresses (a "*" listener
 * accepting IPv4) count as the IPv4 address they carry.  Entries come
 * from a pool sized by max_connections: one connection needs at most one
 * entry, so the table never allocates after start-up.
 */
#ifndef RINGPUSH_IPLIMIT_H
#define RINGPUSH_IPLIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define IPLIMIT_KEY_LEN 16

struct iplimit_entry {
	uint64_t key;
	uint8_t family;
	unsigned count;
	struct iplimit_entry *next;
};

struct iplimit {
	struct iplimit_entry **buckets;
	struct iplimit_entry *pool, *free;
	unsigned mask;
	unsigned limit;             /* 0 = no limit */
	unsigned char hash_key[IPLIMIT_KEY_LEN];  /* random, drawn by iplimit_init */
};

/* Room for max_connections clients; limit 0 disables counting.  0 or -1. */
int iplimit_init(struct iplimit *t, unsigned max_connections, unsigned limit);
void iplimit_free(struct iplimit *t);
/* Count one more connection from addr.  Returns its entry (give it back
 * with iplimit_release), or NULL when addr is at the limit.  With no limit
 * (or an address family it does not know) returns a shared dummy that
 * release ignores. */
struct iplimit_entry *iplimit_acquire(struct iplimit *t, const struct sockaddr_storage *addr);
void iplimit_release(struct iplimit *t, struct iplimit_entry *e);
/* SipHash-2-4 of data under key: the table's bucket hash. */
uint64_t iplimit_siphash(const unsigned char key[IPLIMIT_KEY_LEN], const void *data,
    size_t len);

#endif
