/*
 * respond.c: what to answer a request with.
 *
 * conn.c owns the connection's life (receive, deadlines, close) and
 * send.c its sending; this file decides the response: the method and
 * path rules, the status endpoint, the open on the ring (or the
 * open-file cache), directories and their redirects, conditionals,
 * ranges, the small-body path and every error status.  It starts a response through conn_send() and
 * leaves the body to the listener's engine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "probe.h"
#include "http.h"
#include "ranges.h"
#include "respond.h"
#include "respond_precomp.h"
#include "respond_ranges.h"
#include "server.h"
#include "upload.h"

#define ALLOW_METHODS "GET, HEAD"

/* Map an errno from opening a request path to the status it deserves —
 * the one place this mapping is made. */
int
respond_errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case EXDEV:       /* RESOLVE_BENEATH: the path leaves the root */
	case ELOOP:       /* a symlink loop or a magic link */
		return 404;
	case EACCES:
	case EPERM:
	case ENXIO:       /* a socket or a FIFO without writer */
	case ENODEV:
		return 403;
	case ENAMETOOLONG:
		return 414;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return 503;
	default:
		return 500;
	}
}


/* The small-body path: header and body in one piece of memory, and one
 * SEND carries both.  For the whole of a file whose bytes the open-file
 * cache keeps, that memory is the kept copy with the header in front
 * (fdcache_response): nothing is copied.  Otherwise a pool buffer takes
 * the header and the body: the kept bytes of a range, or the file read
 * first (page-cache reads complete inline), kept for the next requests
 * when it is the whole file.  Returns false when no buffer is free. */
static bool
start_small_response(struct server *s, struct conn *c, uint64_t off, uint32_t len)
{
	struct fdcache_entry *e = c->file_entry;
	const struct fdcache_body *kept = e != NULL ? e->kept : NULL;
	struct io_uring_sqe *sqe;
	char *buf;

	if (kept != NULL && off == 0 && len == kept->len &&
	    (c->out_body = fdcache_response(&s->files, e, c->hbuf, c->hlen)) != NULL) {
		s->m.file_cache_hits_total++;
		c->file_off = c->file_end = 0;
		conn_file_put(s, c);
		conn_send(s, c, fdcache_kept_bytes(c->out_body) - c->hlen, c->hlen + len);
		return true;
	}
	if ((buf = bufpool_get(&s->small_bufs)) == NULL)
		return false;
	memcpy(buf, c->hbuf, c->hlen);
	c->small_buf = buf;
	c->file_off = c->file_end = 0;
	if (kept != NULL && off + len <= kept->len) {
		memcpy(buf + c->hlen, fdcache_kept_bytes(kept) + off, len);
		s->m.file_cache_hits_total++;
		conn_file_put(s, c);
		conn_send(s, c, buf, c->hlen + len);
		return true;
	}
	c->keep_body = e != NULL && kept == NULL && off == 0 &&
	    (uint64_t)e->st.st_size == len;
	/* READ linked to SEND: a short read (the file shrank) fails the
	 * link, so the SEND ends with -ECANCELED and never sends bytes the
	 * buffer does not hold.  Both go in one submission. */
	ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_read(sqe, c->file_fd, buf + c->hlen, len, off);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_READ, c->slot, c->gen));
	c->inflight++;
	conn_send(s, c, buf, c->hlen + len);
	return true;
}


