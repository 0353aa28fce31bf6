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
#include <stddef.h>
#include <sys/socket.h>
#include "log.h"
#include "server.h"

/* A body of at least this much is a stream: more than a socket buffer
 * takes at once (tcp_wmem's default maximum is 4 MiB). */
#define XFER_STREAM_MIN (4u << 20)

/* A body this long or longer, on a connection that has left slow start,
 * goes without send_lowat (conn_paced()). */
#define XFER_PACED_MIN (256u << 10)
/* A connection still in slow start is asked again after this long. */
#define PACED_CHECK_MS 100
/* TCP_INFO's snd_ssthresh before slow start has ended */
#define SSTHRESH_INFINITE 0x7fffffffu

/*
 * Whether the connection's congestion control has left slow start
 * (TCP_INFO's snd_ssthresh is set).  BBR sets it when it leaves its
 * startup phase; from then on the kernel's timers pace the connection,
 * far below its startup rate, and a body held to send_lowat goes out
 * through the daemon's sendfile calls one paced segment at a time.
 * Measured on loopback, 1 MiB bodies at depth 1 with BBR past startup:
 * 465-587 us of the daemon's CPU each with the bound (client and daemon
 * together 618-770), 204-249 without it (300-359, one run in four at
 * 434), lighttpd 219-248 (317-354); in slow start, 87-90 (157-161).
 * CUBIC sets it after a loss, and does not pace: 1 MiB bodies cost the
 * same with the bound or without (89-93 us at depth 1, 79-83 at 16).
 * A connection does not go back to slow start, so a yes is kept; a no
 * is asked again at most every PACED_CHECK_MS.
 */
static bool
conn_paced(struct server *s, struct conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (c->paced || s->now_ms - c->paced_checked_ms < PACED_CHECK_MS)
		return c->paced;
	c->paced_checked_ms = s->now_ms;
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_snd_ssthresh) + sizeof(ti.tcpi_snd_ssthresh) &&
	    ti.tcpi_snd_ssthresh < SSTHRESH_INFINITE)
		c->paced = true;
	return c->paced;
}

/*
 * send_lowat (listen_tune() in listen.c) pays for bodies a socket buffer
 * could take whole, on a connection in slow start: queued at once, most
 * of such a body would leave from the peer's CPU.  A stream keeps the
 * socket buffer full for its whole life anyway, and there the bound only
 * costs more wake-ups and shorter calls (measured: 256 MiB bodies went no
 * faster and cost no less with it), so a stream's connection goes without
 * it until a shorter body comes; so does a body of XFER_PACED_MIN or more
 * on a connection past slow start (conn_paced()).  One setsockopt() per
 * change, none for a run of short bodies.
 */
static void
body_lowat(struct server *s, struct conn *c)
{
	/* The copy and mmap engines' send loop (xfer_mem.c), measured with
	 * neither, goes without it too: on the kernel paths of
	 * RINGPUSHD_TEST_FALLBACKS it stalled a body behind the bound. */
	bool lift = c->stream ||
	    c->engine == &xfer_copy_ops || c->engine == &xfer_mmap_ops;
	int lowat;

	if (c->lst->conf->send_lowat == 0)
		return;
	if (!lift && c->file_end - c->file_off >= XFER_PACED_MIN && conn_paced(s, c)) {
		lift = true;
		s->m.paced_bodies_total++;
	}
	if (lift == c->lowat_lifted)
		return;
	/* 0: the kernel's own (net.ipv4.tcp_notsent_lowat) */
	lowat = lift ? 0 : (int)c->lst->conf->send_lowat;
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat)) == 0)
		c->lowat_lifted = lift;
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
	body_lowat(s, c);
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
