/*
 * bench_target.h: what the pre-flight (bench_target.c) learns about a
 * job's server and paths, shared by the engine (bench_run.c) and the
 * write side (bench_write.c).  Internal to ringbench.
 */
#ifndef RINGPUSH_BENCH_TARGET_H
#define RINGPUSH_BENCH_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bench_verify.h"

struct target_path {
	char *path;
	uint64_t size;                  /* from HEAD */
	char *get;                      /* the whole-file GET, built once */
	int get_len;
	char *put;                      /* writes: the PUT head, built once */
	int put_len;
	bool written;                   /* a PUT of it succeeded */
	char *local;                    /* verify_dir copy, or NULL */
	uint64_t local_size;
	uint8_t digest[BENCH_DIGEST_MAX];       /* of the whole local file */
};

struct bench_target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char hostport[300];             /* for messages and Host: */
	struct target_path *paths;
	size_t npaths;
	uint64_t total_size;
	char *body;                     /* rw=write: the bs bytes every PUT sends */
};

/*
 * A blocking connection to t with the pre-flight's timeouts; the socket,
 * or -1 with errno.
 */
int bench_target_dial(const struct bench_target *t);

#endif
