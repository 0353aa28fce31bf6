/*
 * listen.c: listening sockets, multishot accept, and listeners across a
 * reload.
 *
 * Each listener has one multishot accept on the ring; accepted sockets
 * arrive non-blocking, so a splice into a full socket returns -EAGAIN
 * instead of parking an io-wq worker.  The kernel ends a multishot accept
 * (no IORING_CQE_F_MORE) on errors and CQ overflow: it is re-armed then.
 *
 * A listener object carries its own copy of its settings and its root's
 * directory fd, and counts the connections it accepted.  A reload builds
 * new objects: one whose address an old listener already serves takes
 * over that socket (and its table slot and generation, which the
 * accept's user_data names), others bind new sockets.  The old objects
 * retire: they accept nothing more, and are freed when their last
 * connection ends, so a transfer in flight keeps the root, index and
 * engine it started with.
 *
 * A listener follows a deploy that swaps its tree (renames a new one
 * over the root path, or repoints a symbolic link on it): once per
 * open_file_cache_valid the tick looks at each root path, and when it
 * names another directory, that one becomes the root and the listener's
 * cached files are forgotten.  Transfers in flight keep the files they
 * opened; an open in flight keeps the old root's fd until it completes.
 * A path that names nothing usable (mid-swap) keeps the old root, and the
 * next window looks again.  Connections of a retired listener keep its
 * root: a reload has the new listeners open the path afresh.
 *
 * A retired listener's slot goes to the next new listener while the
 * cancelled accept's last completion may still be on its way: the
 * generation tells that completion from the new occupant's, so it can
 * neither mark the new accept ended (a second accept would be armed on
 * the same socket) nor hand a connection to the wrong listener.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "file.h"
#include "log.h"
#include "probe.h"
#include "server.h"

#define LISTEN_BACKLOG 4096

/* The engine a listener names in its configuration. */
static const struct xfer_engine_ops *
xfer_engine(enum xfer_engine e)
{
	switch (e) {
	case ENGINE_SENDFILE:
		return &xfer_sendfile_ops;
	case ENGINE_AUTO:
		return &xfer_auto_ops;
	case ENGINE_COPY:
		return &xfer_copy_ops;
	case ENGINE_MMAP:
		return &xfer_mmap_ops;
	case ENGINE_SPLICE:
	default:
		return &xfer_splice_ops;
	}
}

static void
addr_format(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(a->sin_port));
	}
}

/*
 * A listening socket bound to addr.  reuseport: one of a group of sockets
 * on the same address, one per worker process, among which the kernel
 * spreads new connections (SO_REUSEPORT); a single process never sets it,
 * so a second daemon cannot join its port by mistake.
 */
static int
listen_socket(const struct sockaddr_storage *addr, socklen_t addrlen, bool reuseport)
{
	int fd, one = 1, zero = 0;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		goto fail;
	/* "*:port" is the IPv6 any address serving IPv4 too. */
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)addr, addrlen) == -1)
		goto fail;
	if (listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

int
listen_group_open(const struct conf_listener *cl, int *fds, unsigned n)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	unsigned i;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	/* the first socket settles the port ("address = host:0" asks for a
	 * free one); the others join it */
	fds[0] = listen_socket(&cl->addr, cl->addrlen, true);
	if (fds[0] == -1 || getsockname(fds[0], (struct sockaddr *)&bound, &len) == -1)
		goto fail;
	for (i = 1; i < n; i++)
		if ((fds[i] = listen_socket(&bound, len, true)) == -1)
			goto fail;
	return 0;
fail:
	log_err("listener %s: cannot listen on %s", cl->name, cl->address);
	listen_group_close(fds, n);
	return -1;
}

void
listen_group_log(const struct conf_listener *cl, int fd, unsigned n)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char where[INET6_ADDRSTRLEN + 16];

	if (getsockname(fd, (struct sockaddr *)&bound, &len) == -1)
		bound = cl->addr;
	addr_format(&bound, where, sizeof(where));
	log_info("listening on %s (listener %s, root %s, engine %s, %u workers)", where,
	    cl->name, cl->root, xfer_engine(cl->engine)->name, n);
}

