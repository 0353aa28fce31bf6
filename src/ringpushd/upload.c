/*
 * upload.c: PUT and DELETE (see upload.h).
 *
 * A PUT is judged before a byte of its body is read: token, framing,
 * size, path, the target's directory and the target itself, the
 * preconditions.  Then the new file is made unnamed in the target's
 * directory, the body moves socket -> pipe -> file in rounds of two
 * hard-linked IORING_OP_SPLICEs (as the splice engine does the other
 * way), and only a complete body is linked into place.  The socket is
 * non-blocking: a round that finds no bytes (-EAGAIN) waits for POLLIN on
 * the ring.  Body bytes that arrived with the header are written first,
 * from the request buffer.  A chunked body is decoded from a buffer, but
 * the data of a long chunk, once its size is known, is spliced the same
 * way.
 *
 * The metadata steps (opening the directory, fstatat, creating, linking,
 * renaming, unlinking) are plain system calls on the daemon's thread:
 * one each per request, on a directory just resolved; upload_file.c
 * holds those that make and publish the new file.  While a round waits
 * for bytes, the socket's SO_RCVLOWAT asks for half a pipe.
 *
 * System calls and io_uring operations of the upload path, both files
 * (for the confinement allow-lists):
 *   system calls: openat2 (the directory, O_RDONLY | O_DIRECTORY; where
 *     it is missing, openat with O_PATH / O_NOFOLLOW, one per component),
 *     fstatat, openat (O_TMPFILE, or O_CREAT | O_EXCL for a hidden name),
 *     pwrite64, fstat, linkat (/proc/self/fd/N with AT_SYMLINK_FOLLOW,
 *     else AT_EMPTY_PATH), renameat, renameat2 (RENAME_NOREPLACE),
 *     unlinkat, getrandom, setsockopt (SO_RCVLOWAT), close
 *   io_uring: IORING_OP_SPLICE (socket -> pipe, pipe -> file),
 *     IORING_OP_POLL_ADD (POLLIN), IORING_OP_FSYNC, IORING_OP_SEND
 *     (100 Continue); the response goes out through send.c (SEND)
 *   files: /proc/self/fd (read-only lookups, to link an O_TMPFILE)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "respond.h"
#include "server.h"
#include "upload.h"

#define NOT_ISSUED INT_MIN

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

void
upload_init(struct upload *u)
{
	u->phase = UPLOAD_NONE;
	u->tmp_fd = u->dir_fd = -1;
	u->tmp_name[0] = '\0';
	u->name_off = 0;
	u->length = u->taken = u->written = 0;
	u->in_res = u->out_res = NOT_ISSUED;
	u->ops = 0;
	u->granted = 0;
	u->status = 0;
	u->throttled = false;
	u->chunked = false;
	u->splicing = false;
	u->buf = NULL;
	u->buf_size = u->buf_len = u->buf_done = 0;
	u->lowat = 1;
}

void
upload_release(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;

	/* a new file not put in place: cut short, timed out, failed */
	if (u->tmp_fd >= 0 && u->status != 201 && u->status != 204)
		s->m.uploads_total[u->status == 507 ? METRICS_UPLOAD_NO_SPACE :
		    u->status == 499 || u->status == 408 ? METRICS_UPLOAD_ABORTED :
		    METRICS_UPLOAD_FAILED]++;
	if (u->tmp_name[0] != '\0' && u->dir_fd >= 0)
		unlinkat(u->dir_fd, u->tmp_name, 0);
	u->tmp_name[0] = '\0';
	if (u->tmp_fd >= 0)
		close(u->tmp_fd);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	if (c->pipe.rd >= 0 && u->phase != UPLOAD_NONE) {
		pipepool_put(&s->pipes, &c->pipe, c->bytes_in_pipe == 0);
		c->bytes_in_pipe = 0;
	}
	if (u->buf != NULL)
		bufpool_put(u->buf_size == XFER_COPY_CHUNK ? &s->copy_bufs :
		    &s->small_bufs, u->buf);
	upload_init(u);
}

/* ---- answers ---- */

/* The upload failed: what was written goes away, the client gets status
 * and the connection ends (the rest of the body is not read). */
static void
upload_fail(struct server *s, struct conn *c, int status)
{
	c->upload.status = status;      /* counted by upload_release() */
	upload_release(s, c);
	respond_error(s, c, status, true);
}

