/*
 * bench_run.c: ringbench's engine (its pre-flight: bench_target.c).
 *
 * One thread, one io_uring.  Every connection has at most one chain in
 * flight: a connect, a send linked to the first receive of the response
 * head, a receive of body bytes, a poll (for the splice sink) or a sleep
 * (rate cap, back-off).  Completions are reaped in batches and the new
 * submissions go out in one io_uring_enter per turn, which is what lets
 * one core drive many connections.
 *
 * The splice sink polls the socket on the ring and then splices
 * socket -> pipe -> /dev/null with plain calls: an IORING_OP_SPLICE is
 * always punted to an io-wq worker, which would cost the client more CPU
 * than the two system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "bench_http.h"
#include "bench_proc.h"
#include "bench_run.h"
#include "bench_target.h"
#include "bench_verify.h"
#include "bench_write.h"

#define CONN_BUF        8192            /* head + the first body bytes */
#define SCRATCH_BUF     (256 * 1024)    /* shared by every discarding recv */
#define VERIFY_BUF_ALL  (64 * 1024 * 1024)  /* every verifying connection's */
#define SPLICE_PIPE     (256 * 1024)
#define TICK_MS         100             /* longest wait for a completion */
#define BACKOFF_MS      10              /* after a failed connection */

/* The engine */

/* OP_SEND completes only on failure; OP_SENT, a request's last send,
 * always, and its time is the request's slat */
enum op { OP_CONNECT = 1, OP_SEND, OP_SENT, OP_RECV, OP_POLL, OP_SLEEP,
    OP_CANCEL };
enum cstate { C_IDLE, C_CONNECTING, C_HEAD, C_BODY, C_SLEEP, C_DONE };
enum resume { RESUME_ISSUE, RESUME_BODY, RESUME_NEXT };
enum fail_kind { F_CONNECT, F_RESET, F_SHORT, F_PROTOCOL, F_STATUS,
    F_VERIFY };

struct clone {
	const struct bench_job *job;
	struct bench_target *t;
	struct bench_result *res;
	uint64_t issued;                /* requests started in the window */
	uint64_t issued_bytes;
	uint64_t limit_ios;             /* 0 = none */
	uint64_t limit_bytes;
	size_t next_path;
	uint64_t rng;
	uint64_t rate_bytes;            /* every body byte, for the rate cap */
	unsigned active;                /* connections not yet done */
	bool stopped;
};

struct conn {
	struct clone *cl;
	int fd;
	uint32_t gen;
	enum cstate state;
	enum resume resume;
	unsigned inflight;
	int pipefd[2];
	size_t pipe_bytes;              /* spliced in, not yet out */
	char *buf;
	size_t buf_cap;                 /* CONN_BUF, more when verifying */
	size_t buf_len;
	struct bench_http_resp resp;
	uint64_t body_want;
	uint64_t body_got;
	size_t path;
	enum bench_ddir dir;            /* a GET or a PUT */
	uint64_t range_off;
	uint64_t range_len;             /* 0 = whole file */
	uint64_t t_start;
	uint64_t t_sent;                /* the request's last byte sent */
	uint64_t t_first;
	uint64_t t_activity;
	bool counted;                   /* started inside the window */
	bool send_failed;
	bool timed_out;
	struct bench_digest digest;     /* of the body, when verifying */
	struct __kernel_timespec ts;
	char req[1024];
	int req_len;
	size_t sent_len;                /* the OP_SENT send's length */
};

struct engine {
	struct io_uring ring;
	struct conn *conns;
	size_t nconns;
	struct clone *clones;
	size_t nclones;
	char *scratch;
	int devnull;
	uint64_t now;
	uint64_t t0;
	uint64_t window_start;          /* end of ramp */
	uint64_t deadline;              /* 0 = none */
	bool measuring;
	bool stopping;
	bool time_based;
	bool poll_first;                /* IORING_RECVSEND_POLL_FIRST known */
	const struct bench_observer *obs;
};

static uint64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
ud(struct engine *e, struct conn *c, enum op op)
{
	return (uint64_t)(c - e->conns) << 32 | (uint64_t)(c->gen & 0xffffff) << 8 |
	    (uint64_t)op;
}

static struct io_uring_sqe *
get_sqe(struct engine *e)
{
	struct io_uring_sqe *sqe;

	while ((sqe = io_uring_get_sqe(&e->ring)) == NULL)
		io_uring_submit(&e->ring);
	return sqe;
}

