/*
 * ring.h: the one io_uring, and how a completion finds its owner.
 *
 * user_data packs the operation (8 bits), a generation (24 bits) and a
 * slot (32 bits).  A connection slot's generation changes every time the
 * slot is reused, so a completion that arrives for an older occupant is
 * recognised and dropped.
 */
#ifndef RINGPUSH_RING_H
#define RINGPUSH_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

enum ring_op {
	OP_NONE,
	OP_ACCEPT,       /* slot = listener index */
	OP_RECV,
	OP_OPEN,         /* openat2 of a request path */
	OP_SEND,         /* response header (and error bodies, small bodies) */
	OP_READ,         /* a small body read into a pool buffer */
	OP_SPLICE_IN,    /* file -> pipe */
	OP_SPLICE_OUT,   /* pipe -> socket */
	OP_POLL_OUT,     /* wait until the socket takes bytes again */
	OP_TICK,         /* the periodic timeout that drives deadlines */
	OP_SIGNAL,       /* read of the eventfd the signal handler bumps */
	OP_CANCEL,       /* completions of cancel requests: ignored */
	OP_LOG_WRITE,    /* a buffer of log lines; slot = enum log_stream */
	OP_BODY_READ,    /* engine copy: file -> pool buffer */
	OP_BODY_SEND,    /* engines copy and mmap: memory -> socket */
	/* uploads (upload.c) */
	OP_UPLOAD_IN,    /* socket -> pipe */
	OP_UPLOAD_OUT,   /* pipe -> the new file */
	OP_UPLOAD_POLL,  /* wait until the socket has bytes */
	OP_UPLOAD_SYNC,  /* fsync of the new file or its directory */
	OP_UPLOAD_CONTINUE, /* the interim 100 Continue */
	OP_UPLOAD_RECV,  /* a piece of a chunked body, into a buffer */
	OP_RECV_POLL,    /* an idle connection's socket has bytes */
	OP_RECV_RING,    /* an idle connection's bytes, in a recvring buffer */
};

#define RING_GEN_MASK 0xffffffu

static inline uint64_t
ring_ud(enum ring_op op, uint32_t slot, uint32_t gen)
{
	return ((uint64_t)op << 56) | ((uint64_t)(gen & RING_GEN_MASK) << 32) | slot;
}

static inline enum ring_op ring_ud_op(uint64_t ud) { return (enum ring_op)(ud >> 56); }
static inline uint32_t ring_ud_gen(uint64_t ud) { return (uint32_t)(ud >> 32) & RING_GEN_MASK; }
static inline uint32_t ring_ud_slot(uint64_t ud) { return (uint32_t)ud; }

struct ring {
	struct io_uring uring;
	unsigned setup_flags;          /* what the kernel accepted */
	unsigned features;             /* IORING_FEAT_* the kernel reported */
	unsigned long submitted, completed;
	uint64_t cq_overflow;          /* the kernel's counter, past its 32 bits */
	uint32_t cq_overflow_seen;     /* the kernel's counter at the last look */
	unsigned long losses;          /* times the kernel said it lost completions */
	/* completions taken off the CQ while the SQ waited for room, kept
	 * in order for ring_next(): [backlog_head, backlog_len) */
	struct io_uring_cqe *backlog;
	unsigned backlog_head, backlog_len, backlog_cap;
};

/* Set up the ring with sq_entries SQEs and a CQ four times larger, asking
 * for SINGLE_ISSUER | DEFER_TASKRUN and falling back to COOP_TASKRUN, then
 * to no flags.  io_workers caps io-wq's worker threads.  restricted: the
 * ring is created disabled and enabled restricted to the operations the
 * daemon uses (confine_ring()).  Returns 0 or -errno. */
int ring_init(struct ring *r, unsigned sq_entries, unsigned io_workers, bool restricted);
void ring_exit(struct ring *r);
/* An SQE, submitting the queued ones first when the SQ is full.  Never
 * NULL.  A kernel that refuses the submission until completions are
 * reaped (-EBUSY, -EAGAIN) gets them reaped: they wait in the backlog. */
struct io_uring_sqe *ring_sqe(struct ring *r);
/* Make room for n SQEs that must go in one submission (a link). */
void ring_reserve(struct ring *r, unsigned n);
/* Submit everything queued now (an SQE that must reach the kernel before
 * the caller goes on, e.g. a cancel that looks its fd up). */
void ring_flush(struct ring *r);
/* Submit what is queued and wait for a completion (not when the backlog
 * holds some).  Completions the kernel lost (-EBADR) are logged and the
 * loop goes on.  0, or -errno when the ring is unusable. */
int ring_wait(struct ring *r);
/* Completions ready now, backlog included. */
unsigned ring_ready(const struct ring *r);
/* The next completion, copied to *cqe and consumed: the backlog's first,
 * then the CQ's.  false when there is none. */
bool ring_next(struct ring *r, struct io_uring_cqe *cqe);
/* A completion for a request done off the ring (a fallback where the
 * kernel lacks the operation): handed out by ring_next() as the kernel's
 * are, on the next loop turn at the latest.  0, or -1 without memory. */
int ring_post(struct ring *r, uint64_t user_data, int res);
/* Completions the kernel lost (CQ overflow), counted in 64 bits. */
uint64_t ring_cq_overflow(struct ring *r);

#endif
