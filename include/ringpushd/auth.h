/*
 * auth.h: the upload tokens of a listener (upload_token_file) and the
 * check of a request's Authorization field against them.  Pure apart
 * from reading the file: no ring, no allocation.
 */
#ifndef RINGPUSH_AUTH_H
#define RINGPUSH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include "http.h"

#define AUTH_TOKEN_MAX 256      /* longest token accepted */

/*
 * Read the token file at path into out (cap bytes): one token per line,
 * empty lines and lines starting with '#' skipped, surrounding blanks
 * trimmed; a token is 1 to AUTH_TOKEN_MAX visible ASCII bytes.  out then
 * holds each token followed by '\n', NUL-terminated.  The file must be a
 * regular file that others cannot read (no S_IROTH) and must hold at least
 * one token.  Returns 0, or -1 with the reason in why.
 */
int auth_load_tokens(const char *path, char *out, size_t cap, char *why,
    size_t why_cap);

/*
 * True when the Authorization field carries one of tokens (as
 * auth_load_tokens wrote them): "Bearer TOKEN", or "Basic base64(user:TOKEN)"
 * with any user name.  Every token is compared in full whatever matches,
 * and each comparison takes time independent of where the bytes differ.
 */
bool auth_check(const char *tokens, struct http_span authorization);

/* Decode standard base64 (padding required when the length calls for
 * it, no whitespace).  Returns the decoded length, or -1 when in is not
 * base64 or the result would not fit cap. */
int auth_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
