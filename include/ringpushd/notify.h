/*
 * notify.h: telling a service manager how the daemon is doing, over
 * systemd's NOTIFY_SOCKET datagram protocol (sd_notify(3)), without
 * linking libsystemd.
 *
 * Every message is one datagram of "KEY=value" lines.  When NOTIFY_SOCKET
 * was not set, every send is a no-op that succeeds, so callers never test
 * whether they run under a service manager.  Sends never block: the socket
 * is non-blocking, and a message the manager cannot take right away is
 * dropped with -1 (EAGAIN) rather than stalling the event loop.
 */
#ifndef RINGPUSH_NOTIFY_H
#define RINGPUSH_NOTIFY_H

#include <stdbool.h>

#define NOTIFY_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Longest message sent; a longer one is refused with EMSGSIZE. */
#define NOTIFY_MSG_MAX	4096

/*
 * Read NOTIFY_SOCKET (a path, or "@name" for an abstract socket), open a
 * SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK unix socket for it and unset
 * the variable so that no child inherits it.  Returns 0, also when the
 * variable is unset or empty (then sends are no-ops), or -1 with errno:
 * EAFNOSUPPORT for an address that is neither a path nor "@" (e.g. vsock),
 * ENAMETOOLONG for one that does not fit sockaddr_un, or socket(2)'s
 * error.  The variable is left alone on -1.  Calling it again first
 * closes the previous socket.
 */
int notify_init(void);

/* Whether notify_init() found a socket to talk to. */
bool notify_enabled(void);

/*
 * Send one datagram formatted like printf, e.g.
 * "READY=1\nSTATUS=serving 2 listeners".  Returns 0 (also when disabled)
 * or -1 with errno (EMSGSIZE: longer than NOTIFY_MSG_MAX; EAGAIN: the
 * manager's queue is full; ECONNREFUSED, ENOENT: nobody listens).
 */
int notify_send(const char *fmt, ...) NOTIFY_PRINTF(1, 2);

/*
 * The messages the daemon sends, each one datagram, each with notify_send's
 * return contract.  Text going into STATUS= has its newlines turned into
 * spaces, so that it cannot add assignments of its own.
 *
 * notify_ready:     "READY=1", plus "\nSTATUS=<status>" when status is not
 *                   NULL; sent once started and again after each reload.
 * notify_reloading: "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC in µs>";
 *                   sent when a reload begins (SIGHUP), ended by
 *                   notify_ready().
 * notify_stopping:  "STOPPING=1"; sent when a clean stop begins.
 * notify_status:    "STATUS=<formatted text>".
 */
int notify_ready(const char *status);
int notify_reloading(void);
int notify_stopping(void);
int notify_status(const char *fmt, ...) NOTIFY_PRINTF(1, 2);

/* Close the socket; later sends are no-ops. */
void notify_close(void);

#endif