static void conn_next(struct engine *e, struct conn *c);
static void conn_issue(struct engine *e, struct conn *c);
static void body_continue(struct engine *e, struct conn *c);

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->pipefd[0] >= 0 && c->pipe_bytes > 0) {
		/* bytes stranded in a pipe: drop the pipe, not the bytes' owner */
		close(c->pipefd[0]);
		close(c->pipefd[1]);
		c->pipefd[0] = c->pipefd[1] = -1;
		c->pipe_bytes = 0;
	}
	c->gen++;
}

static void
sleep_for(struct engine *e, struct conn *c, uint64_t ns, enum resume resume)
{
	struct io_uring_sqe *sqe = get_sqe(e);

	c->ts.tv_sec = (long long)(ns / 1000000000u);
	c->ts.tv_nsec = (long long)(ns % 1000000000u);
	c->state = C_SLEEP;
	c->resume = resume;
	io_uring_prep_timeout(sqe, &c->ts, 0, 0);
	io_uring_sqe_set_data64(sqe, ud(e, c, OP_SLEEP));
	c->inflight++;
}

/* Nanoseconds to wait before more bytes fit the clone's rate; 0 = go. */
static uint64_t
rate_wait(struct engine *e, struct clone *cl)
{
	uint64_t allowed, over;

	if (cl->job->rate == 0)
		return 0;
	/* allow a 10 ms burst so that the cap does not throttle to a halt */
	allowed = (uint64_t)((double)cl->job->rate *
	    ((double)(e->now - e->t0) / 1e9 + 0.01));
	if (cl->rate_bytes <= allowed)
		return 0;
	over = cl->rate_bytes - allowed;
	return (uint64_t)((double)over * 1e9 / (double)cl->job->rate) + 1000000;
}

static bool
stop_on_error(struct engine *e, struct clone *cl)
{
	(void)e;
	if (cl->job->continue_on_error)
		return false;
	cl->stopped = true;
	return true;
}

static void
conn_fail(struct engine *e, struct conn *c, enum fail_kind kind)
{
	struct bench_errors *err = &c->cl->res->err;

	if (c->timed_out)
		err->timeout++;
	else switch (kind) {
	case F_CONNECT: err->connect++; break;
	case F_RESET: err->reset++; break;
	case F_SHORT: err->short_body++; break;
	case F_PROTOCOL: err->protocol++; break;
	case F_STATUS:
		err->http_status++;
		if (c->resp.status > 0 && c->resp.status < 600)
			err->status[c->resp.status]++;
		break;
	case F_VERIFY: err->verify_mismatch++; break;
	}
	conn_close(c);
	c->timed_out = false;
	stop_on_error(e, c->cl);
	if (kind == F_CONNECT && !c->cl->stopped && !e->stopping)
		sleep_for(e, c, BACKOFF_MS * 1000000u, RESUME_NEXT);
	else
		conn_next(e, c);
}

static void
conn_done(struct conn *c)
{
	conn_close(c);
	if (c->state != C_DONE) {
		c->state = C_DONE;
		c->cl->active--;
	}
}

/* Pick the next request of c's clone, or end c when the clone is done. */
static void
conn_next(struct engine *e, struct conn *c)
{
	struct clone *cl = c->cl;
	const struct bench_job *j = cl->job;
	struct target_path *tp;
	uint64_t wait;

	if (e->stopping || cl->stopped ||
	    (cl->limit_ios > 0 && cl->issued >= cl->limit_ios) ||
	    (cl->limit_bytes > 0 && cl->issued_bytes >= cl->limit_bytes)) {
		conn_done(c);
		return;
	}
	c->dir = bench_rw_pick(j->rw, j->rwmixread, &cl->rng);
	if (!bench_rw_random(j->rw))
		c->path = cl->next_path++ % cl->t->npaths;
	else
		c->path = (size_t)(bench_rng_next(&cl->rng) % cl->t->npaths);
	tp = &cl->t->paths[c->path];
	c->range_off = 0;
	c->range_len = 0;
	if (c->dir == BENCH_DDIR_WRITE) {
		cl->issued_bytes += j->bs;
	} else if (j->rw != BENCH_RW_RANDREAD) {
		/* whole files; in randrw too, since a PUT replaces a file
		 * with bs bytes and a range of its old size could be gone */
		cl->issued_bytes += tp->size;
	} else {
		if (tp->size <= j->bs) {
			c->range_len = tp->size;
		} else {
			/* offsets aligned to bs, as fio's blockalign */
			c->range_off = bench_rng_next(&cl->rng) %
			    (tp->size / j->bs) * j->bs;
			c->range_len = j->bs;
		}
		cl->issued_bytes += c->range_len;
	}
	cl->issued++;
	wait = rate_wait(e, cl);
	if (wait > 0)
		sleep_for(e, c, wait, RESUME_ISSUE);
	else
		conn_issue(e, c);
}

