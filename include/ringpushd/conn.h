/*
 * conn.h: one client connection and its state machine.  conn.c runs the
 * states; respond.c (respond.h) chooses each response, send.c sends it.
 *
 *   READ_REQUEST -> OPEN (openat2 on the ring; again for a directory's
 *     index) -> (conditionals, ranges) -> SEND_HEADER
 *     -> SEND_BODY (the engine chosen before the header, chunk by chunk)
 *     -> READ_REQUEST (keep-alive, pipelined bytes first) | LINGER
 *   multipart/byteranges (respond_ranges.c): SEND_HEADER (header, first
 *     part's header) -> SEND_BODY (its bytes) -> SEND_HEADER (next part's
 *     header) -> SEND_BODY ... -> SEND_HEADER (the close) -> as above
 *   LINGER: write side shut down, request bytes read and dropped until the
 *     client closes or header_timeout passes (closing with unread bytes
 *     would send a reset that can destroy the response in flight)
 *   any state --bad request--> SEND_HEADER with an error response -> CLOSING
 *   any state --I/O error, timeout, stop--> CLOSING -> FREE once no
 *   operation of it is in flight
 *
 * Connections live in a slab sized by max_connections, reserved and touched
 * one slot at a time as connections first need them; nothing is
 * allocated per request.  Every transition happens in a completion handler.
 */
#ifndef RINGPUSH_CONN_H
#define RINGPUSH_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "fdcache.h"
#include "http.h"
#include "idle.h"
#include "iplimit.h"
#include "pipepool.h"
#include "rate.h"
#include "reqbuf.h"
#include "timer.h"
#include "upload.h"

struct server;
struct listener;
struct xfer_engine_ops;
struct root;

enum conn_state {
	CONN_FREE,
	CONN_READ_REQUEST,
	CONN_OPEN,         /* IORING_OP_OPENAT2 of the path (or its index) */
	CONN_SEND_HEADER,
	CONN_SEND_BODY,
	CONN_LINGER,       /* response sent, write side shut, reading to EOF */
	CONN_CLOSING,
	CONN_RECV_BODY,    /* an upload's body arrives (upload.c) */
};

/* Offsets into the request buffer, kept for the access log line. */
struct conn_field {
	uint32_t off, len;
};

#define CONN_HEADER_MAX 1024
/* Bodies up to this size go out with READ + one SEND from a pool buffer. */
#define CONN_SMALL_BODY_MAX (16 * 1024)
#define CONN_SMALL_BUFS 256
/* a decoded request path plus "/" and the index name */
#define CONN_PATH_MAX (4096 + 256 + 2)
/* Slots beyond max_connections: at the limit, with no idle connection to
 * close, a newcomer still gets one, but only for the status and health
 * paths (anything else is answered 503), so that monitoring sees the
 * daemon at its limit. */
#define CONN_RESERVE 16
/* Idle connections closed at once when an accept finds no descriptor. */
#define CONN_RECLAIM_BATCH 16
/* Descriptors held in reserve and let go at the fd limit when no idle
 * connection can make room: connections accepted with them get a
 * reserve slot's treatment (the status paths only). */
#define CONN_SPARE_FDS 4

struct conn {
	enum conn_state state;
	uint32_t slot, gen;
	unsigned inflight;              /* operations submitted, not completed */
	int fd;
	struct listener *lst;
	struct sockaddr_storage peer;
	struct timer_node timer;
	struct iplimit_entry *ip;
	struct rate_bucket rate;
	/* a rate-limited body waits for tokens on its own list, so the send
	 * deadline in timer keeps measuring the time since the last byte */
	struct timer_node throttle;
	uint64_t peer_checked_ms;       /* last look for a vanished client */
	bool rate_probe;                /* FIN seen: send one byte to see */
	struct conn *next_free;
	/* kept alive, waiting for the next request with none of it
	 * received: on the server's idle list, the first to close at a
	 * limit (idle.h) */
	struct idle_node idle;
	bool reserve;                   /* took a slot beyond max_connections */
	bool reclaimed;                 /* closed to make room, not yet freed */

