/*
 * test_xfer.c: the engine a body falls back to when its own cannot have
 * what it needs: sendfile for a cached body, copy with a buffer taken at
 * once for a cold one, sendfile when every copy buffer is lent; each
 * fallback counted by its reason.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "server.h"

static struct server s;         /* large: not on the stack */

static void
pool_of(unsigned buffers)
{
	memset(&s, 0, sizeof(s));
	cr_assert_eq(bufpool_init(&s.copy_bufs, buffers, XFER_COPY_CHUNK), 0);
}

Test(xfer, cached_body_goes_by_sendfile)
{
	struct conn c = { .copy_buf = NULL };

	pool_of(1);
	cr_assert_eq(xfer_fallback(&s, &c, METRICS_FALLBACK_PIPE_SHRUNK, true), &xfer_sendfile_ops);
	cr_assert_null(c.copy_buf);
	cr_assert_eq(s.m.engine_fallbacks_total[METRICS_FALLBACK_PIPE_SHRUNK], 1);
	cr_assert_eq(s.m.engine_fallbacks_total[METRICS_FALLBACK_NO_PIPE], 0);
	bufpool_free(&s.copy_bufs);
}

/* A cold body takes copy's buffer before its header, so it never waits
 * for one after; the body after it, with none left, goes by sendfile. */
Test(xfer, cold_body_takes_a_copy_buffer_or_sendfile)
{
	struct conn a = { .copy_buf = NULL }, b = { .copy_buf = NULL };

	pool_of(1);
	cr_assert_eq(xfer_fallback(&s, &a, METRICS_FALLBACK_NO_PIPE, false), &xfer_copy_ops);
	cr_assert_not_null(a.copy_buf);
	cr_assert_eq(xfer_fallback(&s, &b, METRICS_FALLBACK_NO_PIPE, false), &xfer_sendfile_ops);
	cr_assert_null(b.copy_buf);
	cr_assert_eq(s.m.engine_fallbacks_total[METRICS_FALLBACK_NO_PIPE], 2);
	bufpool_put(&s.copy_bufs, a.copy_buf);
	bufpool_free(&s.copy_bufs);
}
