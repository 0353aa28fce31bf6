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
#include "log.h"
#include "server.h"

void
xfer_prepare(struct server *s, struct conn *c)
{
	const struct xfer_engine_ops *e = c->lst->engine;

	if (c->engine != NULL)
		return;         /* a body already has its engine */
	c->engine = e->prepare != NULL ? e->prepare(s, c) : e;
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
