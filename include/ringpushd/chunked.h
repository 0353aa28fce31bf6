/*
 * chunked.h: a decoder of the chunked transfer coding (RFC 9112 7.1) for
 * upload bodies.  Pure: bytes in, data bytes out, in place; no I/O.
 *
 * Input may arrive in pieces of any size, down to one byte: the decoder
 * keeps its place between calls.  Chunk extensions are skipped, trailer
 * fields read and dropped.  Bounds: a chunk size of at most 16 hex digits
 * (leading zeros included) that fits 64 bits, at most CHUNKED_LINE_MAX
 * bytes of extensions on a size line and of each trailer line, at most
 * CHUNKED_TRAILER_MAX bytes of trailer fields in all.
 */
#ifndef RINGPUSH_CHUNKED_H
#define RINGPUSH_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CHUNKED_LINE_MAX 4096
#define CHUNKED_TRAILER_MAX 8192

enum chunked_state {
	CHUNKED_SIZE,          /* hex digits of a chunk size */
	CHUNKED_EXT,           /* after the size: extensions up to CR */
	CHUNKED_SIZE_LF,       /* the LF ending a size line */
	CHUNKED_DATA,          /* chunk data */
	CHUNKED_DATA_CR,       /* CRLF after the data */
	CHUNKED_DATA_LF,
	CHUNKED_TRAILER,       /* a trailer line, or the final CRLF */
	CHUNKED_TRAILER_LF,
	CHUNKED_DONE,
};

struct chunked {
	enum chunked_state state;
	uint64_t left;          /* data bytes of the current chunk still due */
	unsigned digits;        /* of the size being read */
	size_t line;            /* bytes of the extension or trailer line */
	size_t trailer;         /* bytes of trailer fields so far */
	uint64_t total;         /* data bytes decoded so far */
};

void chunked_init(struct chunked *ch);

/*
 * Decode buf[0..len): the data bytes are moved to the front of buf
 * (*out_len of them; never past the input read so far, so in place is
 * safe).  Returns the input bytes consumed: len, or fewer when the body
 * ended (state CHUNKED_DONE; the rest belongs to what follows), or -1
 * when the framing is bad (the state is then unusable).
 */
ssize_t chunked_decode(struct chunked *ch, char *buf, size_t len, size_t *out_len);

/* Data bytes of the current chunk still due, when the decoder is inside
 * a chunk's data (so the caller may move them without decoding), else 0. */
static inline uint64_t
chunked_data_left(const struct chunked *ch)
{
	return ch->state == CHUNKED_DATA ? ch->left : 0;
}

/* n (at most chunked_data_left()) data bytes were moved by the caller:
 * the decoder goes on after them. */
void chunked_skip(struct chunked *ch, uint64_t n);

static inline bool
chunked_done(const struct chunked *ch)
{
	return ch->state == CHUNKED_DONE;
}

#endif
