/*
 * refuse.h: what a connection over max_connections or
 * max_connections_per_ip gets: 503 with Retry-After and Connection: close,
 * written at once on the fresh socket, and a warning in the error log at
 * most once per REFUSE_LOG_INTERVAL_MS per limit.
 */
#ifndef RINGPUSH_REFUSE_H
#define RINGPUSH_REFUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* Seconds a refused client is told to wait. */
#define REFUSE_RETRY_AFTER_S 1
/* At most one warning per limit in this time; the refusals in between
 * are counted and named in the next one. */
#define REFUSE_LOG_INTERVAL_MS 10000

/* The 503 response, complete: header and short body.  Returns the length,
 * or -1 if cap is too small. */
int refuse_format(char *buf, size_t cap, time_t now);

/* One limit's warning state: zero it to start. */
struct refuse_log {
	uint64_t last_ms;         /* when the last warning was written */
	uint64_t suppressed;      /* refusals since then, not logged */
	bool logged;              /* a warning was ever written */
};

/* Count one refusal at now_ms.  Returns true when a warning is due; then
 * *suppressed_out is how many refusals since the last warning went
 * unlogged, and the count restarts. */
bool refuse_log_due(struct refuse_log *rl, uint64_t now_ms, uint64_t *suppressed_out);

/* Answer the accepted socket fd with the 503 (request bytes already
 * there are read first, so that the close does not turn into a reset
 * that destroys the answer), shut its write side and close it.  Never
 * blocks: what does not fit in the socket at once is not sent. */
void refuse_connection(int fd, time_t now);

/* The warning: "refusing connections from ADDR: LIMIT (N) reached",
 * with the count of refusals not logged before it. */
void refuse_warn(struct refuse_log *rl, uint64_t now_ms,
    const struct sockaddr_storage *peer, const char *limit, unsigned value);

#endif