void
listen_group_close(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* A worker's sockets, bound by the master, one per listener of the
 * configuration it starts with (NULL: a single process binds its own). */
static const int *inherited_fds;
static unsigned inherited_n;

void
listen_inherit(const int *fds, unsigned n)
{
	inherited_fds = fds;
	inherited_n = n;
}

/* The socket bound at `bound` serves what `want` asks for: the same
 * address and port (port 0 asks for a new one), so it can be handed over. */
static bool
same_address(const struct sockaddr_storage *bound, const struct sockaddr_storage *want)
{
	if (bound->ss_family != want->ss_family)
		return false;
	if (want->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)bound, *y = (const void *)want;

		return y->sin_port != 0 && x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)bound, *y = (const void *)want;

	return y->sin6_port != 0 && x->sin6_port == y->sin6_port &&
	    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

bool
listen_same_configured(const struct conf_listener *a, const struct conf_listener *b)
{
	return a->addrlen == b->addrlen && a->addr.ss_family == b->addr.ss_family &&
	    memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

static void
listener_free(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	root_put(l->root);
	free(l);
}

/* A listener for cl, without a socket yet.  NULL after logging why. */
static struct listener *
listener_new(const struct conf_listener *cl)
{
	struct listener *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		log_err("listener %s", cl->name);
		return NULL;
	}
	l->settings = *cl;
	l->conf = &l->settings;
	l->fd = -1;
	l->engine = xfer_engine(cl->engine);
	file_open_how(&l->open_how, cl->follow_symlinks != SYMLINKS_NO);
	l->root = root_open(cl->root);
	if (l->root == NULL) {
		log_err("listener %s: root %s", cl->name, cl->root);
		free(l);
		return NULL;
	}
	return l;
}

/*
 * Options every connection accepted on l's socket inherits, set once on
 * the listening socket instead of once per connection.
 *
 * TCP_NODELAY: responses are written in pieces (header, then body), and
 * without it the last piece of a small one can wait for a delayed ACK.
 *
 * TCP_NOTSENT_LOWAT (send_lowat): the socket takes more bytes only while
 * fewer than this many wait unsent.  Without it one sendfile() or splice()
 * queues a whole large body in the socket buffer, and the kernel sends
 * most of it later, from the softirq that takes the peer's ACKs -- on
 * the peer's CPU.  Segments of one connection sent from two CPUs at once
 * overtake each other on the way (loopback, and any receiver that queues
 * per CPU): the receiver sees them out of order, SACK recovery starts,
 * and the same bytes cost several times the CPU.  Bounding what waits
 * unsent keeps nearly every segment going out from the daemon's own call.
 * Bytes in flight are not bounded by it, so a long fat path still fills.
 */
static void
listen_tune(struct listener *l)
{
	int one = 1, lowat = (int)l->conf->send_lowat;

	if (setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("listener %s: TCP_NODELAY: %s", l->conf->name, strerror(errno));
	if (lowat > 0 &&
	    setsockopt(l->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat)) == -1)
		log_warn("listener %s: send_lowat (TCP_NOTSENT_LOWAT): %s", l->conf->name,
		    strerror(errno));
}

static int
listener_bind(struct listener *l)
{
	socklen_t len = sizeof(l->bound);
	char where[INET6_ADDRSTRLEN + 16];

	if (inherited_fds != NULL && l->index < inherited_n) {
		/* a worker: the master bound it, and said so */
		l->fd = inherited_fds[l->index];
		l->inherited = true;
		if (getsockname(l->fd, (struct sockaddr *)&l->bound, &len) == -1)
			l->bound = l->conf->addr;
		listen_tune(l);
		return 0;
	}
	l->fd = listen_socket(&l->conf->addr, l->conf->addrlen, false);
	if (l->fd == -1) {
		log_err("listener %s: cannot listen on %s", l->conf->name, l->conf->address);
		return -1;
	}
	if (getsockname(l->fd, (struct sockaddr *)&l->bound, &len) == -1)
		l->bound = l->conf->addr;
	listen_tune(l);
	addr_format(&l->bound, where, sizeof(where));
	log_info("listening on %s (listener %s, root %s, engine %s)", where,
	    l->conf->name, l->conf->root, l->engine->name);
	return 0;
}

/* Put l in a free table slot.  0 or -1. */
static int
table_add(struct server *s, struct listener *l)
{
	unsigned i;

	for (i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] == NULL)
			break;
	if (i == s->nlisteners) {
		struct listener **t = realloc(s->listeners, (i + 1) * sizeof(*t));

		if (t == NULL) {
			log_err("listener table");
			return -1;
		}
		s->listeners = t;
		s->nlisteners = i + 1;
	}
	s->listeners[i] = l;
	l->index = i;
	s->listener_gen = (s->listener_gen + 1) & RING_GEN_MASK;
	l->gen = s->listener_gen;
	l->prev_gen = l->gen;
	return 0;
}

