/*
 * chunked.c: the chunked transfer coding decoder (see chunked.h).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 * A byte-at-a-time state machine, so a piece boundary can fall anywhere.
 * Line ends must be CRLF: a bare LF is refused, as the request parser
 * refuses it in headers (lenient line ends are how requests get smuggled).
 */
#include <string.h>

#include "chunked.h"
#include "http.h"

void
chunked_init(struct chunked *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->state = CHUNKED_SIZE;
}

void
chunked_skip(struct chunked *ch, uint64_t n)
{
	if (ch->state != CHUNKED_DATA || n > ch->left)
		return;
	ch->left -= n;
	ch->total += n;
	if (ch->left == 0)
		ch->state = CHUNKED_DATA_CR;
}

ssize_t
chunked_decode(struct chunked *ch, char *buf, size_t len, size_t *out_len)
{
	size_t i = 0, out = 0;
	int v;

	while (i < len && ch->state != CHUNKED_DONE) {
		char c = buf[i];

		switch (ch->state) {
		case CHUNKED_SIZE:
			v = http_hex_digit(c);
			if (v >= 0) {
				if (ch->digits == 16)
					return -1;
				ch->left = ch->left << 4 | (uint64_t)v;
				ch->digits++;
				i++;
				break;
			}
			if (ch->digits == 0)
				return -1;
			if (c == '\r') {
				ch->state = CHUNKED_SIZE_LF;
			} else if (c == ';' || c == ' ' || c == '\t') {
				/* BWS ";" ext-name [ "=" ext-value ]: skipped */
				ch->state = CHUNKED_EXT;
				ch->line = 0;
			} else {
				return -1;
			}
			i++;
			break;
		case CHUNKED_EXT:
			if (c == '\r') {
				ch->state = CHUNKED_SIZE_LF;
			} else if (c == '\n' || (unsigned char)c < 0x09 ||
			    (c > 0x09 && (unsigned char)c < 0x20) || c == 0x7f ||
			    ++ch->line > CHUNKED_LINE_MAX) {
				return -1;
			}
			i++;
			break;
		case CHUNKED_SIZE_LF:
			if (c != '\n')
				return -1;
			i++;
			ch->digits = 0;
			if (ch->left == 0) {
				ch->state = CHUNKED_TRAILER;
				ch->line = 0;
			} else {
				ch->state = CHUNKED_DATA;
			}
			break;
		case CHUNKED_DATA: {
			size_t n = len - i;

			if (n > ch->left)
				n = (size_t)ch->left;
			memmove(buf + out, buf + i, n);
			out += n;
			i += n;
			ch->left -= n;
			ch->total += n;
			if (ch->left == 0)
				ch->state = CHUNKED_DATA_CR;
			break;
		}
		case CHUNKED_DATA_CR:
			if (c != '\r')
				return -1;
			ch->state = CHUNKED_DATA_LF;
			i++;
			break;
		case CHUNKED_DATA_LF:
			if (c != '\n')
				return -1;
			ch->state = CHUNKED_SIZE;
			i++;
			break;
		case CHUNKED_TRAILER:
			/* a trailer field line (dropped), or the empty line
			 * that ends the body */
			if (c == '\r') {
				ch->state = CHUNKED_TRAILER_LF;
			} else if (c == '\n' || ++ch->line > CHUNKED_LINE_MAX ||
			    ++ch->trailer > CHUNKED_TRAILER_MAX ||
			    (ch->line == 1 && (c == ' ' || c == '\t'))) {
				return -1;  /* bare LF, too long, obs-fold */
			}
			i++;
			break;
		case CHUNKED_TRAILER_LF:
			if (c != '\n')
				return -1;
			i++;
			if (ch->line == 0) {
				ch->state = CHUNKED_DONE;
			} else {
				ch->state = CHUNKED_TRAILER;
				ch->line = 0;
			}
			break;
		case CHUNKED_DONE:
			break;
		}
	}
	*out_len = out;
	return (ssize_t)i;
}