void
respond_error(struct server *s, struct conn *c, int status, bool close_after)
{
	const char *allow = status == 405 || status == 501 ? ALLOW_METHODS : NULL;
	int len;

	/* An HTTP/1.0 client is not told about keep-alive in an error
	 * response, so it cannot reuse the connection: close it. */
	if (close_after || http_status_closes(status) || c->version_minor == 0)
		c->close_after = true;
	len = c->head ?
	    http_format_error_head(c->hbuf, CONN_HEADER_MAX, status, !c->close_after, allow, s->now_sec) :
	    http_format_error(c->hbuf, CONN_HEADER_MAX, status, !c->close_after, allow, s->now_sec);
	if (len < 0) {
		conn_close(s, c, "cannot format an error response");
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = status;
	c->file_off = c->file_end = 0;
	conn_send(s, c, c->hbuf, c->hlen);
}


static void
respond_header(struct server *s, struct conn *c, const struct http_response *r)
{
	int len = http_format_response(c->hbuf, CONN_HEADER_MAX, r, s->now_sec);

	if (len < 0) {
		conn_file_put(s, c);
		respond_error(s, c, 500, true);
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = r->status;
	conn_send(s, c, c->hbuf, c->hlen);
}


/* A redirect's header goes out from a pool buffer when its Location does
 * not fit hbuf; the buffer holds the longest one. */
_Static_assert(HTTP_LOCATION_MAX + 512 <= CONN_HEADER_MAX + CONN_SMALL_BODY_MAX,
    "a pool buffer must hold a 301 with the longest Location");


/* A directory named without its trailing slash: send the client to the
 * name with one, keeping the query.  The Location comes from the decoded
 * path (see http_format_location), not from the raw target. */
static void
respond_redirect(struct server *s, struct conn *c)
{
	static char location[HTTP_LOCATION_MAX];
	const char *t = c->rbuf + c->target.off;
	const char *q = memchr(t, '?', c->target.len);
	struct http_response r = {
		.status = 301,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
		.head = true,           /* Content-Length: 0 and no body */
		.location = location,
		.cache_control = c->lst->conf->cache_control,
		.extra_fields = c->lst->conf->add_headers,
	};
	char *buf;
	int len;

	if (http_format_location(c->path, c->path_len, q != NULL ? q + 1 : NULL,
	    q != NULL ? c->target.len - (size_t)(q + 1 - t) : 0, location,
	    sizeof(location)) < 0) {
		respond_error(s, c, 414, true);
		return;
	}
	c->file_off = c->file_end = 0;
	len = http_format_response(c->hbuf, CONN_HEADER_MAX, &r, s->now_sec);
	if (len > 0) {
		c->hlen = (uint32_t)len;
		c->status = r.status;
		conn_send(s, c, c->hbuf, c->hlen);
		return;
	}
	buf = bufpool_get(&s->small_bufs);
	if (buf == NULL) {
		respond_error(s, c, 503, false);
		return;
	}
	len = http_format_response(buf, CONN_HEADER_MAX + CONN_SMALL_BODY_MAX, &r, s->now_sec);
	if (len < 0) {
		bufpool_put(&s->small_bufs, buf);
		respond_error(s, c, 500, true);
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = r.status;
	c->small_buf = buf;
	conn_send(s, c, buf, (uint32_t)len);
}



/* Where the ring has no IORING_OP_OPENAT2: the same open as a system
 * call, its result posted as the ring's completion would be. */
static void
submit_open_off_ring(struct server *s, struct conn *c, const char *rel)
{
	long fd = syscall(SYS_openat2, c->open_root->fd, rel, &c->lst->open_how,
	    sizeof(c->lst->open_how));
	int res = fd >= 0 ? (int)fd : -errno;

	if (res == -ENOSYS)
		res = file_open_beneath(c->open_root->fd, c->path);
	if (ring_post(&s->ring, ring_ud(OP_OPEN, c->slot, c->gen), res) == -1) {
		if (res >= 0)
			close(res);
		conn_close(s, c, "out of memory");
		return;
	}
	c->inflight++;
}

/* Open c->path below the listener's root on the ring, the way the
 * listener's open_how says (RESOLVE_BENEATH always).  The kernel tries
 * a cached lookup inline and only punts to a worker on a cache miss.
 * file_open_how() made open_how; file_open_beneath() is the same open as
 * a plain system call. */
static void
submit_open(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe;
	const char *rel = c->path;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	c->state = CONN_OPEN;
	c->open_root = root_get(c->lst->root);
	if (!probe_has(PROBE_OPENAT2_OP)) {
		submit_open_off_ring(s, c, rel);
		return;
	}
	sqe = ring_sqe(&s->ring);
	io_uring_prep_openat2(sqe, c->open_root->fd, rel, &c->lst->open_how);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_OPEN, c->slot, c->gen));
	c->inflight++;
}


static struct http_span
span_of(const struct conn *c, struct conn_field f)
{
	struct http_span sp = { f.len ? c->rbuf + f.off : NULL, f.len };

	return sp;
}


_Static_assert(sizeof(((struct fdcache_entry *)0)->etag) == FILE_ETAG_MAX,
    "an open-file cache entry holds an ETag");

/* The ETag of a cache entry's stat, formatted once for each size and
 * mtime the entry sees (it was a sixteenth of a small request's
 * instructions).  The tag depends on nothing else, so a match is exact. */
static const char *
entry_etag(struct fdcache_entry *e)
{
	const struct stat *st = &e->st;

	if (e->etag[0] == '\0' || e->etag_size != (uint64_t)st->st_size ||
	    e->etag_mtime_sec != (int64_t)st->st_mtim.tv_sec ||
	    e->etag_mtime_nsec != (uint32_t)st->st_mtim.tv_nsec) {
		e->etag_size = (uint64_t)st->st_size;
		e->etag_mtime_sec = (int64_t)st->st_mtim.tv_sec;
		e->etag_mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
		file_etag(e->etag_size, e->etag_mtime_sec, e->etag_mtime_nsec, e->etag);
	}
	return e->etag;
}

/* c->file_fd is open and is a regular file: answer with its bytes, a
 * part of them, 304 or 416. */
static void
respond_file(struct server *s, struct conn *c, const struct stat *st)
{
	/* Only the fields file_conditional() and file_if_range() read are
	 * set: the rest of a request (its 4 KiB path) is not needed here. */
	struct http_request cond;
	char etag[FILE_ETAG_MAX];
	const char *tag = etag;
	struct http_response r = { 0 };
	uint64_t first = 0, last = 0;
	/* precompressed = on: maybe a sibling's bytes, described by sibling */
	enum encoding encoding = ENCODING_COUNT;
	struct stat sibling;
	bool vary = respond_precomp_pick(s, c, st, &encoding, &sibling);

	if (encoding != ENCODING_COUNT)
		st = &sibling;
	cond.method = c->head ? HTTP_HEAD : HTTP_GET;
	cond.range = span_of(c, c->range);
	cond.if_range = span_of(c, c->if_range);
	cond.if_none_match = span_of(c, c->if_none_match);
	cond.if_modified_since = span_of(c, c->if_modified_since);
	cond.if_match = span_of(c, c->if_match);
	cond.if_unmodified_since = span_of(c, c->if_unmodified_since);

	if (c->file_entry != NULL && st == &c->file_entry->st) {
		tag = entry_etag(c->file_entry);
	} else {
		file_etag((uint64_t)st->st_size, st->st_mtim.tv_sec,
		    (uint32_t)st->st_mtim.tv_nsec, etag);
		if (encoding != ENCODING_COUNT)
			respond_precomp_etag(etag, encoding);
	}
	r.vary = vary ? PRECOMP_VARY : NULL;
	r.keep_alive = !c->close_after;
	r.announce_keep_alive = c->version_minor == 0;
	r.head = c->head;
	r.etag = tag;
	r.last_modified = st->st_mtim.tv_sec;
	r.ranges = true;
	r.file_size = (uint64_t)st->st_size;
	r.cache_control = c->lst->conf->cache_control;
	r.extra_fields = c->lst->conf->add_headers;
	c->file_off = c->file_end = 0;

	r.status = file_conditional(&cond, tag, st->st_mtim.tv_sec, s->now_sec);
	if (r.status == 412) {
		conn_file_put(s, c);
		respond_error(s, c, 412, false);
		return;
	}
	if (r.status == 304) {
		conn_file_put(s, c);
		respond_header(s, c, &r);
		return;
	}
	r.status = 200;
	/* the file's own type, whatever the coding */
	r.content_type = file_mime_type(c->path, c->path_len);
	if (encoding != ENCODING_COUNT)
		r.content_encoding = encoding_name(encoding);
	r.content_length = (uint64_t)st->st_size;
	/* RFC 9110 14.2: Range is defined for GET only; HEAD ignores it and
	 * describes the whole representation. */
	if (!c->head && cond.range.len > 0 && file_if_range(&cond, tag)) {
		/* one request at a time: no stack for RANGES_MAX spans */
		static struct range_set set;

		switch (ranges_parse(cond.range.p, cond.range.len, (uint64_t)st->st_size,
		    c->lst->conf->max_ranges, &set)) {
		case RANGES_OK:
			/* Several ranges: multipart/byteranges, or the
			 * whole file when no buffer is free for it. */
			if (set.count > 1) {
				if (respond_ranges_start(s, c, &r, &set))
					return;
				break;
			}
			first = set.span[0].first;
			last = set.span[0].last;
			r.status = 206;
			r.content_range = true;
			r.range_first = first;
			r.range_last = last;
			r.content_length = last - first + 1;
			break;
		case RANGES_UNSATISFIABLE:
			conn_file_put(s, c);
			/* an error: the listener's fields are for what it
			 * serves, as nginx's add_header */
			r.cache_control = r.extra_fields = NULL;
			r.status = 416;
			r.content_range = true;
			r.content_type = NULL;
			r.content_encoding = NULL;
			r.content_length = 0;
			respond_header(s, c, &r);
			return;
		case RANGES_NONE:
			break;
		}
	}
	respond_body(s, c, &r, first);
}


void
respond_body(struct server *s, struct conn *c, const struct http_response *r, uint64_t first)
{
	if (r->head || r->content_length == 0) {
		conn_file_put(s, c);
		respond_header(s, c, r);
		return;
	}
	/* Rate-limited bodies take the engine, which sends them in grants. */
	if (r->content_length <= CONN_SMALL_BODY_MAX && c->rate.rate == 0 &&
	    s->rate_total.rate == 0) {
		int len = http_format_response(c->hbuf, CONN_HEADER_MAX, r, s->now_sec);

		if (len > 0) {
			c->hlen = (uint32_t)len;
			c->status = r->status;
			if (start_small_response(s, c, first, (uint32_t)r->content_length))
				return;
		}
	}
	c->file_off = first;
	c->file_end = first + r->content_length;
	respond_header(s, c, r);
}


void
respond_opened(struct server *s, struct conn *c, int res)
{
	struct stat st;
	/* A file opened below a root that a tree swap replaced meanwhile
	 * is served, but not cached for the new tree's requests. */
	bool current_root = c->open_root == c->lst->root;

	root_put(c->open_root);
	c->open_root = NULL;
	s->m.file_open_total[res < 0 ? METRICS_OPEN_ERROR : METRICS_OPEN_OK]++;
	if (res < 0) {
		if (c->opening_index && res == -ENOENT &&
		    c->lst->conf->autoindex != AUTOINDEX_OFF) {
			respond_listing(s, c);
			return;
		}
		/* A directory without its index is not listed unless autoindex
		 * says so. */
		respond_error(s, c, c->opening_index && res == -ENOENT ? 403 :
		    respond_errno_status(-res), false);
		return;
	}
	if (fstat(res, &st) == -1) {
		int err = errno;

		close(res);
		respond_error(s, c, respond_errno_status(err), false);
		return;
	}
	if (S_ISDIR(st.st_mode) && !c->opening_index) {
		const char *index = c->lst->conf->index;
		size_t ilen = strlen(index);

		close(res);
		if (c->path[c->path_len - 1] != '/') {
			respond_redirect(s, c);
			return;
		}
		if (c->path_len + ilen + 1 > CONN_PATH_MAX) {
			respond_error(s, c, 414, false);
			return;
		}
		memcpy(c->path + c->path_len, index, ilen + 1);
		c->path_len += (uint32_t)ilen;
		c->opening_index = true;
		submit_open(s, c);
		return;
	}
	/* FIFOs, devices, sockets and an index that is a directory are never
	 * read: the open was non-blocking, so nothing waited on them. */
	if (!S_ISREG(st.st_mode)) {
		close(res);
		respond_error(s, c, 403, false);
		return;
	}
	/* O_NONBLOCK was for the open only.  Left on a regular file, it
	 * makes io_uring answer a read with -EAGAIN instead of retrying it
	 * in a worker wherever the file system lacks non-blocking buffered
	 * reads, and a small body's READ would fail on every request. */
	if (fcntl(res, F_SETFL, 0) == -1) {
		int err = errno;

		close(res);
		respond_error(s, c, respond_errno_status(err), false);
		return;
	}
	c->file_fd = res;
	c->file_entry = !current_root ? NULL : fdcache_put(&s->files, c->lst, c->path,
	    c->req_path_len, c->path, c->path_len, res, s->now_ms);
	if (c->file_entry != NULL)
		c->file_entry->st = st;
	respond_file(s, c, &st);
}


static bool
peer_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}


