/*
 * xfer.h: the interface every transfer engine implements.
 *
 * Before the response header goes out, xfer_prepare() lets the listener's
 * engine take what the body ([c->file_off, c->file_end) of c->file_fd)
 * needs (a pipe for splice, the mapping for mmap): a response is never
 * started that cannot be finished.  When that cannot be had (no fd for a
 * pipe, a failed mmap(2)), or a pipe came
 * out smaller than pipe_size and a better path exists, the body goes by
 * an engine that needs nothing more that can run out: sendfile when the
 * page cache holds it, copy (READ + SEND through a pool buffer, taken
 * then) when it does not, sendfile again when no buffer is free.  Such
 * fallbacks are counted in ringpushd_engine_fallbacks_total.  The engine
 * chosen is c->engine.
 *
 * After the header is on the wire, the connection hands the body to
 * c->engine.  The engine queues SQEs, receives its completions through
 * complete(), and ends with conn_body_done() when the last byte is sent,
 * or conn_close() on any failure — including a file that shrank, so the
 * client sees a short body and never wrong bytes.  release() returns what
 * the engine holds when the body is done or the connection goes away
 * (called once no operation is in flight).
 * Engines ask conn_rate_grant() before each chunk; when it grants nothing
 * the engine stops, and resume() is called on a later tick.
 */
#ifndef RINGPUSH_XFER_H
#define RINGPUSH_XFER_H

#include <limits.h>
#include <stdbool.h>
#include "conf.h"
#include "ring.h"

struct server;
struct conn;

/* Engine copy: bytes read and sent per chunk, and buffers in its pool
 * (at most max_connections).  128 KiB stays in the CPU's cache between
 * the read and the send. */
#define XFER_COPY_CHUNK (128u << 10)
#define XFER_COPY_BUFS 1024u
/* Engine mmap: bytes sent per chunk (the socket takes less when full),
 * and the smallest send that send_zc = auto makes zero-copy: below it,
 * pinning pages and the second completion cost more than the copy. */
#define XFER_MMAP_CHUNK (1u << 20)
#define XFER_SEND_ZC_MIN (64u << 10)

/* An engine's record of a step that has not completed (or not run). */
#define XFER_NO_RESULT INT_MIN

struct xfer_engine_ops {
	const char *name;
	int metric;             /* enum metrics_engine: its bytes_sent_total */
	/* Take what the body needs and return the engine that sends it:
	 * this one, or another.  NULL: the engine needs nothing that can
	 * run out.  An engine whose prepare always hands the body to another
	 * (auto) has no other operation. */
	const struct xfer_engine_ops *(*prepare)(struct server *s, struct conn *c);
	void (*start)(struct server *s, struct conn *c);
	void (*complete)(struct server *s, struct conn *c, enum ring_op op, int res);
	void (*release)(struct server *s, struct conn *c);
	void (*resume)(struct server *s, struct conn *c);
};

extern const struct xfer_engine_ops xfer_splice_ops;
extern const struct xfer_engine_ops xfer_sendfile_ops;
extern const struct xfer_engine_ops xfer_auto_ops;
extern const struct xfer_engine_ops xfer_copy_ops;
extern const struct xfer_engine_ops xfer_mmap_ops;

/* xfer_copy.c: how many copy buffers the pool holds for max_conns
 * connections (one each, XFER_COPY_BUFS at most). */
unsigned xfer_copy_bufs(unsigned max_conns);

/* xfer.c: choose c->engine for the body and let it take what it needs;
 * called before the header of a response with a body goes out. */
void xfer_prepare(struct server *s, struct conn *c);
/* Give back what c->engine holds (nothing in flight) and forget it. */
void xfer_release(struct server *s, struct conn *c);
/* The engine for a body whose own engine cannot have what it needs
 * (why: enum metrics_fallback), counted: sendfile when the page cache
 * holds the body (cached), else copy with a buffer taken now, else
 * (every buffer lent) sendfile. */
const struct xfer_engine_ops *xfer_fallback(struct server *s, struct conn *c, int why,
    bool cached);

/* xfer_splice.c: take a pipe for c's body, or fall back (see above); a
 * pipe that holds less than pipe_size is used only for a body that is
 * not all in the page cache (cold: known not to be). */
const struct xfer_engine_ops *xfer_splice_prepare(struct server *s, struct conn *c, bool cold);

/*
 * xfer_mem.c: the send loop of the engines whose body bytes lie in memory
 * (copy: a pool buffer the file was read into; mmap: the file's mapping).
 * The engine sets the window c->mem, c->mem_len (granted by the rate
 * limits already), c->mem_sent = 0, and queues xfer_mem_send(); every
 * OP_BODY_SEND completion goes to xfer_mem_sent(); once nothing is in
 * flight, xfer_mem_window_out() sends what is left of the window (or
 * waits for POLLOUT) and returns false, closes the connection on an
 * error and returns false, or returns true: the window is out and the
 * engine queues its next one.
 */
void xfer_mem_send(struct server *s, struct conn *c, bool zero_copy);
void xfer_mem_sent(struct server *s, struct conn *c, int res, int metric);
bool xfer_mem_window_out(struct server *s, struct conn *c);

/* xfer_mmap.c: the notification CQE of a zero-copy send
 * (IORING_CQE_F_NOTIF; probe.c tells whether the kernel has
 * IORING_OP_SEND_ZC at all): counted,
 * and a connection whose bytes the kernel copied sends plainly from then
 * on under send_zc = auto.  Nothing waits for a notification (see
 * xfer_mmap.c), so it is not counted in c->inflight. */
void xfer_mmap_notified(struct server *s, uint64_t user_data, int res);

#endif