int
listen_open(struct server *s)
{
	for (unsigned i = 0; i < s->conf->nlisteners; i++) {
		struct listener *l = listener_new(&s->conf->listeners[i]);

		if (l == NULL)
			return -1;
		l->index = i;           /* the inherited socket it takes, if any */
		if (listener_bind(l) == -1 || table_add(s, l) == -1) {
			listener_free(l);
			return -1;
		}
	}
	return 0;
}

void
listen_arm(struct server *s, struct listener *l)
{
	struct io_uring_sqe *sqe;

	if (l->fd < 0 || l->accept_armed || l->retired)
		return;
	sqe = ring_sqe(&s->ring);
	/* before 5.19: one connection per accept, re-armed on each
	 * completion (listen_complete: no IORING_CQE_F_MORE) */
	if (probe_has(PROBE_MULTISHOT_ACCEPT))
		io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	else
		io_uring_prep_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_ACCEPT, l->index, l->gen));
	l->accept_armed = true;
}

void
listen_arm_all(struct server *s)
{
	for (unsigned i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] != NULL)
			listen_arm(s, s->listeners[i]);
}

/* Cancel l's accepts and arm a new one under a new generation.  What the
 * cancelled accept took before the cancel landed still arrives, under the
 * previous generation (l->prev_gen), and is served (listen_complete). */
static void
listen_rearm(struct server *s, struct listener *l)
{
	struct io_uring_sqe *sqe;

	/* queued before the new accept, so it cannot cancel it */
	sqe = ring_sqe(&s->ring);
	if (probe_has(PROBE_CANCEL_FD))
		io_uring_prep_cancel_fd(sqe, l->fd, IORING_ASYNC_CANCEL_ALL);
	else
		io_uring_prep_cancel64(sqe, ring_ud(OP_ACCEPT, l->index, l->gen), 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, 0, 0));
	s->listener_gen = (s->listener_gen + 1) & RING_GEN_MASK;
	l->prev_gen = l->gen;
	l->gen = s->listener_gen;
	l->accept_armed = false;
	listen_arm(s, l);
}

void
listen_rearm_all(struct server *s)
{
	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = s->listeners[i];

		if (l != NULL && l->fd >= 0)
			listen_rearm(s, l);
	}
}

/*
 * A worker's socket outlives the worker before it, and so, for a moment,
 * may the dead worker's accept on it: the kernel wakes one accept per
 * connection, and a wake-up spent on the dead one leaves the connection
 * queued while this worker's accept sleeps.  A socket seen with
 * connections waiting on two ticks in a row gets its accept armed anew,
 * which takes what waits at once.
 */
void
listen_check_waiting(struct server *s)
{
	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = s->listeners[i];
		struct pollfd p;

		if (l == NULL || !l->inherited || l->fd < 0 || !l->accept_armed)
			continue;
		p.fd = l->fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) != 1) {
			l->waiting_ticks = 0;
			continue;
		}
		if (++l->waiting_ticks < 2)
			continue;
		l->waiting_ticks = 0;
		log_debug("listener %s: connections wait: accept armed again", l->conf->name);
		listen_rearm(s, l);
	}
}

