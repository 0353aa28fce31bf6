/*
 * bench/floor.c: the floor that make bench measures every server against.
 *
 * Not a file server: the least a server on one thread and one io_uring
 * must do to answer the bench's requests.  It loads every regular file of
 * ROOT of at most FLOOR_MEM_MAX bytes into memory at start, with its
 * response header in front, and answers a request for one of them with a
 * single IORING_OP_SEND of that prebuilt response: no parsing beyond
 * finding the name in the request line, no file, no per-request header.
 * Larger files are sent from the page cache with a plain sendfile(2) loop,
 * called when a POLLOUT armed on the ring says the socket is writable.
 * Connections are accepted by one multishot accept and read with plain
 * RECV; a request is taken as whole when its bytes end in CRLF CRLF (the
 * bench's clients send nothing else).
 *
 *	floor -p PORT -r ROOT
 *
 * It runs in the foreground until SIGTERM or SIGINT.  A bench tool, not
 * part of ringpush: it trusts its clients and answers anything it cannot
 * match with 404.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLOOR_MEM_MAX	(4u << 20)	/* bigger files go by sendfile */
#define FLOOR_FILES	64
#define FLOOR_CONNS	20000
#define FLOOR_RECV	4096
/* bytes per sendfile call, cut where the bytes on the wire (header and
 * body) reach a multiple of it: as ringpushd's and lighttpd's streams go,
 * and measured the cheapest way for a plain sendfile loop (1 MiB calls
 * cut on the file's own offsets cost a third more CPU per GiB to a
 * receiver that copies) */
#define FLOOR_CHUNK	(256u << 10)

enum op { OP_ACCEPT = 1, OP_RECV, OP_SEND, OP_POLLOUT };

struct file {
	char		 name[128];
	size_t		 namelen;
	char		*resp;		/* header + body, or header only */
	size_t		 resplen;
	int		 fd;		/* for sendfile files, else -1 */
	off_t		 size;
};

struct conn {
	int		 fd;
	size_t		 have;		/* request bytes in buf */
	const struct file *f;
	size_t		 sent;		/* of f->resp */
	off_t		 off;		/* of the sendfile body */
	char		 buf[FLOOR_RECV];
};

static struct io_uring ring;
static struct file files[FLOOR_FILES];
static int nfiles;
static struct conn *conns[FLOOR_CONNS];
static volatile sig_atomic_t stop;
static const char notfound[] =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
static const struct file nofile = {
	.resp = (char *)notfound, .resplen = sizeof(notfound) - 1, .fd = -1,
};

static uint64_t
ud(enum op op, int fd)
{
	return (uint64_t)op << 32 | (uint32_t)fd;
}

static struct io_uring_sqe *
sqe_get(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (sqe == NULL) {
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
	}
	if (sqe == NULL) {
		fprintf(stderr, "floor: submission queue full\n");
		exit(1);
	}
	return sqe;
}

static void
load(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *e;

	if (d == NULL) {
		perror(root);
		exit(1);
	}
	while ((e = readdir(d)) != NULL && nfiles < FLOOR_FILES) {
		struct file *f = &files[nfiles];
		struct stat st;
		char hdr[256];
		int fd, n;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(f->name))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %lld\r\n\r\n", (long long)st.st_size);
		strcpy(f->name, e->d_name);
		f->namelen = strlen(f->name);
		f->size = st.st_size;
		f->fd = -1;
		f->resplen = (size_t)n;
		if ((size_t)st.st_size <= FLOOR_MEM_MAX)
			f->resplen += (size_t)st.st_size;
		if ((f->resp = malloc(f->resplen)) == NULL) {
			perror("malloc");
			exit(1);
		}
		memcpy(f->resp, hdr, (size_t)n);
		if ((size_t)st.st_size <= FLOOR_MEM_MAX) {
			if (pread(fd, f->resp + n, (size_t)st.st_size, 0) !=
			    st.st_size) {
				fprintf(stderr, "floor: short read of %s\n",
				    e->d_name);
				exit(1);
			}
			close(fd);
		} else
			f->fd = fd;
		nfiles++;
	}
	closedir(d);
}

static const struct file *
lookup(const char *req, size_t len)
{
	const char *p = memchr(req, '/', len), *end;

	if (p == NULL)
		return &nofile;
	p++;
	end = memchr(p, ' ', len - (size_t)(p - req));
	if (end == NULL)
		return &nofile;
	for (int i = 0; i < nfiles; i++)
		if ((size_t)(end - p) == files[i].namelen &&
		    memcmp(p, files[i].name, files[i].namelen) == 0)
			return &files[i];
	return &nofile;
}

