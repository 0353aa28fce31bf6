/*
 * xfer_auto.c: the auto engine — sendfile when the page cache holds the
 * whole body, splice otherwise.
 *
 * The sendfile engine costs the least CPU, but a read that misses the page
 * cache blocks the daemon's one thread.  The splice engine never blocks
 * the thread, but every chunk passes through an io-wq worker, two context
 * switches that show most on single transfers of a few hundred KiB.
 * Before each body's header goes out, auto asks the kernel whether every
 * page of the range is in memory (cachestat(2), Linux 6.5): if so the
 * transfer goes by sendfile, if not by splice, with its pipe taken then
 * (or by copy when none can be had: see xfer.h).  A page evicted after
 * the check makes a sendfile wait for the disk, as engine = sendfile
 * always may.  A check that finds the whole file cached is trusted for
 * the life of its open-file cache entry (open_file_cache_valid at most),
 * as the entry's fstat is: the next bodies of the file go by sendfile
 * with no check (at 64 KiB x 256 the check was 5% of the CPU a request).
 *
 * Where cachestat cannot see the pages (overlayfs, as in most containers,
 * or a kernel without it) the answer comes from mincore(2) on a mapping
 * of the range instead (residency.c).  That costs a page cache lookup per
 * page.  Measured here (median per body, cached files; cachestat on ext4
 * in brackets): 1 MiB 13 us (2 us), 8 MiB 54 us (7 us), 64 MiB 0.65-1.9
 * ms (44 us), against ~170 us of CPU per MiB to send: 4-8 per cent of
 * the sending CPU at 1-8 MiB, 6-17 per cent at 64 MiB on a busy machine.
 */
#include "residency.h"
#include "server.h"

/* A body all in the page cache goes by sendfile, which needs nothing
 * more; another takes a pipe now, before its header (see xfer.h). */
static const struct xfer_engine_ops *
auto_prepare(struct server *s, struct conn *c)
{
	struct fdcache_entry *e = c->file_entry;
	uint64_t len = c->file_end - c->file_off;

	if (e != NULL && e->resident)
		return &xfer_sendfile_ops;
	if (residency_range_cached(c->file_fd, c->file_off, len)) {
		if (e != NULL && c->file_off == 0 && len == (uint64_t)e->st.st_size)
			e->resident = true;
		return &xfer_sendfile_ops;
	}
	return xfer_splice_prepare(s, c, true);
}

/* Every body goes by the engine auto_prepare() chose: auto itself never
 * runs one. */
const struct xfer_engine_ops xfer_auto_ops = {
	.name = "auto",
	.metric = METRICS_ENGINE_SPLICE,        /* headers: see ringpushd(8) */
	.prepare = auto_prepare,
};