void
upload_abort(struct server *s, struct conn *c, int status, const char *why)
{
	if (c->state == CONN_RECV_BODY) {
		c->upload.status = status;      /* counted by upload_release() */
		c->status = status;             /* logged by conn_close() */
	}
	conn_close(s, c, why);
}

/* A refusal before any body byte was read.  A body that may follow is
 * not read: the connection closes after the answer. */
static void
refuse(struct server *s, struct conn *c, const struct http_request *req, int status)
{
	s->m.uploads_total[METRICS_UPLOAD_REFUSED]++;
	upload_release(s, c);
	respond_error(s, c, status, req->chunked || req->content_length > 0);
}

static void
send_response(struct server *s, struct conn *c, const struct http_response *r)
{
	int len = http_format_response(c->hbuf, CONN_HEADER_MAX, r, s->now_sec);

	if (len < 0) {
		respond_error(s, c, 500, true);
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = r->status;
	c->file_off = c->file_end = 0;
	conn_send(s, c, c->hbuf, c->hlen);
}

/* 401 with the challenges curl, browsers and fio understand. */
static void
refuse_unauthorized(struct server *s, struct conn *c)
{
	struct http_response r = {
		.status = 401,
		.keep_alive = false,
		.extra_fields = "WWW-Authenticate: Bearer realm=\"ringpushd\"\r\n"
		    "WWW-Authenticate: Basic realm=\"ringpushd\"\r\n",
	};

	s->m.uploads_total[METRICS_UPLOAD_REFUSED]++;
	c->close_after = true;
	send_response(s, c, &r);
}

/* A round that found the socket empty waits until a pipe's worth (or the
 * rest of the body) has arrived, not for the first segment: fewer and
 * fuller rounds, each one two trips through the kernel's workers. */
static void
set_lowat(struct conn *c, uint32_t lowat)
{
	int v = (int)lowat;

	if (c->upload.lowat == lowat)
		return;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0)
		c->upload.lowat = lowat;
}

/* The new file is in place: invalidate the open-file cache's fd of the
 * old one, and answer with the new ETag. */
static void
upload_done(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	char etag[FILE_ETAG_MAX];
	struct http_response r = {
		.status = u->status,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
	};
	struct stat st;

	fdcache_forget_name(&s->files, c->path, c->path_len);
	/* the next request on the connection wakes on its first byte */
	set_lowat(c, 1);
	if (fstat(u->tmp_fd, &st) == 0) {
		file_etag((uint64_t)st.st_size, st.st_mtim.tv_sec,
		    (uint32_t)st.st_mtim.tv_nsec, etag);
		r.etag = etag;
	}
	s->m.uploads_total[u->status == 201 ? METRICS_UPLOAD_CREATED : METRICS_UPLOAD_REPLACED]++;
	upload_release(s, c);
	send_response(s, c, &r);
}

static void
submit_sync(struct server *s, struct conn *c, int fd)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_fsync(sqe, fd, 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_SYNC, c->slot, c->gen));
	c->inflight++;
	c->upload.ops++;
}

/* Every body byte is in the file: sync it if asked, then publish. */
static void
body_complete(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;

	timer_clear(&c->timer);
	if (c->lst->conf->upload_fsync && u->phase == UPLOAD_BODY) {
		u->phase = UPLOAD_SYNC_FILE;
		submit_sync(s, c, u->tmp_fd);
		return;
	}
	u->status = upload_publish(c, c->lst->conf->upload_overwrite);
	if (u->status >= 300) {
		upload_fail(s, c, u->status);
		return;
	}
	if (c->lst->conf->upload_fsync) {
		u->phase = UPLOAD_SYNC_DIR;
		submit_sync(s, c, u->dir_fd);
		return;
	}
	upload_done(s, c);
}

/* ---- the body: socket -> pipe -> file ---- */

static void chunked_next(struct server *s, struct conn *c);

/* Body bytes the socket may still give to splice rounds: the rest of the
 * body, or of the chunk whose data is arriving. */
static uint64_t
body_left(const struct upload *u)
{
	return u->chunked ? chunked_data_left(&u->dec) : u->length - u->taken;
}

