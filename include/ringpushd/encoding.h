/*
 * encoding.h: Accept-Encoding (RFC 9110 12.5.3) weighed against the
 * precompressed siblings a file may have: name.br, name.zst, name.gz.
 * Pure functions: bytes in, an order of encodings out.
 */
#ifndef RINGPUSH_ENCODING_H
#define RINGPUSH_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* In the server's order of preference when the client's weights tie. */
enum encoding { ENCODING_BR, ENCODING_ZSTD, ENCODING_GZIP, ENCODING_COUNT };

/* What one or more Accept-Encoding field lines said.  Weights are in
 * thousandths (q=0.5 is 500); -1 means the name was not listed.  The
 * first entry for a name counts, later ones for it are ignored. */
struct encoding_accept {
	int16_t q[ENCODING_COUNT];
	int16_t identity;
	int16_t star;
};

/* Nothing listed yet (as for a request without the field). */
void encoding_accept_init(struct encoding_accept *a);

/*
 * Add the entries of one field line's value (v[0..len), the list of
 * RFC 9110 12.5.3: codings [ OWS ";" OWS "q=" qvalue ], separated by
 * commas with optional whitespace, empty elements allowed).  Names are
 * case-insensitive; "x-gzip" is gzip (RFC 9110 8.4.1.3).  An entry that
 * does not follow the grammar (a bad qvalue such as "q=1.5", "q=0.1234"
 * or "q=x", a parameter other than q, a byte outside a token) is ignored,
 * the rest of the list still counts.  Unknown codings are ignored.
 */
void encoding_accept_parse(struct encoding_accept *a, const char *v, size_t len);

/* The weight an encoding gets: its own entry, else "*"'s, else 0. */
int encoding_weight(const struct encoding_accept *a, enum encoding e);

/*
 * The encodings worth serving, best first, into out; returns how many
 * (0..ENCODING_COUNT).  An encoding qualifies when its weight is above 0
 * and, if identity was given a weight (by its own entry or by "*"), not
 * below identity's: the client prefers the file as it is only when it
 * says so.  Order: weight, then br > zstd > gzip.  The caller serves the
 * first that exists, else the file itself; the file itself also when the
 * client refused identity ("identity;q=0", or "*;q=0" without an
 * identity entry) and no sibling fits, as RFC 9110 12.1 lets a server
 * disregard the field rather than answer 406.
 */
unsigned encoding_order(const struct encoding_accept *a, enum encoding out[ENCODING_COUNT]);

/* "br", "zstd", "gzip": the Content-Encoding value. */
const char *encoding_name(enum encoding e);
/* ".br", ".zst", ".gz": the sibling's suffix. */
const char *encoding_suffix(enum encoding e);

#endif
