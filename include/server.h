/*
 * server.h: the daemon's run-time state — one ring, its listeners, the
 * connection slab, the pipe pool, the deadlines — and the event loop.
 */
#ifndef RINGPUSH_SERVER_H
#define RINGPUSH_SERVER_H

#include <stdbool.h>
#include <time.h>
#include <linux/openat2.h>
#include "bufpool.h"
#include "conf.h"
#include "iplimit.h"
#include "rate.h"
#include "conn.h"
#include "pipepool.h"
#include "ring.h"
#include "timer.h"
#include "xfer.h"

struct listener {
	const struct conf_listener *conf;
	int fd;
	int root_fd;                 /* O_PATH directory fd of the root */
	unsigned index;              /* slot in user_data */
	bool accept_armed;
	const struct xfer_engine_ops *engine;
	struct open_how open_how;    /* how request paths open below root_fd */
};

struct server {
	const struct conf *conf;
	struct ring ring;
	bool ring_ready;
	struct listener *listeners;
	unsigned nlisteners;
	struct conn *conns;
	char *rbufs;
	struct conn *free_conns;
	unsigned live_conns;
	struct pipepool pipes;
	struct bufpool small_bufs;
	struct iplimit iplimit;
	struct rate_bucket rate_total;
	struct timer_lists timers;
	uint64_t now_ms;             /* refreshed once per loop turn */
	time_t now_sec;
	int signal_fd;
	bool stopping;
	struct __kernel_timespec tick;
	unsigned long accepted, refused, refused_per_ip, requests;
};

/* Set up everything from conf; returns 0, or -1 after logging why. */
int server_init(struct server *s, const struct conf *conf);
/* Run until SIGINT/SIGTERM; returns the exit status. */
int server_run(struct server *s);
void server_free(struct server *s);

/* listen.c */
int listen_open(struct server *s);
void listen_arm(struct server *s, struct listener *l);
void listen_complete(struct server *s, struct listener *l, int res, unsigned flags);
void listen_close(struct server *s);

#endif