	/* rbuf, path and hbuf lie in one request buffer (reqbuf.h), lent
	 * while a request is under way and handed back when the connection
	 * waits for the next one with nothing received: all three are NULL
	 * then.  hbuf is the buffer's start.
	 *
	 * request bytes: [0, rlen) received, [0, req_len) the current request
	 * (with the part of a GET's body that has arrived); discard: body
	 * bytes of the request answered that are still to come and to be
	 * dropped before the next request */
	char *rbuf;
	uint32_t rlen, req_len;
	uint32_t discard;
	struct http_progress parse;     /* how far [0, rlen) has been looked at */
	/* the decoded path being opened (NUL-terminated, CONN_PATH_MAX bytes),
	 * and what the response still needs from the request */
	char *path;
	uint32_t path_len;
	uint32_t req_path_len;          /* path[0..req_path_len): as requested */
	bool head, opening_index;
	struct root *open_root;         /* the root an open in flight resolves
					   below, held until it completes */
	struct conn_field range, if_range, if_none_match, if_modified_since,
		if_match, if_unmodified_since;
	struct conn_field accept_encoding;

	/* response header (or whole error response) */
	char *hbuf;                     /* CONN_HEADER_MAX bytes */
	uint32_t hlen;
	/* what SEND puts on the wire: hbuf, or a small response's header
	 * and body: in a pool buffer (small_buf), or in front of the body
	 * the open-file cache keeps (out_body, held until the response
	 * ends) */
	char *out;
	uint32_t out_len, out_sent;
	char *small_buf;
	struct fdcache_body *out_body;
	bool keep_body;                 /* small_buf's body is the whole file,
					   for the open-file cache to keep */
	char *multipart;                /* a multipart/byteranges answer's state
					   (respond_ranges.c), a pool buffer */
	bool close_after;               /* no keep-alive after this response */
	bool lowat_lifted;              /* send_lowat off for a long body (xfer.c) */
	bool paced;                     /* left slow start: bodies of XFER_PACED_MIN or
					   more go without send_lowat (xfer.c) */
	uint64_t paced_checked_ms;      /* when that was last asked of the kernel */
	bool stream;                    /* the body is a stream (xfer.c): XFER_STREAM_MIN or more */
	uint8_t stalls;                 /* sendfile: writable wake-ups in a row that moved nothing */
	uint8_t shut_waits;             /* waits in a row for a full socket whose peer shut
					   its side (conn_poll_out_done() in send.c) */
	uint64_t shut_sent;             /* bytes_sent when those waits began */
	/* the response's SEND, which posts no completion when it sends every
	 * byte, has the receive of the next request linked behind it: the
	 * receive's completion says the response is out (send.c) */
	bool recv_linked;
	uint8_t linked_at;              /* its entry in send.c's table */

	/* body: the engine moves [file_off, file_end) of file_fd, which
	 * belongs to file_entry when the open-file cache holds it */
	int file_fd;
	struct fdcache_entry *file_entry;
	uint64_t file_off, file_end;
	/* the engine that sends this body (xfer_prepare), NULL between
	 * bodies */
	const struct xfer_engine_ops *engine;
	struct pipe_pair pipe;
	uint32_t bytes_in_pipe;
	uint32_t splice_granted;        /* tokens of the chunk in flight */
	int splice_in_res, splice_out_res;
	/* engines copy and mmap (xfer_mem.c): the window of body bytes a
	 * SEND moves, [mem, mem + mem_len), mem_sent of them sent */
	const char *mem;
	uint32_t mem_len, mem_sent;
	bool mem_zc;                    /* sent with IORING_OP_SEND_ZC */
	int mem_send_res, copy_read_res; /* results of the step in flight */
	char *copy_buf;                 /* engine copy: a pool buffer */
	const char *map;                /* engine mmap: the file's mapping */
	uint64_t map_len;
	bool map_owned;                 /* made for this body, not the cache's */
	bool zc_copied;                 /* the kernel copied a zero-copy send */

	/* for the access log */
	uint64_t start_us;
	uint64_t bytes_sent;            /* header + body bytes on the wire */
	int status;
	struct conn_field method, target, referer, user_agent;
	uint8_t version_minor;
	uint8_t version_major;          /* 1, or the version a 505 refused */

	struct upload upload;           /* PUT and DELETE (upload.c) */
	uint64_t bytes_received;        /* request body bytes, for the log */
};

/* Reserve the slab and the request buffers for max connections, each
 * buffer with rbuf_size bytes for a request; kept buffers stay warm when
 * free. */
int conn_slab_init(struct server *s, unsigned max, unsigned rbuf_size, unsigned kept);
void conn_slab_free(struct server *s);

/* A socket the listener accepted.  Takes ownership of fd. */
void conn_accepted(struct server *s, struct listener *l, int fd);
/* Dispatch one completion that names a connection slot. */
void conn_complete(struct server *s, uint64_t user_data, int res, unsigned cqe_flags);
/* End a connection now: cancels what is in flight, frees the slot when
 * the last completion arrives. */
