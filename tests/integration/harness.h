/*
 * harness.h: what the integration tests share.  Each test starts its own
 * ringpushd on 127.0.0.1:0 over a private temporary file tree, talks to it
 * with a tiny HTTP/1.1 client that never waits without a deadline, and
 * stops it with SIGTERM, asserting a clean exit.
 *
 * The daemon binary comes from $RINGPUSHD; $RINGPUSHD_WRAPPER=valgrind runs
 * it under valgrind and turns valgrind's error exit (99) into a failure.
 * A daemon left running by a failed assertion is killed and its tree
 * removed when the test process exits.
 *
 * $RP_TEST_OVERLAY=1 puts each test's tree on an overlay mount of its own,
 * as the root of a container is: the test process enters a private mount
 * namespace and mounts overlayfs (root only; elsewhere the test is skipped
 * and says why).  make check-overlay runs the suite so.
 */
#ifndef RINGPUSH_TEST_HARNESS_H
#define RINGPUSH_TEST_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RP_MAX_HEADERS 100

/* A daemon under test and the directory it owns. */
struct rp_daemon {
	char dir[1024];               /* private temporary directory */
	char root[PATH_MAX];          /* dir/root: the listener's root */
	char conf[PATH_MAX];          /* dir/ringpushd.conf */
	char output[PATH_MAX];        /* dir/daemon.out: its stdout + stderr */
	char access_log[PATH_MAX];    /* dir/access.log */
	pid_t pid;
	int port;
};

/* One client connection with its receive buffer (responses may arrive
 * together when requests are pipelined). */
struct rp_conn {
	int fd;
	char *buf;
	size_t start, len, cap;       /* unread bytes are buf[start..len) */
};

struct rp_header {
	const char *name;
	const char *value;
};

struct rp_response {
	int status;
	int version_minor;
	char *head;                   /* the header block as received, NUL-terminated */
	size_t head_len;
	char *fields;                 /* a copy split into hdr[] */
	struct rp_header hdr[RP_MAX_HEADERS];
	int nhdr;
	bool has_length;
	uint64_t content_length;
	unsigned char *body;
	size_t body_len;
};

/* Results of the reading functions. */
enum rp_result {
	RP_OK = 0,
	RP_CLOSED = -1,       /* peer closed before sending anything */
	RP_EOF = -2,          /* peer closed in the middle of a response */
	RP_TIMEOUT = -3,      /* the deadline passed */
	RP_BAD = -4,          /* not an HTTP/1.x response */
	RP_ERROR = -5         /* a socket error other than the above */
};

const char *rp_result_str(int r);

/* Seconds any single wait may take: generous, and longer under valgrind. */
int rp_io_timeout(void);
bool rp_under_valgrind(void);
/* The daemon binary: $RINGPUSHD, else build/ringpushd. */
const char *rp_daemon_path(void);

/* Daemon life cycle.  rp_setup() makes the directory and an empty root;
 * rp_start() writes the standard configuration and starts the daemon;
 * rp_start_conf() writes the given configuration text instead.  Both wait
 * for "listening on 127.0.0.1:PORT" and fill d->port.  rp_stop() asserts the
 * daemon is still alive, sends SIGTERM and asserts exit status 0. */
void rp_setup(struct rp_daemon *d);
/* $RP_TEST_OVERLAY is 1: rp_setup() puts d->dir on an overlay mount. */
bool rp_overlay_wanted(void);
/* Mount overlayfs on top/merged with layers top/lower, top/upper and
 * top/work (made here unless they exist, so a test may fill lower first),
 * in the test's own mount namespace; the mount point goes to merged, and
 * is unmounted before top is removed when top is a test's d->dir.  0, or
 * -1 with the reason in why. */
int rp_overlay_mount(const char *top, char *merged, size_t cap, char *why, size_t why_cap);
void rp_default_conf(const struct rp_daemon *d, char *buf, size_t cap);
/* The engine the standard configuration names: "splice" unless a test
 * sets another before rp_start() (each test runs in its own process). */
extern const char *rp_engine;
/* The value of the sample line "name value" in Prometheus text; the test
 * fails if there is none. */