static void
body_round(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	uint64_t left = body_left(u);
	unsigned chunk = left < c->pipe.capacity ? (unsigned)left : c->pipe.capacity;
	struct io_uring_sqe *sqe;

	chunk = conn_rate_grant(s, c, chunk);
	u->throttled = chunk == 0;
	if (chunk == 0)
		return;         /* upload_resume() on a later tick */
	u->granted = chunk;
	ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_splice(sqe, c->fd, -1, c->pipe.wr, -1, chunk,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	sqe->flags |= IOSQE_IO_HARDLINK;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_IN, c->slot, c->gen));
	sqe = ring_sqe(&s->ring);
	io_uring_prep_splice(sqe, c->pipe.rd, -1, u->tmp_fd, (int64_t)u->written, chunk,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_OUT, c->slot, c->gen));
	c->inflight += 2;
	u->ops += 2;
	u->in_res = u->out_res = NOT_ISSUED;
}

/* Write what the pipe holds without taking more from the socket. */
static void
body_drain(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_splice(sqe, c->pipe.rd, -1, u->tmp_fd, (int64_t)u->written,
	    c->bytes_in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_OUT, c->slot, c->gen));
	c->inflight++;
	u->ops++;
	u->in_res = u->out_res = NOT_ISSUED;
}

static void
wait_readable(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe;
	uint64_t left = body_left(&c->upload);
	uint32_t want = c->pipe.capacity / 2;

	set_lowat(c, left < want ? (uint32_t)left : want);
	sqe = ring_sqe(&s->ring);

	io_uring_prep_poll_add(sqe, c->fd, POLLIN);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_POLL, c->slot, c->gen));
	c->inflight++;
	c->upload.ops++;
	c->upload.in_res = c->upload.out_res = NOT_ISSUED;
}

/* The round's operations have all completed: the next step. */
static void
body_advance(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	int in = u->in_res, out = u->out_res;

	if (out != NOT_ISSUED && out < 0 && out != -EAGAIN) {
		log_warn("upload: writing %s failed: %s", c->path, strerror(-out));
		upload_fail(s, c, upload_errno_status(-out));
		return;
	}
	if (in != NOT_ISSUED && in < 0 && in != -EAGAIN) {
		upload_abort(s, c, 499, strerror(-in));
		return;
	}
	if (in == 0) {
		/* the client ended before its body did */
		upload_abort(s, c, 499, "upload body cut short");
		return;
	}
	if (c->bytes_in_pipe > 0) {
		body_drain(s, c);
		return;
	}
	if (u->chunked) {
		/* what the round took of the chunk is written */
		if (in == -EAGAIN)
			wait_readable(s, c);
		else
			chunked_next(s, c);
		return;
	}
	if (u->written >= u->length) {
		body_complete(s, c);
		return;
	}
	if (in == -EAGAIN) {
		wait_readable(s, c);
		return;
	}
	body_round(s, c);
}

/* ---- a chunked body: socket -> buffer (decoded in place) -> file ---- */

/* The data of a chunk this long or longer, past what the buffer held, is
 * spliced: below it, a splice round costs more than the copy it saves. */
#define UPLOAD_SPLICE_MIN (64u << 10)

/* Decode the n bytes at p in place (data to the front, *data of them)
 * and check the size bound.  Returns 0 or the status to fail with. */
static int
chunked_take(struct conn *c, char *p, size_t n, size_t *data)
{
	struct upload *u = &c->upload;

	if (chunked_decode(&u->dec, p, n, data) < 0)
		return 400;
	/* mid-stream: a chunked body has no length to refuse up front, but
	 * a chunk's size line says what its data will make of the total */
	if (u->dec.total + chunked_data_left(&u->dec) > c->lst->conf->upload_max_size)
		return 413;
	return 0;
}

static void
chunked_recv(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	uint32_t want = conn_rate_grant(s, c, u->buf_size);
	struct io_uring_sqe *sqe;

	u->throttled = want == 0;
	if (want == 0)
		return;
	u->granted = want;
	/* a size line may be all that is left to come: wake on any byte */
	set_lowat(c, 1);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_recv(sqe, c->fd, u->buf, want, 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_RECV, c->slot, c->gen));
	c->inflight++;
	u->ops++;
}

static void
chunked_write(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_write(sqe, u->tmp_fd, u->buf + u->buf_done, u->buf_len - u->buf_done,
	    u->written);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_OUT, c->slot, c->gen));
	c->inflight++;
	u->ops++;
}