/* [status] path: the counters in Prometheus text, from a pool buffer. */
static void
respond_metrics(struct server *s, struct conn *c)
{
	struct http_response r = {
		.status = 200,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
		.head = c->head,
		.content_type = "text/plain; version=0.0.4; charset=utf-8",
	};
	char *buf;
	int body, head;

	if (s->conf->status_allow == STATUS_ALLOW_LOOPBACK && !peer_is_loopback(&c->peer)) {
		respond_error(s, c, 403, false);
		return;
	}
	buf = bufpool_get(&s->small_bufs);
	if (buf == NULL) {
		respond_error(s, c, 503, false);
		return;
	}
	body = server_metrics_format(s, buf + CONN_HEADER_MAX, CONN_SMALL_BODY_MAX);
	r.content_length = body > 0 ? (uint64_t)body : 0;
	head = http_format_response(c->hbuf, CONN_HEADER_MAX, &r, s->now_sec);
	if (body < 0 || head < 0) {
		bufpool_put(&s->small_bufs, buf);
		respond_error(s, c, 500, false);
		return;
	}
	if (c->head)
		body = 0;
	memmove(buf + head, buf + CONN_HEADER_MAX, (size_t)body);
	memcpy(buf, c->hbuf, (size_t)head);
	c->hlen = (uint32_t)head;
	c->status = 200;
	c->small_buf = buf;
	c->file_off = c->file_end = 0;
	conn_send_unrated(s, c, buf, (uint32_t)(head + body));
}


