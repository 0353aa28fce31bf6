/*
 * respond_ranges.c: multipart/byteranges responses (see respond_ranges.h).
 *
 * The response goes out in pieces: the header with the first part's
 * header (one SEND), the first part's bytes (the engine), the next
 * part's header (one SEND), its bytes, ... and the close (one SEND).
 * Between two parts the engine is released and started again on the next
 * range, so every engine serves parts exactly as it serves one range.
 * What the response needs between pieces lives in one pool buffer: no
 * allocation per request, and nothing added to every connection's slot.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "multipart.h"
#include "ranges.h"
#include "respond_ranges.h"
#include "server.h"

#define RANGES_BUF_SIZE (CONN_HEADER_MAX + CONN_SMALL_BODY_MAX)

struct ranges_state {
	struct range_set set;
	uint64_t size;                  /* the file's, for Content-Range */
	unsigned part;                  /* whose bytes are in flight; set.count: the close */
	const char *type;               /* the file's Content-Type (a static string) */
	char boundary[MULTIPART_BOUNDARY_LEN + 1];
	char content_type[64];
	char part_type[160];            /* type, then the sibling's
					   Content-Encoding, for each part */
	char text[];                    /* the piece being sent from memory */
};

/* The response header and the first part's header fit behind the state. */
_Static_assert(sizeof(struct ranges_state) + CONN_HEADER_MAX + 512 <= RANGES_BUF_SIZE,
    "a pool buffer must hold the multipart state and its first piece");

#define TEXT_CAP (RANGES_BUF_SIZE - offsetof(struct ranges_state, text))

/* A multipart response holds its buffer until its last byte is sent,
 * which a slow client can make last: at most this share of the pool, so
 * small bodies, redirects and the status page always find buffers.
 * Past it, the whole file goes out. */
#define RANGES_BUFS_MAX (CONN_SMALL_BUFS / 4)
static unsigned bufs_held;

/* A boundary no client can predict, so no file can be made to hold the
 * boundary of a response that will carry it.  getrandom(2) costs less
 * than the response's other system calls; should it fail, the clock and
 * a counter still make every boundary differ. */
static uint64_t
boundary_number(void)
{
	static uint64_t counter;
	uint64_t n;
	struct timespec ts;

	if (getrandom(&n, sizeof(n), GRND_NONBLOCK) == (ssize_t)sizeof(n))
		return n;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (++counter << 48) ^
	    (uint64_t)getpid();
	/* splitmix64's finaliser */
	n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9ULL;
	n = (n ^ (n >> 27)) * 0x94d049bb133111ebULL;
	return n ^ (n >> 31);
}

bool
respond_ranges_start(struct server *s, struct conn *c, const struct http_response *whole,
    const struct range_set *set)
{
	char *buf = bufs_held < RANGES_BUFS_MAX ? bufpool_get(&s->small_bufs) : NULL;
	struct ranges_state *st = (struct ranges_state *)(void *)buf;
	struct http_response r = *whole;
	const struct range_span *first;
	int head, part;

	if (buf == NULL)
		return false;
	st->set.count = set->count;
	memcpy(st->set.span, set->span, set->count * sizeof(set->span[0]));
	st->size = whole->file_size;
	st->part = 0;
	st->type = whole->content_type != NULL ? whole->content_type : "application/octet-stream";
	/* A precompressed sibling's ranges are of its encoded bytes: each
	 * part says so, not the multipart body, which is not encoded. */
	if (whole->content_encoding != NULL) {
		int n = snprintf(st->part_type, sizeof(st->part_type),
		    "%s\r\nContent-Encoding: %s", st->type, whole->content_encoding);

		if (n < 0 || (size_t)n >= sizeof(st->part_type)) {
			bufpool_put(&s->small_bufs, buf);
			return false;
		}
		st->type = st->part_type;
		r.content_encoding = NULL;
	}
	multipart_boundary(boundary_number(), st->boundary);
	snprintf(st->content_type, sizeof(st->content_type), "multipart/byteranges; boundary=%s",
	    st->boundary);
	r.status = 206;
	r.content_type = st->content_type;
	r.content_length = multipart_length(&st->set, st->boundary, st->type, st->size);
	r.content_range = false;
	first = &st->set.span[0];
	head = http_format_response(st->text, TEXT_CAP, &r, s->now_sec);
	part = head < 0 ? -1 : multipart_part_header(st->text + head, TEXT_CAP - (size_t)head,
	    st->boundary, st->type, 0, first->first, first->last, st->size);
	if (part < 0) {
		bufpool_put(&s->small_bufs, buf);
		return false;
	}
	c->multipart = buf;
	bufs_held++;
	c->hlen = (uint32_t)head;
	c->status = 206;
	c->file_off = first->first;
	c->file_end = first->last + 1;
	conn_send(s, c, st->text, (uint32_t)(head + part));
	return true;
}

bool
respond_ranges_next(struct server *s, struct conn *c)
{
	struct ranges_state *st = (struct ranges_state *)(void *)c->multipart;
	int len;

	if (st == NULL || st->part >= st->set.count)
		return false;
	/* The engine is done with this part: the next starts it afresh (a
	 * splice pipe goes back to the pool empty and comes out again). */
	xfer_release(s, c);
	st->part++;
	if (st->part < st->set.count) {
		const struct range_span *sp = &st->set.span[st->part];

		len = multipart_part_header(st->text, TEXT_CAP, st->boundary, st->type, st->part,
		    sp->first, sp->last, st->size);
		c->file_off = sp->first;
		c->file_end = sp->last + 1;
	} else {
		len = multipart_close(st->text, TEXT_CAP, st->boundary);
		c->file_off = c->file_end = 0;
	}
	if (len < 0) {
		/* cannot happen with TEXT_CAP; never send a wrong length */
		conn_close(s, c, "cannot format a multipart piece");
		return true;
	}
	conn_send_more(s, c, st->text, (uint32_t)len);
	return true;
}

void
respond_ranges_release(struct server *s, struct conn *c)
{
	if (c->multipart == NULL)
		return;
	bufpool_put(&s->small_bufs, c->multipart);
	c->multipart = NULL;
	bufs_held--;
}