static void
arm_recv(struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get();

	io_uring_prep_recv(sqe, c->fd, c->buf + c->have,
	    sizeof(c->buf) - c->have, 0);
	io_uring_sqe_set_data64(sqe, ud(OP_RECV, c->fd));
}

static void
arm_send(struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get();

	io_uring_prep_send(sqe, c->fd, c->f->resp + c->sent,
	    c->f->resplen - c->sent, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, ud(OP_SEND, c->fd));
}

static void
arm_pollout(struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get();

	io_uring_prep_poll_add(sqe, c->fd, POLLOUT);
	io_uring_sqe_set_data64(sqe, ud(OP_POLLOUT, c->fd));
}

static void
drop(struct conn *c)
{
	conns[c->fd] = NULL;
	close(c->fd);
	free(c);
}

/* The sendfile loop of a large body: until done or the socket is full. */
static void
push_body(struct conn *c)
{
	while (c->off < c->f->size) {
		size_t want = (size_t)(c->f->size - c->off);
		size_t room = FLOOR_CHUNK -
		    (c->f->resplen + (size_t)c->off) % FLOOR_CHUNK;
		ssize_t n;

		n = sendfile(c->fd, c->f->fd, &c->off, want < room ? want : room);
		if (n < 0 && errno == EAGAIN) {
			arm_pollout(c);
			return;
		}
		if (n <= 0) {
			drop(c);
			return;
		}
	}
	c->have = 0;
	arm_recv(c);
}

static void
on_recv(struct conn *c, int res)
{
	if (res <= 0) {
		drop(c);
		return;
	}
	c->have += (size_t)res;
	if (c->have < 4 || memcmp(c->buf + c->have - 4, "\r\n\r\n", 4) != 0) {
		if (c->have == sizeof(c->buf))
			drop(c);
		else
			arm_recv(c);
		return;
	}
	c->f = lookup(c->buf, c->have);
	c->sent = 0;
	c->off = 0;
	arm_send(c);
}

static void
on_send(struct conn *c, int res)
{
	if (res <= 0) {
		drop(c);
		return;
	}
	c->sent += (size_t)res;
	if (c->sent < c->f->resplen)
		arm_send(c);
	else if (c->f->fd >= 0)
		push_body(c);
	else {
		c->have = 0;
		arm_recv(c);
	}
}

static void
on_accept(int lfd, struct io_uring_cqe *cqe)
{
	struct conn *c;
	int one = 1, fd = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		struct io_uring_sqe *sqe = sqe_get();

		io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd));
	}
	if (fd < 0)
		return;
	if (fd >= FLOOR_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	conns[fd] = c;
	arm_recv(c);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER |
	    IORING_SETUP_DEFER_TASKRUN };
	struct io_uring_sqe *sqe;
	const char *root = NULL;
	int port = 0, lfd, one = 1, opt;

	while ((opt = getopt(argc, argv, "p:r:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'r')
			root = optarg;
		else
			break;
	}
	if (port <= 0 || port > 65535 || root == NULL) {
		fprintf(stderr, "usage: floor -p PORT -r ROOT\n");
		return 2;
	}
	load(root);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 4096) < 0) {
		perror("floor: listen");
		return 1;
	}
	if (io_uring_queue_init_params(4096, &ring, &p) < 0) {
		perror("floor: io_uring");
		return 1;
	}
	sqe = sqe_get();
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd));

	while (!stop) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;

		if (io_uring_submit_and_wait(&ring, 1) < 0 && errno != EINTR &&
		    !stop)
			continue;
		io_uring_for_each_cqe(&ring, head, cqe) {
			enum op op = (enum op)(cqe->user_data >> 32);
			int fd = (int)(uint32_t)cqe->user_data;
			struct conn *c = fd < FLOOR_CONNS ? conns[fd] : NULL;

			n++;
			if (op == OP_ACCEPT)
				on_accept(fd, cqe);
			else if (c == NULL)
				continue;
			else if (op == OP_RECV)
				on_recv(c, cqe->res);
			else if (op == OP_SEND)
				on_send(c, cqe->res);
			else if (op == OP_POLLOUT)
				push_body(c);
		}
		io_uring_cq_advance(&ring, n);
	}
	return 0;
}
