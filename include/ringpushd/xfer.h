/*
 * xfer.h: the interface every transfer engine implements.
 *
 * After the response header is on the wire, the connection hands the body
 * ([c->file_off, c->file_end) of c->file_fd) to its listener's engine.  The
 * engine queues SQEs, receives its completions through complete(), and ends
 * with conn_body_done() when the last byte is sent, or conn_close() on any
 * failure — including a file that shrank, so the client sees a short body
 * and never wrong bytes.  release() returns what the engine holds when the
 * connection goes away (called once no operation is in flight).
 * Engines ask conn_rate_grant() before each chunk; when it grants nothing
 * the engine stops, and resume() is called on a later tick.
 */
#ifndef RINGPUSH_XFER_H
#define RINGPUSH_XFER_H

#include "conf.h"
#include "ring.h"

struct server;
struct conn;

struct xfer_engine_ops {
	const char *name;
	int metric;             /* enum metrics_engine: its bytes_sent_total */
	void (*start)(struct server *s, struct conn *c);
	void (*complete)(struct server *s, struct conn *c, enum ring_op op, int res);
	void (*release)(struct server *s, struct conn *c);
	void (*resume)(struct server *s, struct conn *c);
};

extern const struct xfer_engine_ops xfer_splice_ops;
extern const struct xfer_engine_ops xfer_sendfile_ops;
extern const struct xfer_engine_ops xfer_auto_ops;

#endif