/* Whether the rest of the current chunk's data goes socket -> pipe ->
 * file: long enough, and a pipe to be had.  (chunked_take() refused a
 * chunk that would pass upload_max_size when its size line came.) */
static bool
chunked_splices(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;
	uint64_t left = chunked_data_left(&u->dec);

	if (left < UPLOAD_SPLICE_MIN)
		return false;
	if (c->pipe.rd < 0) {
		if (pipepool_get(&s->pipes, &c->pipe) < 0)
			return false;
		c->bytes_in_pipe = 0;
	}
	return true;
}

/* What the buffer holds is written: the next piece, or the end. */
static void
chunked_next(struct server *s, struct conn *c)
{
	struct upload *u = &c->upload;

	u->splicing = false;
	if (u->buf_done < u->buf_len) {
		chunked_write(s, c);
	} else if (chunked_done(&u->dec)) {
		body_complete(s, c);
	} else if (chunked_splices(s, c)) {
		u->splicing = true;
		body_round(s, c);
	} else {
		chunked_recv(s, c);
	}
}

static void
chunked_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	struct upload *u = &c->upload;
	size_t data;
	int status;

	if (op == OP_UPLOAD_RECV) {
		if ((uint32_t)(res > 0 ? res : 0) < u->granted)
			conn_rate_refund(s, c, u->granted - (uint32_t)(res > 0 ? res : 0));
		u->granted = 0;
		if (c->state != CONN_RECV_BODY)
			return;
		if (res <= 0) {
			upload_abort(s, c, 499, res == 0 ? "upload body cut short" :
			    strerror(-res));
			return;
		}
		c->bytes_received += (uint64_t)res;
		s->m.bytes_received_total += (uint64_t)res;
		timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
		if ((status = chunked_take(c, u->buf, (size_t)res, &data)) != 0) {
			upload_fail(s, c, status);
			return;
		}
		u->buf_len = (uint32_t)data;
		u->buf_done = 0;
	} else {
		if (c->state != CONN_RECV_BODY)
			return;
		if (res <= 0) {
			upload_fail(s, c, res == 0 ? 500 : upload_errno_status(-res));
			return;
		}
		u->buf_done += (uint32_t)res;
		u->written += (uint64_t)res;
	}
	chunked_next(s, c);
}

void
upload_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	struct upload *u = &c->upload;

	u->ops--;
	if (u->chunked && !u->splicing && (op == OP_UPLOAD_RECV || op == OP_UPLOAD_OUT)) {
		chunked_complete(s, c, op, res);
		return;
	}
	switch (op) {
	case OP_UPLOAD_IN:
		u->in_res = res;
		if (res > 0) {
			c->bytes_in_pipe += (uint32_t)res;
			u->taken += (uint64_t)res;
			if (u->chunked)
				chunked_skip(&u->dec, (uint64_t)res);
			c->bytes_received += (uint64_t)res;
			s->m.bytes_received_total += (uint64_t)res;
			timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
		}
		if ((uint32_t)(res > 0 ? res : 0) < u->granted)
			conn_rate_refund(s, c, u->granted - (uint32_t)(res > 0 ? res : 0));
		u->granted = 0;
		break;
	case OP_UPLOAD_OUT:
		u->out_res = res;
		if (res > 0) {
			c->bytes_in_pipe -= (uint32_t)res;
			u->written += (uint64_t)res;
		}
		break;
	case OP_UPLOAD_CONTINUE:
		if (res != (int)sizeof(continue_line) - 1 && c->state != CONN_CLOSING) {
			upload_abort(s, c, 499, "100 Continue not sent");
			return;
		}
		if (u->chunked && !u->splicing)
			return;         /* its receive goes on by itself */
		break;
	case OP_UPLOAD_SYNC:
		if (c->state == CONN_CLOSING)
			return;
		if (res < 0) {
			log_warn("upload: fsync of %s failed: %s", c->path, strerror(-res));
			upload_fail(s, c, upload_errno_status(-res));
			return;
		}
		if (u->phase == UPLOAD_SYNC_FILE)
			body_complete(s, c);
		else
			upload_done(s, c);
		return;
	default:
		break;
	}
	if (c->state != CONN_RECV_BODY || u->ops > 0)
		return;
	body_advance(s, c);
}

