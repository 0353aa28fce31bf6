/*
 * listen.c: listening sockets and multishot accept.
 *
 * Each listener has one multishot accept on the ring; accepted sockets
 * arrive non-blocking, so a splice into a full socket returns -EAGAIN
 * instead of parking an io-wq worker.  The kernel ends a multishot accept
 * (no IORING_CQE_F_MORE) on errors and CQ overflow: it is re-armed then.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "server.h"

#define LISTEN_BACKLOG 4096

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

static int
listen_socket(const struct conf_listener *cl)
{
	int fd, one = 1, zero = 0;

	fd = socket(cl->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	/* "*:port" is the IPv6 any address serving IPv4 too. */
	if (cl->addr.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&cl->addr, cl->addrlen) == -1)
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
listen_open(struct server *s)
{
	const struct conf *conf = s->conf;

	s->listeners = calloc(conf->nlisteners, sizeof(*s->listeners));
	if (s->listeners == NULL) {
		log_err("listeners");
		return -1;
	}
	s->nlisteners = conf->nlisteners;
	for (unsigned i = 0; i < s->nlisteners; i++)
		s->listeners[i].fd = s->listeners[i].root_fd = -1;

	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];
		struct sockaddr_storage bound;
		socklen_t len = sizeof(bound);
		char where[INET6_ADDRSTRLEN + 16];

		l->conf = &conf->listeners[i];
		l->index = i;
		l->engine = xfer_engine(l->conf->engine);
		/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
		l->open_how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
		l->open_how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		if (l->conf->follow_symlinks == SYMLINKS_NO)
			l->open_how.resolve |= RESOLVE_NO_SYMLINKS;
		l->root_fd = open(l->conf->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (l->root_fd == -1) {
			log_err("listener %s: root %s", l->conf->name, l->conf->root);
			return -1;
		}
		l->fd = listen_socket(l->conf);
		if (l->fd == -1) {
			log_err("listener %s: cannot listen on %s", l->conf->name,
			    l->conf->address);
			return -1;
		}
		if (getsockname(l->fd, (struct sockaddr *)&bound, &len) == -1)
			bound = l->conf->addr;
		addr_format(&bound, where, sizeof(where));
		log_info("listening on %s (listener %s, root %s, engine %s)", where,
		    l->conf->name, l->conf->root, l->engine->name);
	}
	return 0;
}

void
listen_arm(struct server *s, struct listener *l)
{
	struct io_uring_sqe *sqe;

	if (l->fd < 0 || l->accept_armed)
		return;
	sqe = ring_sqe(&s->ring);
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_ACCEPT, l->index, 0));
	l->accept_armed = true;
}

void
listen_complete(struct server *s, struct listener *l, int res, unsigned flags)
{
	if (!(flags & IORING_CQE_F_MORE))
		l->accept_armed = false;
	if (res >= 0) {
		if (s->stopping)
			close(res);
		else
			conn_accepted(s, l, res);
	} else if (res != -ECANCELED) {
		/* EMFILE/ENFILE and friends: the kernel keeps the connection
		 * queued; the next tick re-arms and tries again. */
		errno = -res;
		log_err("listener %s: accept", l->conf->name);
		return;
	}
	if (!l->accept_armed && !s->stopping && res != -ECANCELED)
		listen_arm(s, l);
}

void
listen_close(struct server *s)
{
	bool queued = false;

	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];

		if (l->fd >= 0 && l->accept_armed) {
			struct io_uring_sqe *sqe = ring_sqe(&s->ring);

			io_uring_prep_cancel_fd(sqe, l->fd, 0);
			io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, 0, 0));
			queued = true;
		}
	}
	/* The cancel looks the fd up when it is submitted: before close(). */
	if (queued)
		io_uring_submit(&s->ring.uring);
	for (unsigned i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];

		if (l->fd >= 0)
			close(l->fd);
		if (l->root_fd >= 0)
			close(l->root_fd);
		l->fd = l->root_fd = -1;
	}
}
