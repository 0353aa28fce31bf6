/*
 * upload.h: PUT and DELETE on a listener with upload = on.
 *
 * A PUT's body goes socket -> pipe -> a new file in the target's
 * directory (O_TMPFILE, or a hidden temporary name where the file system
 * lacks it), which is linked or renamed into place only when every byte
 * has arrived: a GET sees the old file whole or the new one whole.  A body
 * cut short, a client that leaves, a deadline or a full disk leave nothing
 * behind.  DELETE unlinks a file.
 *
 * The connection is in CONN_RECV_BODY while the body arrives; upload.c
 * owns the completions of the OP_UPLOAD_* operations.
 */
#ifndef RINGPUSH_UPLOAD_H
#define RINGPUSH_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include "chunked.h"
#include "ring.h"

struct server;
struct conn;
struct http_request;

#define UPLOAD_TMP_NAME_MAX 32

enum upload_phase {
	UPLOAD_NONE,
	UPLOAD_BODY,            /* body bytes arriving */
	UPLOAD_SYNC_FILE,       /* fsync of the new file (upload_fsync) */
	UPLOAD_SYNC_DIR,        /* fsync of its directory once published */
};

/* One connection's upload, inside struct conn. */
struct upload {
	enum upload_phase phase;
	int tmp_fd;             /* the new file; -1 when none */
	int dir_fd;             /* its directory; -1 when none */
	char tmp_name[UPLOAD_TMP_NAME_MAX];  /* hidden name of the new file
					       while it has one; "" = none */
	uint32_t name_off;      /* the target's name: c->path + name_off */
	uint64_t length;        /* body bytes promised */
	uint64_t taken;         /* bytes taken from the socket (or buffer) */
	uint64_t written;       /* bytes in the new file */
	int in_res, out_res;    /* results of the round in flight */
	unsigned ops;           /* upload operations in flight */
	uint32_t granted;       /* rate tokens of the round in flight */
	uint32_t lowat;         /* the socket's SO_RCVLOWAT (1: the default) */
	int status;             /* 201 (created) or 204 (replaced) */
	bool throttled;         /* waits for rate tokens: upload_resume() */
	/* Transfer-Encoding: chunked: received into buf (a pool buffer of
	 * buf_size bytes), decoded there, buf[buf_done..buf_len) still to
	 * be written; or, splicing, the data of a long chunk moves socket
	 * -> pipe -> file in rounds like a Content-Length body's */
	bool chunked;
	bool splicing;
	struct chunked dec;
	char *buf;
	uint32_t buf_size, buf_len, buf_done;
};

/* Reset u (a connection starts, or its upload ended). */
void upload_init(struct upload *u);
/* Answer a PUT or DELETE on a listener with upload = on. */
void upload_request(struct server *s, struct conn *c, const struct http_request *req);
/* A completion of an OP_UPLOAD_* operation (also while closing). */
void upload_complete(struct server *s, struct conn *c, enum ring_op op, int res);
/* End c's upload cut short (the client left: 499, or went silent: 408):
 * the status goes to the access log and the metrics, the new file away,
 * and the connection closes.  Outside a body, only the close. */
void upload_abort(struct server *s, struct conn *c, int status, const char *why);
/* A throttled body: the rate limits may grant bytes again. */
void upload_resume(struct server *s, struct conn *c);
/* Give back what the upload holds; an unfinished new file is removed.
 * Called with no upload operation in flight. */
void upload_release(struct server *s, struct conn *c);

/* upload_file.c */
/* The status an errno from an upload's file system steps deserves: the
 * one place this mapping is made for uploads. */
int upload_errno_status(int err);
/* Open the directory of c->path (below the root, the listener's way)
 * into c->upload.dir_fd and find the target's name.  Returns 0 or an
 * error status. */
int upload_open_parent(struct conn *c);
/* A new file of mode 0644 (less the umask) for the body: unnamed where
 * O_TMPFILE works and can be linked, else under a hidden random name
 * (u->tmp_name).  Returns the fd or -errno. */
int upload_create_file(struct upload *u);
/* Put the complete new file in place.  Returns 201 (created), 204
 * (replaced), or an error status. */
int upload_publish(struct conn *c, bool overwrite);

#endif
