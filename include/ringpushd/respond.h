/*
 * respond.h: choosing the response to a request (respond.c).
 *
 * conn.c calls these from its completion handlers; they decide the status
 * and headers, open the file and start the response with conn_send().
 * Each either starts a response or closes the connection: the caller does
 * nothing after them.
 */
#ifndef RINGPUSH_RESPOND_H
#define RINGPUSH_RESPOND_H
#include <stdbool.h>

struct server;
struct conn;
struct http_request;

/* A complete request was parsed into req (its spans point into c->rbuf). */
void respond_request(struct server *s, struct conn *c, const struct http_request *req);

/* The IORING_OP_OPENAT2 of c->path completed with res (an fd or -errno). */
void respond_opened(struct server *s, struct conn *c, int res);

/* An error response with status; close_after ends the connection after it
 * (always for statuses that leave the request stream unreadable). */
void respond_error(struct server *s, struct conn *c, int status, bool close_after);

#endif