/* A file the open-file cache still holds for this path: no open, and no
 * fstat either: within open_file_cache_valid the one made at the open
 * stands (fdcache.h). */
static bool
try_cached(struct server *s, struct conn *c)
{
	struct fdcache_entry *e = fdcache_get(&s->files, c->lst, c->path, c->path_len, s->now_ms);

	if (e == NULL)
		return false;
	memcpy(c->path, e->name, e->name_len + 1);
	c->path_len = e->name_len;
	c->file_entry = e;
	c->file_fd = e->fd;
	respond_file(s, c, &e->st);
	return true;
}


void
respond_request(struct server *s, struct conn *c, const struct http_request *req)
{
	c->close_after = !req->keep_alive || s->stopping;
	/* draining: clients and balancers move their next request elsewhere */
	c->close_after |= s->draining;
	c->head = req->method == HTTP_HEAD;
	if (req->method == HTTP_UNKNOWN) {
		respond_error(s, c, 501, true);
		return;
	}
	if ((req->method == HTTP_PUT || req->method == HTTP_DELETE) &&
	    c->lst->conf->upload) {
		upload_request(s, c, req);
		return;
	}
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		/* A body may follow that we will not read: close after. */
		respond_error(s, c, 405, true);
		return;
	}
	if (s->conf->status_path[0] != '\0' && strcmp(req->path, s->conf->status_path) == 0) {
		respond_metrics(s, c);
		return;
	}
	if (s->conf->health_path[0] != '\0' && strcmp(req->path, s->conf->health_path) == 0) {
		respond_health(s, c);
		return;
	}
	/* Dotfiles (.git, .htpasswd, editor leftovers) are not served
	 * unless the listener says hidden_files = yes. */
	if (!c->lst->conf->hidden_files && http_path_hidden(req->path)) {
		respond_error(s, c, 404, false);
		return;
	}
	if (req->path_len + 1 > CONN_PATH_MAX) {
		respond_error(s, c, 414, true);
		return;
	}
	memcpy(c->path, req->path, req->path_len);
	c->path[req->path_len] = '\0';
	c->path_len = c->req_path_len = (uint32_t)req->path_len;
	c->opening_index = false;
	c->range = conn_field_of(c, req->range);
	c->if_range = conn_field_of(c, req->if_range);
	c->if_none_match = conn_field_of(c, req->if_none_match);
	c->if_modified_since = conn_field_of(c, req->if_modified_since);
	c->if_match = conn_field_of(c, req->if_match);
	c->if_unmodified_since = conn_field_of(c, req->if_unmodified_since);
	c->accept_encoding = conn_field_of(c, req->accept_encoding);
	if (try_cached(s, c))
		return;
	submit_open(s, c);
}

