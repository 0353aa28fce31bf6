/*
 * xfer.c: which engine sends a body, chosen before its header goes out.
 *
 * A 200 header promises Content-Length bytes.  An engine that found out
 * only after the header that it cannot move them (no fd left for a
 * pipe) could do nothing but close, and the client would see a cut
 * body counted as a success.  So the listener's engine takes what it
 * needs first, and when it cannot, the body goes by an engine that
 * needs nothing that can run out (see xfer.h): sendfile when the page
 * cache holds the body (it then never waits for the disk), copy when it
 * does not (its reads wait in io_uring, not on the daemon's thread) and
 * one of its buffers is free, sendfile again when none is.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "log.h"
#include "server.h"

/* A body of at least this much is a stream: more than a socket buffer
 * takes at once (tcp_wmem's default maximum is 4 MiB). */
#define XFER_STREAM_MIN (4u << 20)

/*
 * send_lowat (listen_tune() in listen.c) pays for bodies a socket buffer
 * could take whole: queued at once, most of such a body would leave from
 * the peer's CPU.  A stream keeps the socket buffer full for its whole
 * life anyway, and there the bound only costs more wake-ups and shorter
 * calls (measured: 256 MiB bodies went no faster and cost no less with
 * it), so a stream's connection goes without it until a shorter body
 * comes.  One setsockopt() per change, none for a run of short bodies.
 */
static void
stream_lowat(struct conn *c)
{
	/* The copy and mmap engines' send loop (xfer_mem.c), measured with
	 * neither, goes without it too: on the kernel paths of
	 * RINGPUSHD_TEST_FALLBACKS it stalled a body behind the bound. */
	bool stream = c->stream ||
	    c->engine == &xfer_copy_ops || c->engine == &xfer_mmap_ops;
	int lowat = stream ? 0 : (int)c->lst->conf->send_lowat;

	if (c->lst->conf->send_lowat == 0 || stream == c->lowat_lifted)
		return;
	/* 0: the kernel's own (net.ipv4.tcp_notsent_lowat) */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat)) == 0)
		c->lowat_lifted = stream;
}

void
xfer_prepare(struct server *s, struct conn *c)
{
	const struct xfer_engine_ops *e = c->lst->engine;

	if (c->engine != NULL)
		return;         /* a body already has its engine */
	c->engine = e->prepare != NULL ? e->prepare(s, c) : e;
	c->stalls = c->shut_waits = 0;
	c->shut_sent = c->bytes_sent;
	c->stream = c->file_end - c->file_off >= XFER_STREAM_MIN;
	stream_lowat(c);
}

void
xfer_release(struct server *s, struct conn *c)
{
	if (c->engine == NULL)
		return;
	c->engine->release(s, c);
	c->engine = NULL;
}

const struct xfer_engine_ops *
xfer_fallback(struct server *s, struct conn *c, int why, bool cached)
{
	s->m.engine_fallbacks_total[why]++;
	if (cached)
		return &xfer_sendfile_ops;
	/* copy's buffer is taken now too: a body that waited for one after
	 * its header could outlast send_timeout and be cut.  With none free,
	 * sendfile still finishes, though its reads of a cold body wait on
	 * the daemon's thread. */
	if (c->copy_buf == NULL)
		c->copy_buf = bufpool_get(&s->copy_bufs);
	return c->copy_buf != NULL ? &xfer_copy_ops : &xfer_sendfile_ops;
}