static void
send_request(struct engine *e, struct conn *c)
{
	struct target_path *tp = &c->cl->t->paths[c->path];
	struct io_uring_sqe *sqe;
	const char *req = tp->get;
	int len = tp->get_len;

	if (c->range_len > 0) {
		c->req_len = bench_http_request(c->req, sizeof(c->req), "GET",
		    c->cl->t->hostport, tp->path, c->range_off, c->range_len,
		    c->cl->job->keepalive);
		req = c->req;
		len = c->req_len;
	}
	c->state = C_HEAD;
	c->buf_len = 0;
	c->body_got = 0;
	c->send_failed = false;
	c->t_sent = 0;
	if (c->cl->job->verify != BENCH_VERIFY_NONE)
		bench_digest_reset(&c->digest);
	if (io_uring_sq_space_left(&e->ring) < 3)
		io_uring_submit(&e->ring);
	if (c->dir == BENCH_DDIR_WRITE) {
		req = tp->put;
		len = tp->put_len;
	}
	if (c->dir == BENCH_DDIR_WRITE && c->cl->job->bs > 0) {
		/* a PUT: the head, then the body, linked to the receive; the
		 * head's success needs no completion */
		sqe = get_sqe(e);
		io_uring_prep_send(sqe, c->fd, req, (size_t)len,
		    MSG_WAITALL | MSG_NOSIGNAL | MSG_MORE);
		io_uring_sqe_set_data64(sqe, ud(e, c, OP_SEND));
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		req = c->cl->t->body;
		len = (int)c->cl->job->bs;
	}
	sqe = get_sqe(e);
	io_uring_prep_send(sqe, c->fd, req, (size_t)len,
	    MSG_WAITALL | MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, ud(e, c, OP_SENT));
	sqe->flags |= IOSQE_IO_LINK;
	c->sent_len = (size_t)len;
	sqe = get_sqe(e);
	io_uring_prep_recv(sqe, c->fd, c->buf, CONN_BUF, 0);
	/* the response cannot be there yet: wait for it without first
	 * trying a receive that must fail */
	if (e->poll_first)
		sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	io_uring_sqe_set_data64(sqe, ud(e, c, OP_RECV));
	c->inflight++;
}