void conn_close(struct server *s, struct conn *c, const char *why);
/* Bytes of body the rate limits allow now, at most want, already spent
 * from the buckets.  0 means wait: the connection is woken on a later
 * tick through its engine's resume().  Waiting is not progress: the send
 * deadline keeps running. */
uint32_t conn_rate_grant(struct server *s, struct conn *c, uint32_t want);
/* Queue a POLLOUT wait for c's socket (completes as OP_POLL_OUT). */
void conn_wait_writable(struct server *s, struct conn *c);
/* Wait step's duration of 1, 2, 4 ... 256 ms (the last past the end) on
 * the ring; it completes as OP_POLL_OUT, res -ETIME. */
void conn_wait_backoff(struct server *s, struct conn *c, unsigned step);
/* An OP_POLL_OUT completed: true when c's engine is to hear of it, false
 * when a wait was armed instead (send.c). */
bool conn_poll_out_done(struct server *s, struct conn *c, int res);
/* Return n granted bytes that were not sent. */
void conn_rate_refund(struct server *s, struct conn *c, uint32_t n);
/* Start a response whose first bytes are out[0..len) (c->hbuf, or the
 * header and a small body in c->small_buf or c->out_body); the body,
 * if [file_off, file_end) is not empty, follows through the engine. */
void conn_send(struct server *s, struct conn *c, char *out, uint32_t len);
/* The next piece of a response in several (a multipart part's header):
 * like conn_send(), but the response's byte count goes on. */
void conn_send_more(struct server *s, struct conn *c, char *out, uint32_t len);
/* Like conn_send(), for an answer the rate limits do not count (the
 * [status] path): monitoring neither pays for nor slows the transfers. */
void conn_send_unrated(struct server *s, struct conn *c, char *out, uint32_t len);
/* The response's file is done with: back to the open-file cache, or
 * closed. */
void conn_file_put(struct server *s, struct conn *c);
/* Where a span of c->rbuf lies, kept across the request's life. */
struct conn_field conn_field_of(const struct conn *c, struct http_span sp);

/* Called by the engine when the body is complete, and by send.c when a
 * response without a body is out. */
void conn_body_done(struct server *s, struct conn *c);
/* Expire deadlines and take back the buffers of linked responses whose
 * client is quiet; called on every tick. */
void conn_expire(struct server *s, uint64_t now_ms);
/* Close every connection (stop). */
void conn_close_all(struct server *s);
/* Close the connections that wait for a request (graceful stop); those
 * in LINGER go on reading to the client's end. */
void conn_close_idle(struct server *s);
/* Close up to n connections of the idle list, oldest first, to make room;
 * returns how many.  Their slots and descriptors are free once their
 * last completion arrives. */
unsigned conn_reclaim_idle(struct server *s, unsigned n);
/* An accept on listen_fd (listener name) failed with err.  At EMFILE or
 * ENFILE with a connection waiting, the oldest idle connections are
 * closed to make room, or with none the spare descriptors let go;
 * accepting starts again when a connection's descriptor is freed, or on
 * the next tick.  One warning per REFUSE_LOG_INTERVAL_MS, whatever the
 * number of failures. */
void conn_accept_failed(struct server *s, const char *name, int listen_fd, int err);
/* Take the spare descriptors (CONN_SPARE_FDS) back after the fd limit,
 * once there is room for them and one connection more; at start and on
 * the tick. */
void conn_spares_take(struct server *s);
void conn_spares_release(struct server *s);
/* Whether a connection accepted now is over a limit (a reserve slot, or
 * a spare descriptor let go). */
bool conn_at_limit(const struct server *s);
/* A request on a connection in a reserve slot: the status and health
 * paths are served (false); while the daemon is still at its limit
 * anything else is answered 503 and the connection closes (true). */
struct http_request;
bool conn_refuse_from_reserve(struct server *s, struct conn *c, const struct http_request *req);
/* Take back the pool buffer of a linked response (its SEND carries the
 * next receive): cancel the receive once every byte is out. */
void conn_linked_reclaim(struct server *s, struct conn *c);

/* Between conn.c (receiving, closing) and send.c (sending). */
/* Give the request buffer back to the pool. */
void conn_buf_put(struct server *s, struct conn *c);
/* The response's SEND completed with res (OP_SEND). */
void conn_send_complete(struct server *s, struct conn *c, int res);
/* n bytes of the response's SEND went out. */
void conn_count_sent(struct server *s, struct conn *c, uint32_t n);
/* The linked SEND and receive ended, one way or the other. */
void conn_linked_end(struct conn *c);
/* On each tick: take back the linked responses already there at the last. */
void conn_linked_age(struct server *s);

#endif