void
upload_resume(struct server *s, struct conn *c)
{
	if (c->state != CONN_RECV_BODY || !c->upload.throttled)
		return;
	if (c->upload.chunked && !c->upload.splicing)
		chunked_recv(s, c);
	else
		body_round(s, c);
}

/* Body bytes that came with the header: written from the buffer, and
 * dropped from it with the request. */
static int
write_buffered(struct conn *c)
{
	struct upload *u = &c->upload;
	uint32_t here = c->rlen - c->req_len;

	if (here > u->length)
		here = (uint32_t)u->length;
	while (u->written < here) {
		ssize_t n = pwrite(u->tmp_fd, c->rbuf + c->req_len + u->written,
		    here - u->written, (off_t)u->written);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		u->written += (uint64_t)n;
	}
	u->taken = u->written;
	c->bytes_received += here;
	c->req_len += here;
	return 0;
}

static void
send_continue(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_send(sqe, c->fd, continue_line, sizeof(continue_line) - 1,
	    MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_UPLOAD_CONTINUE, c->slot, c->gen));
	c->inflight++;
	c->upload.ops++;
}

/* A chunked body: what came with the header is decoded in the request
 * buffer and written at once, the rest arrives through a pool buffer
 * (one of the copy engine's, as large as a round of it: a connection
 * runs one transfer at a time; a small one when they are all lent), or
 * through a pipe for the data of long chunks.  Bytes behind the body (a
 * pipelined request) would have been read into that buffer with it: the
 * connection closes after the answer. */
static void
start_chunked(struct server *s, struct conn *c, const struct http_request *req)
{
	struct upload *u = &c->upload;
	char *here = c->rbuf + c->req_len;
	size_t data = 0, done = 0;
	int status;

	u->chunked = true;
	c->close_after = true;
	chunked_init(&u->dec);
	u->buf_size = XFER_COPY_CHUNK;
	if ((u->buf = bufpool_get(&s->copy_bufs)) == NULL) {
		u->buf_size = CONN_HEADER_MAX + CONN_SMALL_BODY_MAX;
		u->buf = bufpool_get(&s->small_bufs);
	}
	if (u->buf == NULL) {
		upload_fail(s, c, 503);
		return;
	}
	c->bytes_received += c->rlen - c->req_len;
	s->m.bytes_received_total += c->rlen - c->req_len;
	if ((status = chunked_take(c, here, c->rlen - c->req_len, &data)) != 0) {
		upload_fail(s, c, status);
		return;
	}
	c->req_len = c->rlen;
	while (done < data) {
		ssize_t n = pwrite(u->tmp_fd, here + done, data - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			upload_fail(s, c, upload_errno_status(errno));
			return;
		}
		done += (size_t)n;
	}
	u->written = done;
	if (chunked_done(&u->dec)) {
		body_complete(s, c);
		return;
	}
	if (req->expect.p != NULL && req->version_minor >= 1 && c->bytes_received == 0 &&
	    req->expect.len == 12 && strncasecmp(req->expect.p, "100-continue", 12) == 0)
		send_continue(s, c);
	timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
	chunked_next(s, c);
}

/* ---- the request ---- */

/* If-Match, If-None-Match and If-Unmodified-Since against the target as
 * it is (st NULL: absent).  Returns 0 or 412. */
static int
preconditions(const struct http_request *req, const struct stat *st, time_t now)
{
	struct http_request cond;
	char etag[FILE_ETAG_MAX];
	static const struct http_span none;

	if (st == NULL) {
		/* no current representation: If-Match never holds, and
		 * If-None-Match always does */
		return req->if_match.p != NULL ? 412 : 0;
	}
	cond.method = req->method;
	cond.if_match = req->if_match;
	cond.if_none_match = req->if_none_match;
	cond.if_unmodified_since = req->if_unmodified_since;
	cond.if_modified_since = none;   /* GET and HEAD only */
	cond.range = cond.if_range = none;
	file_etag((uint64_t)st->st_size, st->st_mtim.tv_sec,
	    (uint32_t)st->st_mtim.tv_nsec, etag);
	/* a failed If-None-Match is 304 only for GET and HEAD */
	return file_conditional(&cond, etag, st->st_mtim.tv_sec, now) != 0 ? 412 : 0;
}