void
listen_complete(struct server *s, unsigned index, uint32_t gen, int res, unsigned flags)
{
	struct listener *l = index < s->nlisteners ? s->listeners[index] : NULL;

	if (l != NULL && l->gen != gen && l->prev_gen == gen && !l->retired) {
		/* the accept a re-arm cancelled, on this same socket: what it
		 * took before the cancel landed is a client like any other
		 * (closing it would reset it).  Its end says nothing of the
		 * accept armed now. */
		if (res >= 0) {
			if (s->stopping)
				close(res);
			else
				conn_accepted(s, l, res);
		}
		return;
	}
	if (l == NULL || l->gen != gen) {
		/* the accept of a listener that was removed: the slot is
		 * free or belongs to another one now */
		if (res >= 0)
			close(res);
		return;
	}
	if (!(flags & IORING_CQE_F_MORE))
		l->accept_armed = false;
	if (res >= 0) {
		if (s->stopping || l->retired)
			close(res);
		else
			conn_accepted(s, l, res);
	} else if (res != -ECANCELED) {
		/* EMFILE/ENFILE and friends: the kernel keeps the connection
		 * queued; conn.c makes room and re-arms (see there). */
		conn_accept_failed(s, l->conf->name, l->fd, -res);
		return;
	}
	if (!l->accept_armed && !s->stopping && res != -ECANCELED)
		listen_arm(s, l);
}

/* l accepts nothing more: cancel its accept (the cancel looks the fd up
 * when it is submitted, so submit before closing), close its socket,
 * free it once no connection uses it.  Every accept on the socket is
 * cancelled, not only the first one found, and whether or not l thinks
 * one is armed: an accept the cancel missed would hold the socket open
 * after the close, still accepting. */
static void
listener_retire(struct server *s, struct listener *l)
{
	if (l->fd >= 0) {
		struct io_uring_sqe *sqe = ring_sqe(&s->ring);

		if (probe_has(PROBE_CANCEL_FD)) {
			io_uring_prep_cancel_fd(sqe, l->fd, IORING_ASYNC_CANCEL_ALL);
		} else {
			/* before 5.19: the accept by its user_data, and a
			 * shutdown, which ends any accept the cancel missed */
			io_uring_prep_cancel64(sqe, ring_ud(OP_ACCEPT, l->index, l->gen), 0);
			shutdown(l->fd, SHUT_RDWR);
		}
		io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, 0, 0));
		ring_flush(&s->ring);
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->accept_armed = false;
	l->retired = true;
	if (s->listeners[l->index] == l)
		s->listeners[l->index] = NULL;
	listen_put(l);
}

/* A look at l's root path; see the file's header. */
static void
follow_root(struct server *s, struct listener *l)
{
	struct root *next;
	int err;

	switch (root_follow(l->root, l->conf->root, &next)) {
	case 1:
		log_info("root of listener %s now dev %u:%u ino %llu (%s; was ino %llu)",
		    l->conf->name, major(next->dev), minor(next->dev),
		    (unsigned long long)next->ino, l->conf->root,
		    (unsigned long long)l->root->ino);
		root_put(l->root);
		l->root = next;
		l->root_err = 0;
		fdcache_forget(&s->files, l);
		break;
	case 0:
		if (l->root_err != 0)
			log_info("root of listener %s: %s names dev %u:%u ino %llu again",
			    l->conf->name, l->conf->root, major(l->root->dev),
			    minor(l->root->dev), (unsigned long long)l->root->ino);
		l->root_err = 0;
		break;
	default:
		/* once per change, not once per window */
		err = errno;
		if (err != l->root_err)
			log_warn("root of listener %s: %s: %s: still serving dev %u:%u ino %llu",
			    l->conf->name, l->conf->root, strerror(err), major(l->root->dev),
			    minor(l->root->dev), (unsigned long long)l->root->ino);
		l->root_err = err;
		break;
	}
}

