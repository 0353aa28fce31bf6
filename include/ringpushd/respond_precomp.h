/*
 * respond_precomp.h: precompressed siblings (precompressed = on): a
 * request for name may be answered with name.br, name.zst or name.gz,
 * made beforehand by whoever publishes the tree.  ringpushd never
 * compresses.
 */
#ifndef RINGPUSH_RESPOND_PRECOMP_H
#define RINGPUSH_RESPOND_PRECOMP_H

#include <stdbool.h>
#include <sys/stat.h>
#include "encoding.h"

struct server;
struct conn;

/* The Vary value of every file response on such a listener. */
#define PRECOMP_VARY "Accept-Encoding"

/*
 * c->file_fd is open on the regular file c->path, described by *file.
 * Returns false when the listener has precompressed off: nothing
 * changed.  Otherwise returns true (the response varies on
 * Accept-Encoding) and sets *chosen: ENCODING_COUNT when the file itself
 * is served, else the encoding of the sibling that now is c's file
 * (c->file_fd and c->file_entry; the file's own reference was given
 * back), with *sibling its fstat.  A sibling is served only when the
 * client's Accept-Encoding ranks it (encoding_order), it opens under the
 * listener's rules like any requested path, is a regular file and is
 * not older than the file.
 */
bool respond_precomp_pick(struct server *s, struct conn *c, const struct stat *file,
    enum encoding *chosen, struct stat *sibling);

/* Mark an ETag (with its quotes, in a FILE_ETAG_MAX buffer) as the
 * encoding's: "..." becomes "...-br", so no validator of one encoding
 * ever matches another's bytes. */
void respond_precomp_etag(char *etag, enum encoding e);

#endif
