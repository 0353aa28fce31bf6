/*
 * respond_ranges.h: answering several ranges with one multipart/byteranges
 * response (respond_ranges.c).
 *
 * respond.c decides that a request gets several ranges (ranges.h); this
 * starts the response, and conn.c asks it for the next piece each time
 * one ends.  The part headers and the close come from a pool buffer that
 * also holds the response's state; each part's bytes go through the
 * listener's engine like a single range's.
 */
#ifndef RINGPUSH_RESPOND_RANGES_H
#define RINGPUSH_RESPOND_RANGES_H

#include <stdbool.h>

struct server;
struct conn;
struct http_response;
struct range_set;

/* Start a 206 multipart/byteranges answer with the ranges of set (two
 * or more, sorted and apart, as ranges_parse() leaves them); whole is the
 * 200 the whole file would get (validators, type, keep-alive).  False,
 * with nothing started, when no pool buffer is free: the caller sends
 * the whole file, as RFC 9110 14.2 allows. */
bool respond_ranges_start(struct server *s, struct conn *c, const struct http_response *whole,
    const struct range_set *set);

/* The piece of c's multipart response in flight (a part's bytes, or the
 * close) has gone out: start the next and return true, or return false
 * when the response is complete or c sends no multipart response. */
bool respond_ranges_next(struct server *s, struct conn *c);

/* The response is over (complete or cut short): its buffer goes back. */
void respond_ranges_release(struct server *s, struct conn *c);

#endif
