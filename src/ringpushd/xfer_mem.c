/*
 * xfer_mem.c: the send loop the copy and mmap engines share (see xfer.h).
 *
 * Both engines end up with body bytes at an address: copy read them into
 * a pool buffer, mmap finds them in the file's mapping.  A window of them
 * goes out with IORING_OP_SEND (the kernel copies it into the socket) or,
 * for mmap, IORING_OP_SEND_ZC (the kernel pins the pages and sends them
 * from there).  A short send is normal: the rest of the window follows.
 * The window's bytes were granted by the rate limits when it was made,
 * so the rest needs no new grant.
 *
 * The daemon itself never reads a window's bytes; only the kernel does,
 * and a page it cannot find (a mapping past the end of a file that
 * shrank) makes the send fail with -EFAULT rather than raise SIGBUS.
 */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "server.h"

/* IORING_SEND_ZC_REPORT_USAGE: the notification says whether the kernel
 * copied after all (Linux 6.2; liburing 2.3's headers lack the name). */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif

void
xfer_mem_send(struct server *s, struct conn *c, bool zero_copy)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);
	const char *from = c->mem + c->mem_sent;
	uint32_t len = c->mem_len - c->mem_sent;
	int flags = MSG_NOSIGNAL;

	/* more of the body follows this window: fill the segments */
	if (c->file_off < c->file_end)
		flags |= MSG_MORE;
	c->mem_zc = zero_copy;
	if (zero_copy) {
		io_uring_prep_send_zc(sqe, c->fd, from, len, flags, 0);
		sqe->ioprio |= IORING_SEND_ZC_REPORT_USAGE;
		s->m.send_zc_total++;
	} else {
		io_uring_prep_send(sqe, c->fd, from, len, flags);
	}
	io_uring_sqe_set_data64(sqe, ring_ud(OP_BODY_SEND, c->slot, c->gen));
	c->inflight++;
	c->mem_send_res = XFER_NO_RESULT;
}

void
xfer_mem_sent(struct server *s, struct conn *c, int res, int metric)
{
	c->mem_send_res = res;
	if (res <= 0)
		return;
	c->mem_sent += (uint32_t)res;
	c->bytes_sent += (uint64_t)res;
	s->m.bytes_sent_total[metric] += (uint64_t)res;
	timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
}

bool
xfer_mem_window_out(struct server *s, struct conn *c)
{
	int res = c->mem_send_res;

	switch (res) {
	case -EFAULT:
		/* Pages of the mapping past the file's new end: the file
		 * shrank.  The client sees fewer bytes than Content-Length. */
		log_warn("file shrank under its mapping during a transfer (connection %u)",
		    c->slot);
		conn_close(s, c, "file shrank");
		return false;
	case -EAGAIN:
		/* the poll's completion brings the loop back here */
		conn_wait_writable(s, c);
		c->mem_send_res = XFER_NO_RESULT;
		return false;
	case XFER_NO_RESULT:    /* after a POLLOUT wait, or not sent yet */
	case -ECANCELED:        /* the read linked before it was short */
	case -EINTR:
		break;
	default:
		if (res < 0) {
			conn_close(s, c, strerror(-res));
			return false;
		}
		break;
	}
	if (c->mem_sent < c->mem_len) {
		xfer_mem_send(s, c, c->mem_zc);
		return false;
	}
	return true;
}
