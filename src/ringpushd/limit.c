/*
 * limit.c: the daemon at its limits (see conn.h): idle keep-alive
 * connections closed, oldest first, to make room at max_connections or at
 * the file descriptor limit; the spare descriptors that keep the status
 * paths reachable when no idle connection is left; failed accepts, logged
 * once per REFUSE_LOG_INTERVAL_MS; and what a connection in a reserve slot
 * is answered.  The connection's own life stays in conn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "http.h"
#include "log.h"
#include "refuse.h"
#include "server.h"

unsigned
conn_reclaim_idle(struct server *s, unsigned n)
{
	struct idle_node *node;
	unsigned done = 0;

	while (done < n && (node = idle_oldest(&s->idle)) != NULL) {
		struct conn *c = (struct conn *)((char *)node - offsetof(struct conn, idle));

		idle_remove(&s->idle, node);
		/* counted until its slot is free: the newcomer it makes
		 * room for may take a slot of the reserve meanwhile */
		c->reclaimed = true;
		s->reclaiming++;
		s->m.connections_reclaimed_total++;
		/* a linked response may still be going out: it closes once
		 * its receive waits and is cancelled (on_linked_recv) */
		if (c->recv_linked)
			conn_linked_reclaim(s, c);
		else
			conn_close(s, c, "closed to make room");
		done++;
	}
	return done;
}

void
conn_accept_failed(struct server *s, const char *name, int listen_fd, int err)
{
	struct pollfd waiting = { .fd = listen_fd, .events = POLLIN };
	enum metrics_accept reason;
	unsigned closed = 0;
	uint64_t more;

	/* An accept armed with no descriptor free fails at once whether or
	 * not a connection waits (without multishot accept the kernel takes
	 * the descriptor first): only one that waits is worth making room
	 * for.  The next tick, or a freed slot, arms it again. */
	if ((err == EMFILE || err == ENFILE) && poll(&waiting, 1, 0) != 1) {
		s->accept_paused = true;
		return;
	}
	switch (err) {
	case EMFILE:
		reason = METRICS_ACCEPT_EMFILE;
		break;
	case ENFILE:
		reason = METRICS_ACCEPT_ENFILE;
		break;
	case ENOBUFS:
	case ENOMEM:
		reason = METRICS_ACCEPT_NOMEM;
		break;
	default:
		reason = METRICS_ACCEPT_OTHER;
		break;
	}
	s->m.accept_errors_total[reason]++;
	/* The kernel keeps the connection queued.  Closing idle ones frees
	 * descriptors; the accept is armed again when a slot is freed (its
	 * descriptor with it), or on the next tick: never in a loop.  With
	 * no idle one, the spare descriptors let the status paths in now,
	 * and any other request is answered 503 instead of waiting. */
	if (err == EMFILE || err == ENFILE) {
		closed = conn_reclaim_idle(s, CONN_RECLAIM_BATCH);
		if (closed == 0 && s->spare_fds[0] >= 0) {
			conn_spares_release(s);
			s->fd_short = true;
			listen_arm_all(s);
		} else {
			s->accept_paused = true;
		}
	} else {
		s->accept_paused = true;
	}
	if (!refuse_log_due(&s->accept_log, s->now_ms, &more))
		return;
	if (err == EMFILE || err == ENFILE)
		log_warn("listener %s: accept: %s (limit %llu): closed %u idle connection%s to "
		    "make room, %u open%s (%llu more failed accepts since the last warning)",
		    name, strerror(err), (unsigned long long)s->fd_limit, closed,
		    closed == 1 ? "" : "s", s->live_conns, s->fd_short ?
		    "; the status paths only until descriptors are free" : "",
		    (unsigned long long)more);
	else
		log_warn("listener %s: accept: %s (%llu more failed accepts since the "
		    "last warning)", name, strerror(err), (unsigned long long)more);
}

void
conn_spares_release(struct server *s)
{
	for (unsigned i = 0; i < CONN_SPARE_FDS; i++) {
		if (s->spare_fds[i] >= 0)
			close(s->spare_fds[i]);
		s->spare_fds[i] = -1;
	}
}

void
conn_spares_take(struct server *s)
{
	int room;

	for (unsigned i = 0; i < CONN_SPARE_FDS; i++) {
		if (s->spare_fds[i] >= 0)
			continue;
		s->spare_fds[i] = fcntl(s->signal_fd, F_DUPFD_CLOEXEC, 0);
		if (s->spare_fds[i] < 0)
			goto short_of_fds;
	}
	/* Room for one connection more, or the spares would take every
	 * descriptor freed and keep the backlog waiting for them. */
	room = fcntl(s->signal_fd, F_DUPFD_CLOEXEC, 0);
	if (room < 0)
		goto short_of_fds;
	close(room);
	if (s->fd_short)
		log_info("descriptors free again: spare descriptors taken back");
	s->fd_short = false;
	return;
short_of_fds:
	/* at start a limit too low for them: the daemon runs without */
	conn_spares_release(s);
}

/* Whether a connection accepted now gets a reserve slot's treatment:
 * over max_connections (in a slot of CONN_RESERVE), or on a spare
 * descriptor let go at the fd limit. */
bool
conn_at_limit(const struct server *s)
{
	return s->live_conns - s->reclaiming > s->conn_limit || s->fd_short;
}

/* A reserve slot serves the status and health paths; while the daemon is
 * still at its limit anything else is answered as a newcomer at the limit
 * is (refuse.h), and the connection closes.  Returns true when it was. */
bool
conn_refuse_from_reserve(struct server *s, struct conn *c, const struct http_request *req)
{
	const struct conf *conf = s->conf;
	int len;

	if (!conn_at_limit(s)) {
		c->reserve = false;     /* room came back meanwhile */
		return false;
	}
	if ((conf->status_path[0] != '\0' && strcmp(req->path, conf->status_path) == 0) ||
	    (conf->health_path[0] != '\0' && strcmp(req->path, conf->health_path) == 0))
		return false;
	if (s->fd_short) {
		s->m.connections_refused_total[METRICS_REFUSED_FD_LIMIT]++;
		refuse_warn(&s->refused_fd, s->now_ms, &c->peer, "the file descriptor limit",
		    (unsigned)s->fd_limit);
	} else {
		s->m.connections_refused_total[METRICS_REFUSED_MAX_CONNECTIONS]++;
		refuse_warn(&s->refused_max, s->now_ms, &c->peer, "max_connections",
		    s->conn_limit);
	}
	/* Answered and closed at once, as a newcomer refused without a slot
	 * is: a client that keeps its end open must not hold the slot or
	 * the spare descriptor the limit is short of. */
	if (c->inflight == 0) {
		len = refuse_format(c->hbuf, CONN_HEADER_MAX, s->now_sec);
		c->status = 503;
		c->bytes_sent = c->hlen = len > 0 ? (uint32_t)len : 0;
		refuse_connection(c->fd, s->now_sec);
		c->fd = -1;
		conn_close(s, c, "refused at a limit");
		return true;
	}
	len = refuse_format(c->hbuf, CONN_HEADER_MAX, s->now_sec);
	if (len < 0) {
		conn_close(s, c, "cannot format a refusal");
		return true;
	}
	c->close_after = true;
	c->hlen = (uint32_t)len;
	c->status = 503;
	c->file_off = c->file_end = 0;
	conn_send_unrated(s, c, c->hbuf, c->hlen);
	return true;
}