static void
upload_delete(struct server *s, struct conn *c, const struct http_request *req,
    const struct stat *st)
{
	struct upload *u = &c->upload;
	struct http_response r = {
		.status = 204,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
	};

	if (st == NULL) {
		refuse(s, c, req, 404);
		return;
	}
	if (unlinkat(u->dir_fd, c->path + u->name_off, 0) == -1) {
		refuse(s, c, req, upload_errno_status(errno));
		return;
	}
	fdcache_forget_name(&s->files, c->path, c->path_len);
	s->m.uploads_total[METRICS_UPLOAD_DELETED]++;
	upload_release(s, c);
	send_response(s, c, &r);
}

void
upload_request(struct server *s, struct conn *c, const struct http_request *req)
{
	const struct conf_listener *lc = c->lst->conf;
	struct upload *u = &c->upload;
	struct stat st;
	bool exists;
	int status, fd;

	upload_init(u);
	c->bytes_received = 0;
	/* a DELETE's body is never read: the stream ends with it */
	if (req->method == HTTP_DELETE && (req->chunked || req->content_length > 0))
		c->close_after = true;
	if (!auth_check(lc->upload_tokens, req->authorization)) {
		refuse_unauthorized(s, c);
		return;
	}
	/* checked again here: hidden names are this file's temporaries */
	if (http_path_hidden(req->path)) {
		refuse(s, c, req, 403);
		return;
	}
	if (req->method == HTTP_PUT) {
		if (req->transfer_encoding && !req->chunked) {
			refuse(s, c, req, 501);
			return;
		}
		if (!req->has_content_length && !req->chunked) {
			refuse(s, c, req, 411);
			return;
		}
		if (req->content_length > lc->upload_max_size) {
			refuse(s, c, req, 413);
			return;
		}
	}
	if (req->path_len + 1 > CONN_PATH_MAX) {
		refuse(s, c, req, 414);
		return;
	}
	memcpy(c->path, req->path, req->path_len + 1);
	c->path_len = c->req_path_len = (uint32_t)req->path_len;
	if ((status = upload_open_parent(c)) != 0) {
		refuse(s, c, req, status);
		return;
	}
	exists = fstatat(u->dir_fd, c->path + u->name_off, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT) {
		refuse(s, c, req, upload_errno_status(errno));
		return;
	}
	if (exists && (S_ISLNK(st.st_mode) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))) {
		refuse(s, c, req, 403);
		return;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		refuse(s, c, req, 409);
		return;
	}
	if ((status = preconditions(req, exists ? &st : NULL, s->now_sec)) != 0) {
		refuse(s, c, req, status);
		return;
	}
	if (req->method == HTTP_DELETE) {
		upload_delete(s, c, req, exists ? &st : NULL);
		return;
	}
	if (exists && !lc->upload_overwrite) {
		refuse(s, c, req, 409);
		return;
	}
	fd = upload_create_file(u);
	if (fd < 0) {
		log_warn("upload: cannot create a file for %s: %s", c->path, strerror(-fd));
		refuse(s, c, req, upload_errno_status(-fd));
		return;
	}
	u->tmp_fd = fd;
	u->length = req->content_length;
	u->phase = UPLOAD_BODY;
	c->state = CONN_RECV_BODY;
	if (req->chunked) {
		start_chunked(s, c, req);
		return;
	}
	if ((status = write_buffered(c)) != 0) {
		upload_fail(s, c, upload_errno_status(-status));
		return;
	}
	s->m.bytes_received_total += u->written;
	if (u->written >= u->length) {
		body_complete(s, c);
		return;
	}
	if ((status = pipepool_get(&s->pipes, &c->pipe)) < 0) {
		errno = -status;
		log_err("upload: no pipe for connection %u", c->slot);
		upload_fail(s, c, 503);
		return;
	}
	c->bytes_in_pipe = 0;
	/* 100 only now that the header, the token and the size passed, and
	 * only when the client waits for it (no body byte came yet) */
	if (req->expect.p != NULL && req->version_minor >= 1 && u->written == 0 &&
	    req->expect.len == 12 && strncasecmp(req->expect.p, "100-continue", 12) == 0)
		send_continue(s, c);
	timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
	body_round(s, c);
}