void
listen_follow_roots(struct server *s)
{
	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = s->listeners[i];

		/* a relative root would be read against "/", where the
		 * daemon works: not the directory it names (main.c makes
		 * roots absolute) */
		if (l == NULL || l->retired || l->conf->root[0] != '/' ||
		    s->now_ms - l->root_looked_ms < s->conf->open_file_cache_valid_ms)
			continue;
		l->root_looked_ms = s->now_ms;
		follow_root(s, l);
	}
}

void
listen_put(struct listener *l)
{
	if (l->retired && l->nconns == 0)
		listener_free(l);
}

void
listen_close(struct server *s)
{
	for (unsigned i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] != NULL)
			listener_retire(s, s->listeners[i]);
}

int
listen_reload(struct server *s, const struct conf *next)
{
	struct listener **made = calloc(next->nlisteners ? next->nlisteners : 1, sizeof(*made));
	struct listener **from = calloc(next->nlisteners ? next->nlisteners : 1, sizeof(*from));
	unsigned i;

	if (made == NULL || from == NULL) {
		log_err("reload");
		goto fail;
	}
	/* First everything that can fail: roots and new sockets. */
	for (i = 0; i < next->nlisteners; i++) {
		const struct conf_listener *cl = &next->listeners[i];

		made[i] = listener_new(cl);
		if (made[i] == NULL)
			goto fail;
		for (unsigned j = 0; j < s->nlisteners; j++) {
			struct listener *old = s->listeners[j];

			if (old != NULL && old->fd >= 0 && (same_address(&old->bound, &cl->addr) ||
			    (old->inherited && listen_same_configured(old->conf, cl)))) {
				from[i] = old;
				break;
			}
		}
		if (from[i] == NULL && inherited_fds != NULL) {
			/* never reached: for such a file the master starts new
			 * workers on sockets it binds, instead of a SIGHUP */
			log_errx("listener %s: a new address reached a worker's reload",
			    cl->name);
			goto fail;
		}
		if (from[i] == NULL && listener_bind(made[i]) == -1)
			goto fail;
	}
	/* Then nothing fails: hand sockets over, retire the old objects. */
	for (i = 0; i < next->nlisteners; i++) {
		struct listener *l = made[i], *old = from[i];

		if (old != NULL) {
			l->fd = old->fd;
			l->bound = old->bound;
			l->accept_armed = old->accept_armed;
			l->index = old->index;
			l->gen = old->gen;
			l->prev_gen = old->prev_gen;
			l->inherited = old->inherited;
			listen_tune(l);
			old->fd = -1;
			old->accept_armed = false;
			s->listeners[l->index] = l;
			log_info("listener %s keeps %s (root %s, engine %s)", l->conf->name,
			    l->conf->address, l->conf->root, l->engine->name);
			old->retired = true;
			listen_put(old);
		}
	}
	for (i = 0; i < s->nlisteners; i++) {
		struct listener *old = s->listeners[i];
		bool kept = false;

		for (unsigned k = 0; k < next->nlisteners; k++)
			kept |= made[k] == old;
		if (old != NULL && !kept) {
			log_info("listener %s on %s closed", old->conf->name, old->conf->address);
			listener_retire(s, old);
		}
	}
	for (i = 0; i < next->nlisteners; i++) {
		if (from[i] == NULL && table_add(s, made[i]) == -1) {
			/* out of memory for a pointer: this listener is lost */
			listener_free(made[i]);
			continue;
		}
		listen_arm(s, made[i]);
	}
	free(made);
	free(from);
	return 0;
fail:
	if (made != NULL)
		for (i = 0; i < next->nlisteners; i++)
			if (made[i] != NULL)
				listener_free(made[i]);
	free(made);
	free(from);
	return -1;
}

void
listen_free_all(struct server *s)
{
	listen_close(s);
	free(s->listeners);
	s->listeners = NULL;
	s->nlisteners = 0;
}
