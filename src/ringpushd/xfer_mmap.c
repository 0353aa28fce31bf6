/*
 * xfer_mmap.c: the mmap engine — the file mapped into the daemon's
 * address space, IORING_OP_SEND straight from the mapping: one copy, by
 * the kernel, from the page cache into the socket; or none with
 * IORING_OP_SEND_ZC, where the network card can send from the pages.
 *
 * The file is mapped once (MAP_SHARED, PROT_READ) per open-file-cache
 * entry by its first mmap transfer and unmapped when the entry goes, so
 * later transfers of a hot file find its page tables made.  A file the
 * cache does not hold, or one that grew past the entry's mapping, is
 * mapped for that body alone.
 *
 * A file truncated under its mapping.  The daemon never reads the
 * mapping itself: only the kernel does, while it copies (or pins) a
 * send's bytes, and a page past the file's end makes that send fail with
 * -EFAULT instead of raising SIGBUS, which only a read from user space
 * gets.  So no SIGBUS can come, and none is handled.  Before each chunk
 * the file's size is looked at again (fstat), and the chunk stops there:
 * the tail of the last page, which the mapping shows as zeros, is never
 * sent as if it were the file's.  A file shorter than the promised
 * length ends the connection, as with every engine, and the client sees
 * a short body.  A truncation between the look and the kernel's copy has
 * the same window as a page the splice or sendfile engines hold.
 *
 * A page not in memory is read while the kernel copies, on the daemon's
 * one thread: like sendfile, mmap suits trees that stay in memory, and
 * auto never picks it (make bench-engines: it costs more CPU per byte
 * than sendfile or splice).
 *
 * Zero-copy sends (send_zc).  The kernel completes a SEND_ZC twice: the
 * send, then a notification (IORING_CQE_F_NOTIF) when it no longer needs
 * the pages.  Nothing here waits for the notification: the mapping is
 * never written to, and pages the kernel pinned stay alive after an
 * munmap, so the next chunk, the next response or the connection's end
 * go on at once (a client that stops reading would otherwise hold its
 * slot until the kernel gives the pages up).  The notification only
 * says, with IORING_SEND_ZC_REPORT_USAGE, whether the kernel copied after
 * all (it always does on loopback): that is counted, and under
 * send_zc = auto such a connection sends plainly from then on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "log.h"
#include "residency.h"
#include "server.h"

/* In a notification's res: the kernel copied the bytes (Linux 6.2;
 * liburing 2.3's headers lack the name). */
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

