/*
 * notify.c: systemd's readiness protocol, spoken directly.
 *
 * The protocol is one AF_UNIX datagram per notification, sent to the
 * address in NOTIFY_SOCKET; libsystemd's sd_notify() does no more than
 * that, so the daemon does it itself and keeps its dependencies to
 * liburing and inih.  The socket is opened and connected once at start,
 * before privileges are dropped and before the ring exists: sendto() on
 * an unconnected socket resolves the path with the credentials of the
 * moment, and after the drop a manager socket in a directory only root
 * may enter (as systemd's is) would refuse every message.  Connected, a
 * send needs no lookup.  Should nobody listen yet at start, the address is
 * kept and each send tries it.  A failed send is logged once, until one
 * succeeds again.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_ENV	"NOTIFY_SOCKET"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static int notify_connected;	/* sends need no address */
static int notify_failing;	/* a send failed; said so once */

int
notify_init(void)
{
	struct sockaddr_un addr;
	socklen_t addrlen;
	const char *env;
	size_t len;
	int fd;

	notify_close();
	env = getenv(NOTIFY_ENV);
	if (env == NULL || env[0] == '\0')
		return 0;
	len = strlen(env);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (env[0] == '@') {
		/* Abstract: a leading NUL, the name not NUL-terminated, and
		 * the length saying where it ends. */
		if (len > sizeof(addr.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(addr.sun_path + 1, env + 1, len - 1);
		addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len);
	} else if (env[0] == '/') {
		if (len >= sizeof(addr.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(addr.sun_path, env, len);
		addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + 1);
	} else {
		/* "vsock:CID:PORT" and anything newer: not spoken here. */
		errno = EAFNOSUPPORT;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	/* A child (a CGI-like helper, a test's daemon) must not speak for
	 * this process to the manager. */
	unsetenv(NOTIFY_ENV);
	notify_connected = connect(fd, (const struct sockaddr *)&addr, addrlen) == 0;
	notify_failing = 0;
	notify_fd = fd;
	notify_addr = addr;
	notify_addrlen = addrlen;
	return 0;
}

bool
notify_enabled(void)
{
	return notify_fd != -1;
}

void
notify_close(void)
{
	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
	notify_addrlen = 0;
	notify_connected = 0;
}

static int
notify_sendmsg(const char *msg, size_t len)
{
	ssize_t n;

	if (notify_fd == -1)
		return 0;
	do {
		if (notify_connected)
			n = send(notify_fd, msg, len, MSG_NOSIGNAL);
		else
			n = sendto(notify_fd, msg, len, MSG_NOSIGNAL,
			    (const struct sockaddr *)&notify_addr, notify_addrlen);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (!notify_failing)
			log_err("NOTIFY_SOCKET: a message to the service manager was lost");
		notify_failing = 1;
		return -1;
	}
	notify_failing = 0;
	return 0;
}

/*
 * Format prefix + fmt into buf.  When status is set, newlines in the
 * formatted part become spaces: STATUS= ends at a newline, and text that
 * came from a configuration or a peer must not forge READY=1 or the like.
 * Returns the length, or -1 with EMSGSIZE.
 */
static int
notify_vformat(char *buf, size_t cap, const char *prefix, int status,
    const char *fmt, va_list ap)
{
	size_t plen = strlen(prefix), i;
	int n;

	if (plen >= cap) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, prefix, plen);
	n = vsnprintf(buf + plen, cap - plen, fmt, ap);
	if (n < 0 || (size_t)n >= cap - plen) {
		errno = EMSGSIZE;
		return -1;
	}
	if (status)
		for (i = plen; i < plen + (size_t)n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
	return (int)(plen + (size_t)n);
}

/* One message: prefix, then the formatted text (newlines in it become
 * spaces when status is set). */
static int
notify_vsend(const char *prefix, int status, const char *fmt, va_list ap)
{
	char buf[NOTIFY_MSG_MAX + 1];
	int len;

	if (notify_fd == -1)
		return 0;
	len = notify_vformat(buf, sizeof(buf), prefix, status, fmt, ap);
	if (len == -1)
		return -1;
	return notify_sendmsg(buf, (size_t)len);
}

int
notify_send(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = notify_vsend("", 0, fmt, ap);
	va_end(ap);
	return ret;
}

int
notify_status(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = notify_vsend("STATUS=", 1, fmt, ap);
	va_end(ap);
	return ret;
}

/* vformat wants a va_list; this passes a fixed "%s" through one. */
static int
notify_format_status(char *buf, size_t cap, const char *prefix, ...)
{
	va_list ap;
	int len;

	va_start(ap, prefix);
	len = notify_vformat(buf, cap, prefix, 1, "%s", ap);
	va_end(ap);
	return len;
}

int
notify_ready(const char *status)
{
	char buf[NOTIFY_MSG_MAX + 1];
	int len;

	if (notify_fd == -1)
		return 0;
	if (status == NULL)
		return notify_sendmsg("READY=1", strlen("READY=1"));
	len = notify_format_status(buf, sizeof(buf), "READY=1\nSTATUS=",
	    status);
	if (len == -1)
		return -1;
	return notify_sendmsg(buf, (size_t)len);
}

/*
 * systemd (253 and later) takes RELOADING=1 as the start of a reload and
 * waits for READY=1 to end it; MONOTONIC_USEC tells it which reload this
 * is, so that a READY=1 from before the signal is not taken for the end.
 */
int
notify_reloading(void)
{
	struct timespec ts;

	if (notify_fd == -1)
		return 0;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return -1;
	return notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

int
notify_stopping(void)
{
	return notify_sendmsg("STOPPING=1", strlen("STOPPING=1"));
}
