/*
 * respond_health.c: [status] health_path, for load balancers.
 *
 * It tells nothing but whether this daemon takes new work: 200 "ok" while
 * it accepts, 503 "draining" from the first SIGTERM on (during drain_time,
 * while every other request is still served, and during the stop that
 * follows).  So it answers any client: load balancers check from other
 * machines.  Header and body go out in one send from the connection's
 * header buffer.
 */
#include <string.h>
#include "respond.h"
#include "server.h"

void
respond_health(struct server *s, struct conn *c)
{
	bool up = !s->draining && !s->stopping;
	const char *body = up ? "ok\n" : "draining\n";
	size_t body_len = strlen(body);
	struct http_response r = {
		.status = up ? 200 : 503,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
		.head = c->head,
		.content_type = "text/plain; charset=utf-8",
		.content_length = body_len,
		/* each check must reach the daemon, not a cache */
		.cache_control = "no-store",
	};
	int head = http_format_response(c->hbuf, CONN_HEADER_MAX, &r, s->now_sec);

	if (head < 0 || (size_t)head + body_len > CONN_HEADER_MAX) {
		respond_error(s, c, 500, false);
		return;
	}
	if (!c->head) {
		memcpy(c->hbuf + head, body, body_len);
		head += (int)body_len;
	}
	c->hlen = (uint32_t)head;
	c->status = r.status;
	c->file_off = c->file_end = 0;
	conn_send(s, c, c->hbuf, c->hlen);
}