void
xfer_mmap_notified(struct server *s, uint64_t user_data, int res)
{
	uint32_t slot = ring_ud_slot(user_data);
	struct conn *c;

	if (((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED) == 0)
		return;
	s->m.send_zc_copied_total++;
	if (slot >= s->conns_used)
		return;
	c = &s->conns[slot];
	if (c->gen == ring_ud_gen(user_data) && c->state != CONN_FREE)
		c->zc_copied = true;
}

static bool
zero_copy(const struct server *s, const struct conn *c, uint32_t len)
{
	switch (c->lst->conf->send_zc) {
	case SEND_ZC_OFF:
		return false;
	case SEND_ZC_ON:
		return s->send_zc_supported;
	case SEND_ZC_AUTO:
	default:
		return s->send_zc_supported && len >= XFER_SEND_ZC_MIN && !c->zc_copied;
	}
}

static void
mmap_unmap(struct conn *c)
{
	if (c->map_owned)
		munmap((void *)c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
	c->map_owned = false;
}

/* Point c->map at a mapping that covers the body: 0, or -1 after
 * logging why not (the body then goes by another engine, see
 * mmap_prepare()), or 1 when the file is already shorter than the body
 * (no mapping: mmap_start() closes the connection). */
static int
mmap_map(struct conn *c)
{
	struct fdcache_entry *e = c->file_entry;
	struct stat st;
	void *p;

	mmap_unmap(c);
	if (e != NULL && e->map != NULL && e->map_len >= c->file_end) {
		c->map = e->map;
		c->map_len = e->map_len;
		return 0;
	}
	if (fstat(c->file_fd, &st) == -1) {
		log_err("mmap: fstat on connection %u", c->slot);
		return -1;
	}
	if ((uint64_t)st.st_size < c->file_end)
		return 1;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, c->file_fd, 0);
#ifdef RINGPUSHD_TEST_HOOKS
	/* test builds: $RINGPUSHD_TEST_MMAP = enomem fails every mapping */
	if (p != MAP_FAILED && getenv("RINGPUSHD_TEST_MMAP") != NULL &&
	    strcmp(getenv("RINGPUSHD_TEST_MMAP"), "enomem") == 0) {
		munmap(p, (size_t)st.st_size);
		p = MAP_FAILED;
		errno = ENOMEM;
	}
#endif
	if (p == MAP_FAILED) {
		log_err("mmap of %s on connection %u", c->path, c->slot);
		return -1;
	}
	c->map = p;
	c->map_len = (uint64_t)st.st_size;
	if (e != NULL && e->map == NULL) {
		e->map = p;
		e->map_len = c->map_len;
	} else {
		c->map_owned = true;
	}
	return 0;
}

/* The mapping is made before the header goes out: when mmap(2) fails
 * (no address space left, vm.max_map_count) the body goes by another
 * engine instead of being cut after its header. */
static const struct xfer_engine_ops *
mmap_prepare(struct server *s, struct conn *c)
{
	if (mmap_map(c) >= 0)
		return &xfer_mmap_ops;
	return xfer_fallback(s, c, METRICS_FALLBACK_NO_MAPPING,
	    residency_range_cached(c->file_fd, c->file_off, c->file_end - c->file_off));
}

static void
mmap_chunk(struct server *s, struct conn *c)
{
	uint64_t end = c->file_end;
	uint32_t want, grant;
	struct stat st;

	if (fstat(c->file_fd, &st) == -1) {
		log_err("mmap: fstat on connection %u", c->slot);
		conn_close(s, c, "fstat failed");
		return;
	}
	if ((uint64_t)st.st_size < end)
		end = (uint64_t)st.st_size;
	if (c->map_len < end)
		end = c->map_len;
	if (end <= c->file_off) {
		/* End of file before the promised length: the file shrank. */
		log_warn("mmap: file shrank during a transfer (connection %u)", c->slot);
		conn_close(s, c, "file shrank");
		return;
	}
	want = end - c->file_off < XFER_MMAP_CHUNK ? (uint32_t)(end - c->file_off) :
	    XFER_MMAP_CHUNK;
	grant = conn_rate_grant(s, c, want);
	if (grant == 0)
		return;         /* throttled: mmap_resume() on a later tick */
	c->mem = c->map + c->file_off;
	c->mem_len = grant;
	c->mem_sent = 0;
	c->file_off += grant;
	xfer_mem_send(s, c, zero_copy(s, c, grant));
}

/* The mapping was made by mmap_prepare(). */
static void
mmap_start(struct server *s, struct conn *c)
{
	c->mem_len = c->mem_sent = 0;
	c->mem_send_res = XFER_NO_RESULT;
	if (c->map == NULL) {
		log_warn("mmap: file shrank before its transfer (connection %u)", c->slot);
		conn_close(s, c, "file shrank");
		return;
	}
	mmap_chunk(s, c);
}

static void
mmap_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	if (op == OP_BODY_SEND) {
		xfer_mem_sent(s, c, res, METRICS_ENGINE_MMAP);
		if (res == -EINVAL && c->mem_zc) {
			/* a kernel with SEND_ZC but not REPORT_USAGE (6.0,
			 * 6.1): plain sends from now on */
			log_warn("mmap: zero-copy send refused (%s); sending without it",
			    strerror(-res));
			s->send_zc_supported = false;
			c->mem_zc = false;
			c->mem_send_res = XFER_NO_RESULT;
		}
	}
	if (c->state != CONN_SEND_BODY || c->inflight > 0)
		return;
	if (!xfer_mem_window_out(s, c))
		return;
	if (c->file_off >= c->file_end)
		conn_body_done(s, c);
	else
		mmap_chunk(s, c);
}

static void
mmap_release(struct server *s, struct conn *c)
{
	(void)s;
	mmap_unmap(c);
}

static void
mmap_resume(struct server *s, struct conn *c)
{
	if (c->state == CONN_SEND_BODY && c->inflight == 0)
		mmap_chunk(s, c);
}

const struct xfer_engine_ops xfer_mmap_ops = {
	.name = "mmap",
	.metric = METRICS_ENGINE_MMAP,
	.prepare = mmap_prepare,
	.start = mmap_start,
	.complete = mmap_complete,
	.release = mmap_release,
	.resume = mmap_resume,
};
