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
#include <stdint.h>

struct server;
struct conn;
struct http_request;
struct http_response;

/* A complete request was parsed into req (its spans point into c->rbuf). */
void respond_request(struct server *s, struct conn *c, const struct http_request *req);

/* The IORING_OP_OPENAT2 of c->path completed with res (an fd or -errno). */
void respond_opened(struct server *s, struct conn *c, int res);

/* An error response with status; close_after ends the connection after it
 * (always for statuses that leave the request stream unreadable). */
void respond_error(struct server *s, struct conn *c, int status, bool close_after);

/* The response r for c->file_fd, whose body is the r->content_length
 * bytes from offset first: header only for HEAD and empty bodies, READ +
 * one SEND for small ones, else the listener's engine. */
void respond_body(struct server *s, struct conn *c, const struct http_response *r,
    uint64_t first);

/* The index of the directory c->path (which ends with the index name)
 * does not exist and the listener's autoindex is on: answer with a
 * listing of the directory (respond_listing.c). */
void respond_listing(struct server *s, struct conn *c);
/* The listings' scratch memory, freed when the server ends. */
void respond_listing_free(void);
/* [status] health_path: 200 "ok" while the daemon accepts, 503
 * "draining" once it drains or stops (respond_health.c). */
void respond_health(struct server *s, struct conn *c);

/* The status an errno from opening or reading a request path deserves. */
int respond_errno_status(int err);

#endif