static void
conn_issue(struct engine *e, struct conn *c)
{
	struct io_uring_sqe *sqe;
	int one = 1;

	c->t_start = e->now;
	c->t_activity = e->now;
	c->t_first = 0;
	c->counted = e->measuring;
	if (c->fd >= 0) {
		send_request(e, c);
		return;
	}
	c->fd = socket(c->cl->t->addr.ss_family,
	    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		conn_fail(e, c, F_CONNECT);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = C_CONNECTING;
	sqe = get_sqe(e);
	io_uring_prep_connect(sqe, c->fd, (struct sockaddr *)&c->cl->t->addr,
	    c->cl->t->addrlen);
	io_uring_sqe_set_data64(sqe, ud(e, c, OP_CONNECT));
	c->inflight++;
}

static void
account_body(struct engine *e, struct conn *c, const char *data, size_t n)
{
	c->body_got += n;
	c->cl->rate_bytes += n;
	if (e->measuring) {
		c->cl->res->bytes += n;
		c->cl->res->io[BENCH_DDIR_READ].bytes += n;
	}
	if (data != NULL && c->cl->job->verify != BENCH_VERIFY_NONE)
		bench_digest_update(&c->digest, data, n);
}

static bool
verify_ok(struct conn *c)
{
	struct target_path *tp = &c->cl->t->paths[c->path];
	uint8_t got[BENCH_DIGEST_MAX], want[BENCH_DIGEST_MAX];
	size_t len;

	len = bench_digest_final(&c->digest, got);
	if (c->range_len == 0) {
		if (c->body_got != tp->local_size)
			return false;
		return memcmp(got, tp->digest, len) == 0;
	}
	if (c->range_off + c->body_got > tp->local_size ||
	    bench_digest_file(c->digest.alg, tp->local, c->range_off,
	    c->body_got, want) < 0)
		return false;
	return memcmp(got, want, len) == 0;
}

static void
report_io(struct engine *e, struct conn *c, uint64_t sent)
{
	struct bench_io_done d;

	if (e->obs == NULL || e->obs->io == NULL || c->cl->job->log_avg_msec > 0)
		return;
	d.now_ns = e->now;
	d.window_start_ns = e->window_start;
	d.dir = c->dir;
	d.bytes = c->dir == BENCH_DDIR_WRITE ? c->cl->job->bs : c->body_got;
	d.offset = c->range_off;
	d.slat_ns = sent - c->t_start;
	d.clat_ns = e->now - sent;
	e->obs->io(e->obs->arg, (size_t)(c->cl - e->clones), &d);
}

static void
conn_complete(struct engine *e, struct conn *c)
{
	struct bench_result *r = c->cl->res;
	uint64_t sent;

	if (c->dir == BENCH_DDIR_WRITE) {
		/* the bytes a PUT moved are its body's; verify= reads the
		 * files back after the run */
		c->cl->rate_bytes += c->cl->job->bs;
		if (e->measuring) {
			r->bytes += c->cl->job->bs;
			r->io[BENCH_DDIR_WRITE].bytes += c->cl->job->bs;
		}
		c->cl->t->paths[c->path].written = true;
	} else if (c->cl->job->verify != BENCH_VERIFY_NONE) {
		if (!verify_ok(c)) {
			conn_fail(e, c, F_VERIFY);
			return;
		}
		r->verified++;
	}
	if (c->counted && e->measuring) {
		/* the send's completion is reaped before the receive linked
		 * to it; a missing one counts as sent at once */
		sent = c->t_sent != 0 ? c->t_sent : c->t_start;
		bench_hist_add(&r->ttfb, c->t_first - c->t_start);
		bench_result_add_io(r, c->dir, sent - c->t_start,
		    e->now - sent);
		report_io(e, c, sent);
	}
	if (c->resp.close || !c->cl->job->keepalive)
		conn_close(c);
	conn_next(e, c);
}

/* The head is in c->buf[0..buf_len); check it and start on the body. */
static void
head_received(struct engine *e, struct conn *c)
{
	const struct bench_job *j = c->cl->job;
	struct io_uring_sqe *sqe;
	long hl;
	size_t extra;
	int want_status;

	hl = bench_http_parse(c->buf, c->buf_len, &c->resp);
	if (hl == 0) {
		if (c->buf_len == CONN_BUF) {
			conn_fail(e, c, F_PROTOCOL);
			return;
		}
		sqe = get_sqe(e);
		io_uring_prep_recv(sqe, c->fd, c->buf + c->buf_len,
		    CONN_BUF - c->buf_len, 0);
		io_uring_sqe_set_data64(sqe, ud(e, c, OP_RECV));
		c->inflight++;
		return;
	}
	if (hl < 0) {
		conn_fail(e, c, F_PROTOCOL);
		return;
	}
	want_status = c->range_len > 0 ? 206 : 200;
	if (c->dir == BENCH_DDIR_WRITE) {
		/* 201 created, 204 replaced: a 204 has no length */
		if (c->resp.status != 201 && c->resp.status != 204) {
			conn_fail(e, c, F_STATUS);
			return;
		}
		if (!c->resp.has_length)
			c->resp.content_length = 0;
		c->resp.has_length = true;
	} else if (c->resp.status != want_status) {
		conn_fail(e, c, F_STATUS);
		return;
	}
	if (!c->resp.has_length || (c->range_len > 0 && !c->resp.has_range)) {
		conn_fail(e, c, F_PROTOCOL);
		return;
	}
	/* A 206 counts only as the range asked for: its Content-Range and
	 * its length both.  Hashing whatever arrived would call a 1-byte
	 * answer to a 4 KiB range verified, since its byte matches. */
	if (c->range_len > 0 && (c->resp.range_first != c->range_off ||
	    c->resp.range_last != c->range_off + c->range_len - 1 ||
	    c->resp.content_length != c->range_len)) {
		conn_fail(e, c, j->verify != BENCH_VERIFY_NONE ? F_VERIFY : F_PROTOCOL);
		return;
	}
	c->body_want = c->resp.content_length;
	extra = c->buf_len - (size_t)hl;
	if (extra > c->body_want) {
		conn_fail(e, c, F_PROTOCOL);
		return;
	}
	c->state = C_BODY;
	account_body(e, c, c->buf + hl, extra);
	if (c->body_got == c->body_want)
		conn_complete(e, c);
	else
		body_continue(e, c);
}

static void
body_continue(struct engine *e, struct conn *c)
{
	const struct bench_job *j = c->cl->job;
	struct io_uring_sqe *sqe;
	uint64_t left = c->body_want - c->body_got, wait;
	size_t len;
	char *into;

	wait = rate_wait(e, c->cl);
	if (wait > 0) {
		sleep_for(e, c, wait, RESUME_BODY);
		return;
	}
	c->state = C_BODY;
	sqe = get_sqe(e);
	if (j->sink == BENCH_SINK_SPLICE) {
		io_uring_prep_poll_add(sqe, c->fd, POLLIN);
		io_uring_sqe_set_data64(sqe, ud(e, c, OP_POLL));
	} else {
		/* bytes to verify need the connection's own buffer */
		into = j->verify != BENCH_VERIFY_NONE ? c->buf : e->scratch;
		len = j->verify != BENCH_VERIFY_NONE ? c->buf_cap : SCRATCH_BUF;
		if (len > left)
			len = (size_t)left;
		if (j->rate > 0 && len > j->rate / 100 + 1)
			len = (size_t)(j->rate / 100 + 1);
		io_uring_prep_recv(sqe, c->fd, into, len, 0);
		io_uring_sqe_set_data64(sqe, ud(e, c, OP_RECV));
	}
	c->inflight++;
}

static void
on_recv(struct engine *e, struct conn *c, int res)
{
	const struct bench_job *j = c->cl->job;

	if (res == -ECANCELED && c->send_failed) {
		conn_fail(e, c, F_RESET);
		return;
	}
	if (res <= 0) {
		if (c->state == C_HEAD && c->buf_len == 0)
			conn_fail(e, c, F_RESET);
		else if (c->state == C_HEAD)
			conn_fail(e, c, res == 0 ? F_PROTOCOL : F_RESET);
		else
			conn_fail(e, c, F_SHORT);
		return;
	}
	c->t_activity = e->now;
	if (c->state == C_HEAD) {
		if (c->buf_len == 0)
			c->t_first = e->now;
		c->buf_len += (size_t)res;
		head_received(e, c);
		return;
	}
	account_body(e, c, j->verify != BENCH_VERIFY_NONE ? c->buf : NULL,
	    (size_t)res);
	if (c->body_got == c->body_want)
		conn_complete(e, c);
	else
		body_continue(e, c);
}

static int
pipe_ready(struct conn *c)
{
	if (c->pipefd[0] >= 0)
		return 0;
	if (pipe2(c->pipefd, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	/* a larger pipe means fewer splices; the default is fine if refused */
	(void)fcntl(c->pipefd[1], F_SETPIPE_SZ, SPLICE_PIPE);
	return 0;
}

static void
on_poll(struct engine *e, struct conn *c, int res)
{
	uint64_t left;
	ssize_t in, out;

	if (res < 0 || pipe_ready(c) < 0) {
		conn_fail(e, c, F_SHORT);
		return;
	}
	c->t_activity = e->now;
	for (;;) {
		left = c->body_want - c->body_got;
		if (left == 0) {
			conn_complete(e, c);
			return;
		}
		in = splice(c->fd, NULL, c->pipefd[1], NULL,
		    left < SPLICE_PIPE ? left : SPLICE_PIPE,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (in < 0 && errno == EAGAIN)
			break;
		if (in <= 0) {
			conn_fail(e, c, F_SHORT);
			return;
		}
		c->pipe_bytes += (size_t)in;
		while (c->pipe_bytes > 0) {
			out = splice(c->pipefd[0], NULL, e->devnull, NULL,
			    c->pipe_bytes, SPLICE_F_MOVE);
			if (out <= 0) {
				conn_fail(e, c, F_SHORT);
				return;
			}
			c->pipe_bytes -= (size_t)out;
		}
		account_body(e, c, NULL, (size_t)in);
	}
	body_continue(e, c);
}

static void
on_cqe(struct engine *e, struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	struct conn *c;
	enum op op = (enum op)(data & 0xff);
	int res = cqe->res;

	if (op == OP_CANCEL || (data >> 32) >= e->nconns)
		return;
	c = &e->conns[data >> 32];
	if (op == OP_SEND || op == OP_SENT) {
		/* a connection closed since: its sends are no news */
		if (((data >> 8) & 0xffffff) != (c->gen & 0xffffff))
			return;
		if (op == OP_SENT && res >= 0 && (size_t)res == c->sent_len)
			c->t_sent = e->now;
		else
			c->send_failed = true;
		return;
	}
	c->inflight--;
	if (e->stopping) {
		if (c->inflight == 0)
			conn_done(c);
		return;
	}
	switch (op) {
	case OP_CONNECT:
		if (res < 0) {
			conn_fail(e, c, F_CONNECT);
			return;
		}
		send_request(e, c);
		break;
	case OP_RECV:
		on_recv(e, c, res);
		break;
	case OP_POLL:
		on_poll(e, c, res);
		break;
	case OP_SLEEP:
		if (c->resume == RESUME_BODY)
			body_continue(e, c);
		else if (c->resume == RESUME_NEXT)
			conn_next(e, c);
		else
			conn_issue(e, c);
		break;
	default:
		break;
	}
}

/* Requests that made no progress for `timeout` are failed by a shutdown. */
static void
check_timeouts(struct engine *e)
{
	struct conn *c;
	size_t i;

	for (i = 0; i < e->nconns; i++) {
		c = &e->conns[i];
		if ((c->state == C_HEAD || c->state == C_BODY ||
		    c->state == C_CONNECTING) && c->fd >= 0 && !c->timed_out &&
		    e->now - c->t_activity > c->cl->job->timeout_ms * 1000000u) {
			c->timed_out = true;
			shutdown(c->fd, SHUT_RDWR);
		}
	}
}

static int
ring_init(struct engine *e, FILE *err)
{
	struct io_uring_probe *probe;
	struct io_uring_params p;
	unsigned entries = 256;
	int rc;

	while (entries < 2 * e->nconns + 64 && entries < 32768)
		entries *= 2;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
	    IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
	p.cq_entries = entries * 4;
	rc = io_uring_queue_init_params(entries, &e->ring, &p);
	if (rc < 0) {
		/* older kernels: completions run as task work without deferral */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 4;
		rc = io_uring_queue_init_params(entries, &e->ring, &p);
	}
	if (rc < 0) {
		fprintf(err, "ringbench: io_uring_queue_init: %s\n", strerror(-rc));
		return -1;
	}
	/* io_uring_enter then skips looking up the ring's file each turn */
	(void)io_uring_register_ring_fd(&e->ring);
	/* POLL_FIRST came with Linux 5.19, as did IORING_OP_SOCKET; before
	 * it a receive with the flag fails with -EINVAL */
	probe = io_uring_get_probe_ring(&e->ring);
	e->poll_first = probe != NULL &&
	    io_uring_opcode_supported(probe, IORING_OP_SOCKET);
	if (probe != NULL)
		io_uring_free_probe(probe);
	if (!(p.features & IORING_FEAT_CQE_SKIP)) {
		fprintf(err, "ringbench: this kernel lacks IOSQE_CQE_SKIP_SUCCESS "
		    "(Linux 5.17 or later is needed)\n");
		io_uring_queue_exit(&e->ring);
		return -1;
	}
	return 0;
}

/*
 * A verifying connection receives its body into its own buffer, since the
 * bytes must stay put until hashed and every connection has a receive in
 * flight.  8 KiB receives cost a completion and a loop turn per 8 KiB, so
 * each gets as much as the shared scratch buffer, within VERIFY_BUF_ALL
 * for all of them together.
 */
static size_t
verify_buf_size(size_t nconns)
{
	size_t size = VERIFY_BUF_ALL / (nconns > 0 ? nconns : 1);

	if (size > SCRATCH_BUF)
		size = SCRATCH_BUF;
	return size < CONN_BUF ? CONN_BUF : size;
}

static void
reap(struct engine *e, uint64_t wait_ns)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	ts.tv_sec = (long long)(wait_ns / 1000000000u);
	ts.tv_nsec = (long long)(wait_ns % 1000000000u);
	(void)io_uring_submit_and_wait_timeout(&e->ring, &cqe, 1, &ts, NULL);
	e->now = clock_ns();
	io_uring_for_each_cqe(&e->ring, head, cqe) {
		on_cqe(e, cqe);
		n++;
		/* handlers run long enough that the clock must follow */
		if ((n & 63) == 0)
			e->now = clock_ns();
	}
	io_uring_cq_advance(&e->ring, n);
}

static void
start_window(struct engine *e, struct bench_cpu *cpu0, struct bench_cpu *srv0,
    int server_pid)
{
	size_t i;

	e->measuring = true;
	e->window_start = e->now;
	for (i = 0; i < e->nclones; i++) {
		e->clones[i].issued = 0;
		e->clones[i].issued_bytes = 0;
	}
	bench_proc_self_cpu(cpu0);
	if (server_pid > 0 && bench_proc_tree_cpu(server_pid, srv0) < 0)
		memset(srv0, 0, sizeof(*srv0));
}

/* End the run: no new work, in-flight operations cancelled and drained. */
static void
drain(struct engine *e)
{
	struct io_uring_sqe *sqe;
	uint64_t until;
	size_t i, busy;
	struct conn *c;

	e->stopping = true;
	for (i = 0; i < e->nconns; i++) {
		c = &e->conns[i];
		if (c->inflight == 0) {
			conn_done(c);
			continue;
		}
		if (c->state == C_SLEEP) {
			sqe = get_sqe(e);
			io_uring_prep_timeout_remove(sqe, ud(e, c, OP_SLEEP), 0);
			io_uring_sqe_set_data64(sqe, OP_CANCEL);
		} else if (c->fd >= 0) {
			shutdown(c->fd, SHUT_RDWR);
		}
	}
	until = clock_ns() + 2000000000u;
	do {
		reap(e, 50000000u);
		for (busy = 0, i = 0; i < e->nconns; i++)
			busy += e->conns[i].inflight > 0;
	} while (busy > 0 && e->now < until);
}

/*
 * The share of the run done: by the clock when the run has a deadline,
 * else by the requests (or bytes) each clone has issued of its limit.
 */
static double
run_done(const struct engine *e)
{
	const struct clone *cl;
	double sum = 0;
	size_t i;

	if (e->deadline != 0)
		return e->deadline > e->t0 ? (double)(e->now - e->t0) /
		    (double)(e->deadline - e->t0) : 1;
	for (i = 0; i < e->nclones; i++) {
		cl = &e->clones[i];
		if (cl->active == 0)
			sum += 1;
		else if (cl->limit_ios > 0)
			sum += (double)cl->issued / (double)cl->limit_ios;
		else if (cl->limit_bytes > 0)
			sum += (double)cl->issued_bytes / (double)cl->limit_bytes;
	}
	sum = e->nclones > 0 ? sum / (double)e->nclones : 1;
	return sum < 1 ? sum : 1;
}

static void
observe(const struct engine *e, const struct bench_observer *obs,
    const struct bench_result *results)
{
	struct bench_progress p;
	size_t i;

	if (obs == NULL || obs->tick == NULL)
		return;
	memset(&p, 0, sizeof(p));
	p.now_ns = e->now;
	p.window_start_ns = e->window_start;
	p.measuring = e->measuring;
	p.done = run_done(e);
	for (i = 0; i < e->nclones; i++)
		p.clones_running += e->clones[i].active > 0;
	p.results = results;
	p.nresults = e->nclones;
	obs->tick(obs->arg, &p);
}

int
bench_run(const struct bench_job *jobs, size_t njobs,
    struct bench_target *targets, struct bench_result *results,
    struct bench_result *total, const struct bench_observer *obs, FILE *err)
{
	struct engine eng, *e = &eng;
	struct bench_cpu cpu0, cpu1, srv0 = { 0, 0 }, srv1 = { 0, 0 };
	uint64_t ramp_ms = 0, runtime_ms = 0, window_end = 0, wait;
	size_t i, k, ci = 0, conn_i = 0;
	unsigned active;
	int server_pid = 0, rc = -1;
	bool have_runtime = true;

	memset(e, 0, sizeof(*e));
	e->devnull = -1;
	e->obs = obs;
	for (i = 0; i < njobs; i++) {
		e->nclones += jobs[i].numjobs;
		e->nconns += (size_t)jobs[i].numjobs * jobs[i].iodepth;
		if (jobs[i].ramp_ms > ramp_ms)
			ramp_ms = jobs[i].ramp_ms;
		/* the run ends at the longest runtime; a job without one
		 * ends when its requests are done */
		if (jobs[i].runtime_ms == 0)
			have_runtime = false;
		else if (jobs[i].runtime_ms > runtime_ms)
			runtime_ms = jobs[i].runtime_ms;
		if (jobs[i].time_based)
			e->time_based = true;
		if (jobs[i].server_pid > 0)
			server_pid = jobs[i].server_pid;
	}
	e->clones = calloc(e->nclones, sizeof(*e->clones));
	e->conns = calloc(e->nconns, sizeof(*e->conns));
	e->scratch = malloc(SCRATCH_BUF);
	if (e->clones == NULL || e->conns == NULL || e->scratch == NULL)
		abort();
	e->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (e->devnull < 0) {
		fprintf(err, "ringbench: /dev/null: %s\n", strerror(errno));
		goto out;
	}
	if (ring_init(e, err) < 0)
		goto out;

	for (i = 0; i < njobs; i++) {
		for (k = 0; k < jobs[i].numjobs; k++, ci++) {
			struct clone *cl = &e->clones[ci];
			const struct bench_job *j = &jobs[i];
			unsigned d;

			cl->job = j;
			cl->t = &targets[i];
			cl->res = &results[ci];
			bench_result_init(cl->res, j->name, (unsigned)k);
			cl->res->group = j->group;
			cl->rng = j->randseed * 0x9e3779b97f4a7c15u + ci + 1;
			if (!j->time_based) {
				cl->limit_ios = j->number_ios;
				cl->limit_bytes = j->size;
				if (cl->limit_ios == 0 && cl->limit_bytes == 0) {
					/* fio's default: one pass over the files */
					if (j->rw == BENCH_RW_READ || j->rw == BENCH_RW_RW)
						cl->limit_ios = targets[i].npaths;
					else
						cl->limit_bytes = targets[i].total_size;
				}
			}
			for (d = 0; d < j->iodepth; d++, conn_i++) {
				struct conn *c = &e->conns[conn_i];

				c->cl = cl;
				c->fd = -1;
				c->pipefd[0] = c->pipefd[1] = -1;
				/* zeroed: memory checkers cannot see the
				 * kernel fill it through the ring */
				c->buf_cap = j->verify != BENCH_VERIFY_NONE ?
				    verify_buf_size(e->nconns) : CONN_BUF;
				c->buf = calloc(1, c->buf_cap);
				if (c->buf == NULL)
					abort();
				/* the pre-flight opened one: only memory
				 * can be missing now */
				if (bench_digest_open(&c->digest, j->verify) < 0)
					abort();
				cl->active++;
			}
		}
	}

	e->now = e->t0 = clock_ns();
	if (ramp_ms > 0)
		e->window_start = e->t0 + ramp_ms * 1000000u;
	else
		start_window(e, &cpu0, &srv0, server_pid);
	if (have_runtime || e->time_based)
		e->deadline = e->t0 + (ramp_ms + runtime_ms) * 1000000u;
	for (i = 0; i < e->nconns; i++)
		conn_next(e, &e->conns[i]);

	for (;;) {
		if (!e->measuring && e->now >= e->window_start)
			start_window(e, &cpu0, &srv0, server_pid);
		if (e->deadline != 0 && e->now >= e->deadline) {
			window_end = e->deadline;
			break;
		}
		for (active = 0, i = 0; i < e->nclones; i++)
			active += e->clones[i].active;
		if (active == 0) {
			window_end = e->now;
			break;
		}
		wait = TICK_MS * 1000000u;
		if (!e->measuring && e->window_start - e->now < wait)
			wait = e->window_start - e->now;
		if (e->deadline != 0 && e->deadline - e->now < wait)
			wait = e->deadline - e->now;
		reap(e, wait > 0 ? wait : 1);
		check_timeouts(e);
		observe(e, obs, results);
	}
	if (!e->measuring)
		start_window(e, &cpu0, &srv0, server_pid);
	bench_proc_self_cpu(&cpu1);
	if (server_pid > 0 && bench_proc_tree_cpu(server_pid, &srv1) < 0)
		srv1 = srv0;
	drain(e);
	bench_write_verify(jobs, njobs, targets, results, err);

	bench_result_init(total, "total", 0);
	for (i = 0; i < e->nclones; i++) {
		struct bench_result *r = e->clones[i].res;

		r->elapsed_ns = window_end > e->window_start ?
		    window_end - e->window_start : 0;
		/* one thread serves every job: each shows the process's CPU */
		r->cpu_usr_s = cpu1.usr_s - cpu0.usr_s;
		r->cpu_sys_s = cpu1.sys_s - cpu0.sys_s;
		bench_result_merge(total, r);
	}
	total->cpu_usr_s = cpu1.usr_s - cpu0.usr_s;
	total->cpu_sys_s = cpu1.sys_s - cpu0.sys_s;
	if (server_pid > 0) {
		total->server_pid = server_pid;
		total->server_usr_s = srv1.usr_s - srv0.usr_s;
		total->server_sys_s = srv1.sys_s - srv0.sys_s;
	}
	io_uring_queue_exit(&e->ring);
	rc = 0;
out:
	for (i = 0; i < e->nconns; i++) {
		conn_close(&e->conns[i]);
		if (e->conns[i].pipefd[0] >= 0) {
			close(e->conns[i].pipefd[0]);
			close(e->conns[i].pipefd[1]);
		}
		free(e->conns[i].buf);
		bench_digest_close(&e->conns[i].digest);
	}
	if (e->devnull >= 0)
		close(e->devnull);
	free(e->scratch);
	free(e->conns);
	free(e->clones);
	return rc;
}
