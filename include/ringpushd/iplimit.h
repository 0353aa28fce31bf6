/*
 * iplimit.h: connections per client address, for max_connections_per_ip.
 *
 * IPv4 clients count by address; IPv6 clients by /64, since one host
 * usually owns a whole /64.  IPv4-mapped IPv6 addresses (a "*" listener
 * accepting IPv4) count as the IPv4 address they carry.  Entries come
 * from a pool sized by max_connections: one connection needs at most one
 * entry, so the table never allocates after start-up, and an entry is
 * touched only once a connection needs it.
 *
 * A single process keeps a private table.  With workers the limit holds
 * for the whole daemon: the master maps one table in shared memory before
 * it forks, and each worker counts there in entries of its own, keyed by
 * address and pid; a connection is let in while the entries of its
 * address, every process's together, are under the limit.  Entries of a
 * process that ended are cleared by the master when it reaps it, so a
 * worker killed outright leaves nothing counted behind, and a retiring
 * generation's counts live exactly as long as its processes.
 */
#ifndef RINGPUSH_IPLIMIT_H
#define RINGPUSH_IPLIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define IPLIMIT_KEY_LEN 16

struct iplimit_entry {
	uint64_t key;
	struct iplimit_entry *next;
	pid_t pid;                  /* shared table: the counting process; 0 in a private one */
	unsigned count;             /* 0: free */
	uint8_t family;
};

struct iplimit_table {
	uint32_t lock;              /* shared table: pidlock.h; a private one has none */
	unsigned mask;
	unsigned capacity;          /* entries in pool */
	unsigned used;              /* pool[0, used) handed out at least once */
	struct iplimit_entry *free; /* given back, taken before pool[used] */
	struct iplimit_entry **buckets;
	struct iplimit_entry *pool;
	size_t map_size;            /* shared table: the mapping's length */
	unsigned char hash_key[IPLIMIT_KEY_LEN];  /* random, drawn at creation */
};

struct iplimit {
	struct iplimit_table *table; /* NULL: no limit was ever set */
	unsigned limit;             /* 0 = no limit */
	pid_t pid;                  /* 0: a private table; else this process in a shared one */
};

/* A private table with room for max_connections clients; limit 0
 * allocates nothing and counts nothing.  0 or -1. */
int iplimit_init(struct iplimit *t, unsigned max_connections, unsigned limit);
/* Frees a private table, forgets a shared one. */
void iplimit_free(struct iplimit *t);
/* A new limit (a reload).  A private table is made on the first limit
 * above 0; connections let in without one are never counted.  0 or -1
 * (no room for the table: no limit). */
int iplimit_set_limit(struct iplimit *t, unsigned max_connections, unsigned limit);
/* Count one more connection from addr.  Returns its entry (give it back
 * with iplimit_release), or NULL when addr is at the limit.  With no limit
 * (or an address family it does not know) returns a shared dummy that
 * release ignores. */
struct iplimit_entry *iplimit_acquire(struct iplimit *t, const struct sockaddr_storage *addr);
void iplimit_release(struct iplimit *t, struct iplimit_entry *e);
/* SipHash-2-4 of data under key: the table's bucket hash. */
uint64_t iplimit_siphash(const unsigned char key[IPLIMIT_KEY_LEN], const void *data,
    size_t len);

/* The master: a table shared by every process it forks afterwards, with
 * room for that many connections at once.  NULL with errno. */
struct iplimit_table *iplimit_shared_create(uint64_t connections);
void iplimit_shared_destroy(struct iplimit_table *table);
/* A worker: count in the shared table from now on, as this process,
 * under t's limit (its private table, if any, is freed). */
void iplimit_share(struct iplimit *t, struct iplimit_table *table);
/* The master, once it has reaped pid: free every entry pid held. */
void iplimit_clear_pid(struct iplimit_table *table, pid_t pid);

#endif
