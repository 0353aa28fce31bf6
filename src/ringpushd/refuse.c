/*
 * refuse.c: the answer to a connection the limits do not admit.
 *
 * Closing such a socket without a word made load tests from one host
 * (ab -k -c 300, h2load -c 400) report resets and nothing in the error
 * log said why.  The client now gets 503 with Retry-After, as nginx's
 * limit_conn answers, and the operator a warning naming the address and
 * the limit, at most once per REFUSE_LOG_INTERVAL_MS per limit so that a
 * flood cannot fill the log.
 *
 * No connection slot is taken (at max_connections there is none): the
 * answer is written at once with non-blocking system calls on the socket
 * just accepted, whose send buffer is empty, so the whole short response
 * fits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "refuse.h"

/* Request bytes read before the answer: more than any request header a
 * client sends before it reads. */
#define REFUSE_DRAIN_MAX (64 * 1024)

int
refuse_format(char *buf, size_t cap, time_t now)
{
	static const char retry[] = "Retry-After: ";
	char field[64];
	const char *eol;
	int len, flen;

	len = http_format_error(buf, cap, 503, false, NULL, now);
	if (len < 0)
		return -1;
	/* After the status line: the error writer knows no Retry-After. */
	eol = memmem(buf, (size_t)len, "\r\n", 2);
	if (eol == NULL)
		return -1;
	flen = snprintf(field, sizeof(field), "%s%d\r\n", retry, REFUSE_RETRY_AFTER_S);
	if (flen < 0 || (size_t)len + (size_t)flen + 1 > cap)
		return -1;
	eol += 2;
	memmove((char *)eol + flen, eol, (size_t)len - (size_t)(eol - buf));
	memcpy((char *)eol, field, (size_t)flen);
	len += flen;
	buf[len] = '\0';
	return len;
}

bool
refuse_log_due(struct refuse_log *rl, uint64_t now_ms, uint64_t *suppressed_out)
{
	if (rl->logged && now_ms - rl->last_ms < REFUSE_LOG_INTERVAL_MS) {
		rl->suppressed++;
		return false;
	}
	*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	rl->last_ms = now_ms;
	rl->logged = true;
	return true;
}

void
refuse_connection(int fd, time_t now)
{
	static char response[1024], drain[16 * 1024];
	static time_t formatted_at = -1;
	static int len;
	size_t drained = 0;
	ssize_t n;

	/* Date changes once a second: format at most that often. */
	if (formatted_at != now) {
		len = refuse_format(response, sizeof(response), now);
		formatted_at = now;
	}
	while (drained < REFUSE_DRAIN_MAX &&
	    (n = recv(fd, drain, sizeof(drain), MSG_DONTWAIT)) > 0)
		drained += (size_t)n;
	if (len > 0)
		(void)send(fd, response, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	close(fd);
}

void
refuse_warn(struct refuse_log *rl, uint64_t now_ms,
    const struct sockaddr_storage *peer, const char *limit, unsigned value)
{
	char host[INET6_ADDRSTRLEN] = "-";
	uint64_t suppressed;

	if (!refuse_log_due(rl, now_ms, &suppressed))
		return;
	if (peer->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr,
		    host, sizeof(host));
	else if (peer->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr,
		    host, sizeof(host));
	log_warn("refusing connections from %s with 503: %s (%u) reached"
	    " (%llu more refused since the last warning)", host, limit, value,
	    (unsigned long long)suppressed);
}
