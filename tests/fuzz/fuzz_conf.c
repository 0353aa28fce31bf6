/*
 * fuzz_conf.c: libFuzzer target for the configuration loader.
 *
 * The input becomes the contents of a memory file that conf_load() reads
 * by its /proc/self/fd path, so the real reader, inih and every check run.
 * A load that reports no problem must leave a configuration the daemon can
 * use: at least one listener, each named, with a parsed address, a root
 * and an index, and every limit within its bounds.
 */

#include <sys/mman.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_usable(const struct conf *c)
{
	unsigned i, j;

	if (c->nlisteners == 0 || c->listeners == NULL)
		abort();
	if (c->log_level < LOG_LEVEL_ERROR || c->log_level > LOG_LEVEL_DEBUG)
		abort();
	if (c->ring_entries < 64 || c->ring_entries > 32768 ||
	    c->io_workers < 1 || c->io_workers > 256 ||
	    c->pipe_size < 4096 || c->pipe_size > 1024 * 1024 ||
	    c->pipe_pool > 65536 ||
	    c->max_connections < 1 || c->max_connections > 1000000 ||
	    c->max_request_header < 1024 || c->max_request_header > 65536 ||
	    c->max_headers < 1 || c->max_headers > 1024 ||
	    c->max_target < 64 || c->max_target > 4096)
		abort();
	if (c->header_timeout_ms < 1 || c->idle_timeout_ms < 1 ||
	    c->send_timeout_ms < 1 || c->header_timeout_ms > 86400000 ||
	    c->idle_timeout_ms > 86400000 || c->send_timeout_ms > 86400000)
		abort();
	if (c->error_log[0] == '\0' || c->access_log[0] == '\0')
		abort();
	for (i = 0; i < c->nlisteners; i++) {
		const struct conf_listener *l = &c->listeners[i];

		if (l->name[0] == '\0' || l->root[0] == '\0' ||
		    l->index[0] == '\0' || strchr(l->index, '/') != NULL ||
		    l->line < 1 || (l->engine != ENGINE_SPLICE &&
		    l->engine != ENGINE_SENDFILE && l->engine != ENGINE_AUTO))
			abort();
		if (!(l->addr.ss_family == AF_INET &&
		    l->addrlen == sizeof(struct sockaddr_in)) &&
		    !(l->addr.ss_family == AF_INET6 &&
		    l->addrlen == sizeof(struct sockaddr_in6)))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(l->name, c->listeners[j].name) == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char path[64];
	struct conf c;
	int fd;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	if (conf_load(&c, path, devnull) == 0) {
		check_usable(&c);
		conf_free(&c);
	} else if (c.listeners != NULL || c.nlisteners != 0) {
		/* A failed load leaves nothing to free. */
		abort();
	}
	close(fd);
	return 0;
}
