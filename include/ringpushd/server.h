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
#include "metrics.h"
#include "rate.h"
#include "recvring.h"
#include "refuse.h"
#include "root.h"
#include "shm.h"
#include "conn.h"
#include "pipepool.h"
#include "ring.h"
#include "timer.h"
#include "xfer.h"

struct listener {
	struct conf_listener settings;   /* its own copy: outlives a reload */
	const struct conf_listener *conf; /* = &settings */
	int fd;
	/* the root directory, followed across tree swaps (root.h) */
	struct root *root;
	uint64_t root_looked_ms;     /* last look at the root's path */
	int root_err;                /* why the last look failed, 0 if it did not */
	struct sockaddr_storage bound; /* the address the socket really has */
	unsigned index;              /* table slot, named in accept user_data */
	uint32_t gen;                /* slot occupant, named in accept user_data */
	/* the generation before the last re-arm (= gen when there was none):
	 * the cancelled accept may still hand over connections it took */
	uint32_t prev_gen;
	bool accept_armed;
	bool retired;                /* replaced or removed by a reload */
	bool inherited;              /* a worker's socket, bound by the master */
	unsigned waiting_ticks;      /* ticks in a row it had connections waiting */
	unsigned nconns;             /* connections it accepted, still open */
	const struct xfer_engine_ops *engine;
	struct open_how open_how;    /* how request paths open below the root */
};

struct server {
	const struct conf *conf;      /* the one in force */
	struct conf *owned_conf;      /* a reloaded one, freed by the server */
	const char *conf_path;        /* NULL: built-in defaults */
	struct ring ring;
	bool ring_ready;
	struct listener **listeners;  /* table; NULL slots are free */
	unsigned nlisteners;          /* table size */
	uint32_t listener_gen;        /* last generation given to a listener */
	unsigned max_conns;           /* slab size, fixed at start */
	unsigned conn_limit;          /* max_connections in force: the
					 configured one, or what the fd
					 limit fits (fdlimit.c); the slab
					 has CONN_RESERVE slots more */
	struct idle_list idle;        /* kept-alive connections between requests */
	unsigned reclaiming;          /* closed to make room, not yet freed */
	bool accept_paused;           /* an accept failed for want of fds */
	int spare_fds[CONN_SPARE_FDS]; /* -1 when let go */
	bool fd_short;                /* spares let go at the fd limit: new
					 connections get the status paths only */
	uint64_t fd_limit;            /* RLIMIT_NOFILE in force, for the logs */
	struct conn *conns;
	unsigned conns_used;          /* slots [0, conns_used) touched so far */
	struct reqbuf_pool reqbufs;   /* lent to connections with a request */
	uint64_t reqbuf_trim_ms;      /* next reqbuf_trim() */
	struct recvring recv;         /* idle connections' receives (if on) */
	struct conn *free_conns;
	unsigned live_conns;
	struct pipepool pipes;
	struct bufpool small_bufs;
	struct bufpool copy_bufs;     /* engine copy: a buffer per transfer */
	bool send_zc_supported;       /* the kernel has IORING_OP_SEND_ZC */
	struct fdcache files;
	struct iplimit iplimit;
	/* warnings about refused connections, one per limit */
	struct refuse_log refused_max, refused_per_ip, refused_fd;
	/* warnings about idle connections closed to make room, and about
	 * accepts that failed */
	struct refuse_log reclaim_log, accept_log;
	struct rate_bucket rate_total;
	struct timer_lists timers;
	uint64_t now_ms;             /* refreshed once per loop turn */
	uint64_t now_us;             /* the same reading, in microseconds */
	time_t now_sec;
	unsigned turn_batch;          /* completions this loop turn handles */
	int signal_fd;
	bool stopping;
	bool draining;                /* SIGTERM with drain_time: health says 503 */
	uint64_t drain_end_ms;        /* then the graceful stop begins */
	bool gave_up;                 /* stopped without connections stuck on lost completions */
	uint32_t tick_gen, signal_gen; /* of the tick and the signal read in flight */
	unsigned long losses_seen;    /* ring.losses already recovered from */
	struct __kernel_timespec tick;
	uint64_t stop_deadline_ms;    /* graceful stop ends here */
	struct metrics m;             /* counters; gauges filled when read */
	struct shm *shm;              /* workers > 1: every worker's counters */
	/* the configuration started with: what the keys fixed at start still
	 * hold, whatever reloads asked for since */
	const struct conf *start_conf;
};

/* Set up everything from conf; returns 0, or -1 after logging why. */
int server_init(struct server *s, const struct conf *conf);
/* Run until SIGINT/SIGTERM; returns the exit status. */
int server_run(struct server *s);
void server_free(struct server *s);
/* Read conf_path again (SIGHUP).  On any problem every file:line goes to
 * the error log and the running configuration stays untouched. */
int server_reload(struct server *s);
/* Log each line conf_load wrote to its error stream, as "reload: ...". */
void server_log_conf_errors(char *text);
/* Fill the gauges of s->m from the current state. */
void server_metrics_snapshot(struct server *s);
/* The text of /metrics into buf: this process's figures, or with workers
 * the whole daemon's and each worker's.  As metrics_format(). */
int server_metrics_format(struct server *s, char *buf, size_t cap);

/* listen.c */
int listen_open(struct server *s);
void listen_arm(struct server *s, struct listener *l);
void listen_arm_all(struct server *s);
/* After lost completions: every accept cancelled and armed again under a
 * new generation (one whose end was lost would never be re-armed). */
void listen_rearm_all(struct server *s);
/* Once a tick, for a worker's sockets: connections left waiting by a
 * missed wake-up are taken (see listen.c). */
void listen_check_waiting(struct server *s);
/* A completion of the accept named (index, gen): one of an accept that
 * is no longer the slot's (its listener removed, or re-armed after lost
 * completions) is dropped, and a socket it brings closed. */
void listen_complete(struct server *s, unsigned index, uint32_t gen, int res, unsigned flags);
/* Stop accepting on every listener (stop). */
void listen_close(struct server *s);
/* Open what next names, hand over sockets whose address stays, close the
 * rest.  On failure nothing changed.  0 or -1 after logging why. */
int listen_reload(struct server *s, const struct conf *next);
/* On the tick: look at each listener's root path once per
 * open_file_cache_valid and swap in the directory it names now, if that
 * is another one (a deploy swapped the tree). */
void listen_follow_roots(struct server *s);
/* A connection of l ended: frees a retired listener's last user. */
void listen_put(struct listener *l);
void listen_free_all(struct server *s);
/*
 * With workers: the master binds n sockets on cl's address into fds (one
 * per worker, SO_REUSEPORT; the first settles a port 0), logs "listening
 * on" with listen_group_log() once every worker serves; a worker takes
 * its own with listen_inherit() before server_init(): fds[i] for listener
 * i of the configuration it starts with.  listen_group_open returns 0, or
 * -1 after logging why, with nothing left open.
 */
int listen_group_open(const struct conf_listener *cl, int *fds, unsigned n);
void listen_group_log(const struct conf_listener *cl, int fd, unsigned n);
void listen_group_close(int *fds, unsigned n);
void listen_inherit(const int *fds, unsigned n);
/* a and b name the same address as configured (port 0 included) */
bool listen_same_configured(const struct conf_listener *a, const struct conf_listener *b);

#endif