double rp_sample(const char *text, const char *name);
/* The sample name of the daemon's status endpoint, which must be
 * /metrics, fetched on a connection of its own. */
double rp_metric(const struct rp_daemon *d, const char *name);
/* CLOCK_MONOTONIC in seconds. */
double rp_now_s(void);

/*
 * A test run once per transfer engine: NAME with splice, NAME_sendfile with
 * sendfile, NAME_auto with auto, NAME_copy with copy, NAME_mmap with mmap.
 * Options (at least one, e.g. .timeout) apply to all five.  The body
 * follows as a function body.
 */
#define RP_ENGINE_TEST(suite, name, ...)				\
	static void name##_body(void);					\
	Test(suite, name, __VA_ARGS__) { name##_body(); }		\
	Test(suite, name##_sendfile, __VA_ARGS__)			\
	{								\
		rp_engine = "sendfile";					\
		name##_body();						\
	}								\
	Test(suite, name##_auto, __VA_ARGS__)				\
	{								\
		rp_engine = "auto";					\
		name##_body();						\
	}								\
	Test(suite, name##_copy, __VA_ARGS__)				\
	{								\
		rp_engine = "copy";					\
		name##_body();						\
	}								\
	Test(suite, name##_mmap, __VA_ARGS__)				\
	{								\
		rp_engine = "mmap";					\
		name##_body();						\
	}								\
	static void name##_body(void)
/* Replace the value of the first "key = ..." line in a configuration. */
void rp_conf_set(char *conf, size_t cap, const char *key, const char *value);
void rp_start(struct rp_daemon *d);
void rp_start_conf(struct rp_daemon *d, const char *conf_text);
bool rp_alive(struct rp_daemon *d);
void rp_stop(struct rp_daemon *d);
/* The daemon's output so far (malloc'd, NUL-terminated; never NULL). */
char *rp_daemon_output(const struct rp_daemon *d);
/* How often needle occurs in the daemon's output so far. */
int rp_output_count(const struct rp_daemon *d, const char *needle);
/* Wait (bounded, generously) until needle occurs count times in the
 * daemon's output; the test fails with the output if it never does. */
void rp_wait_output(const struct rp_daemon *d, const char *needle, int count);
/* Write text to d->conf in place (the same file, as an editor that does
 * not rename would), for a reload. */
void rp_write_conf(const struct rp_daemon *d, const char *text);
/* The daemon built with its test hooks (-DRINGPUSHD_TEST_HOOKS):
 * $RINGPUSHD_TEST, or NULL when it is not set. */
const char *rp_test_daemon_path(void);

/* Run a program to completion with stdout+stderr into out_path, stdin from
 * /dev/null.  Returns the wait status, or -1 if it did not finish in
 * timeout_s seconds (it is then killed).  wrap: run under
 * $RINGPUSHD_WRAPPER. */
int rp_run(char *const argv[], const char *out_path, int timeout_s, bool wrap);
/* External tools the tests drive (curl, wget, lftp...).  rp_have: prog is
 * an executable in $PATH.  rp_need: the test is skipped, saying why,
 * unless it is.  rp_run_ok: run argv with its output in d->dir/client.out;
 * the test fails, with that output, unless it exits 0 within timeout_s. */
bool rp_have(const char *prog);
void rp_need(const char *prog);
void rp_run_ok(const struct rp_daemon *d, char *const argv[], int timeout_s);
/* Read a whole file (malloc'd, NUL-terminated); NULL if it cannot be read. */
char *rp_slurp(const char *path, size_t *len);

/* Deterministic, non-repeating content: the byte at offset off of the
 * stream named seed.  A chunk delivered at the wrong offset mismatches. */
void rp_pattern(uint64_t seed, uint64_t off, void *buf, size_t len);
/* Index of the first byte of buf that differs from the pattern at off,
 * or -1 when all match. */
ssize_t rp_pattern_mismatch(uint64_t seed, uint64_t off, const void *buf, size_t len);

/* Files under the root.  rel is relative to d->root; parents are made. */
void rp_path(const struct rp_daemon *d, const char *rel, char out[PATH_MAX]);
void rp_make_file(const struct rp_daemon *d, const char *rel, uint64_t size, uint64_t seed);
void rp_write_file(const struct rp_daemon *d, const char *rel, const void *data, size_t len);
/* Drop a file under the root from the page cache (written back first):
 * its next read waits for the disk. */
void rp_evict(const struct rp_daemon *d, const char *rel);
void rp_mkdir(const struct rp_daemon *d, const char *rel);
/* Index of the first byte of buf that differs from the file at path,
 * starting at file offset off, or -1 when all match.  A file shorter than
 * off + len mismatches at its end. */
ssize_t rp_file_mismatch(const char *path, uint64_t off, const void *buf, size_t len);

/* Client.  rp_connect() asserts; its reads and writes time out after
 * rp_io_timeout() seconds.  rcvbuf > 0 fixes SO_RCVBUF before connecting. */
struct rp_conn *rp_connect(const struct rp_daemon *d);
struct rp_conn *rp_connect_rcvbuf(const struct rp_daemon *d, int rcvbuf);
/* As rp_connect_rcvbuf(), from the loopback address `from` (127.x.y.z:
 * the daemon's per-address limits tell clients apart by it); NULL lets
 * the kernel choose. */
struct rp_conn *rp_connect_from(const struct rp_daemon *d, const char *from, int rcvbuf);
void rp_close(struct rp_conn *c);
/* Close with an RST instead of a FIN. */
void rp_abort(struct rp_conn *c);
void rp_send(struct rp_conn *c, const void *data, size_t len);
/* As rp_send, but a peer that closed or reset is not a failure: false. */
bool rp_send_try(struct rp_conn *c, const void *data, size_t len);
void rp_sends(struct rp_conn *c, const char *s);
void rp_sendf(struct rp_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read the status line and header fields of the next response. */
int rp_read_head(struct rp_conn *c, struct rp_response *r);
/* Read up to len body bytes (buffered bytes first).  Returns the count,
 * 0 at EOF, or an rp_result < 0. */
ssize_t rp_read_some(struct rp_conn *c, void *buf, size_t len);
/* A whole response: the head, then Content-Length body bytes (none for
 * HEAD, 1xx, 204 and 304; up to EOF when there is no Content-Length).
 * RP_EOF leaves the partial body in r. */
int rp_read_response(struct rp_conn *c, struct rp_response *r, bool head_request);
/* After a response: RP_CLOSED when the server closed the connection
 * (FIN or RST) with no further bytes, RP_OK if more bytes came (they are
 * left buffered), RP_TIMEOUT if it stayed open.  wait_s bounds the wait. */
int rp_wait_close(struct rp_conn *c, int wait_s);
void rp_response_free(struct rp_response *r);

/* Header lookup, case-insensitive; NULL when absent. */
const char *rp_hdr(const struct rp_response *r, const char *name);
int rp_hdr_count(const struct rp_response *r, const char *name);
/* A printable excerpt of a response (head, body length) for messages;
 * a static buffer. */
const char *rp_describe(const struct rp_response *r);

/* One request on a fresh connection: send raw, read one response, close.
 * Returns the rp_read_response() result. */
int rp_exchange(const struct rp_daemon *d, const char *raw, bool head_request,
    struct rp_response *r);
/* GET path with Host and Connection: close; asserts a complete response. */
void rp_get(const struct rp_daemon *d, const char *path, struct rp_response *r);

/* A service manager's end of NOTIFY_SOCKET: a datagram socket bound at
 * path (cap bytes, made here from tag and the test's pid), receiving with
 * a 30 s timeout; NOTIFY_SOCKET names it until the caller unsets it.
 * rp_notify_bind() is the same at a path of the caller's.
 * rp_notify_recv() asserts that a message came and returns it in msg. */
int rp_notify_socket(const char *tag, char *path, size_t cap);
int rp_notify_bind(const char *path);
void rp_notify_recv(int fd, char *msg, size_t cap);

/* Assert that the daemon still serves: GET of a file it creates. */
void rp_assert_serving(const struct rp_daemon *d);

#endif
