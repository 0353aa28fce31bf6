/*
 * bench_target.c: ringbench's pre-flight (see bench_target.h).  Before any
 * measuring, each job's URL is resolved, every path is asked for with a
 * HEAD (its size, and a clear error for a path the server does not
 * have), the whole-file GET of each is built once, the verify= digest
 * must be available and each verify_dir copy present (and hashed, for
 * rw=read), and jobs that write get their PUT heads and body
 * (bench_write.c).  A problem is reported per job, with the option that
 * caused it, and no job runs.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_http.h"
#include "bench_run.h"
#include "bench_target.h"
#include "bench_verify.h"
#include "bench_write.h"

#define PREFLIGHT_TIMEOUT_S 5

int
bench_target_dial(const struct bench_target *t)
{
	struct timeval tv = { PREFLIGHT_TIMEOUT_S, 0 };
	int fd;

	fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* HEAD one path on *fd (reconnecting when needed); 0, or -1 with a message. */
static int
head_path(const struct bench_job *j, struct bench_target *t, int *fd,
    struct target_path *tp, FILE *err)
{
	char req[1024], buf[8192];
	struct bench_http_resp resp;
	size_t len = 0;
	ssize_t n = -1;
	long hl = 0;
	int reqlen;

	reqlen = bench_http_request(req, sizeof(req), "HEAD", t->hostport,
	    tp->path, 0, 0, true);
	if (reqlen < 0) {
		fprintf(err, "job '%s': path too long: %s\n", j->name, tp->path);
		return -1;
	}
	if (*fd < 0 && (*fd = bench_target_dial(t)) < 0) {
		fprintf(err, "job '%s': option 'url': cannot connect to %s: %s\n",
		    j->name, t->hostport, strerror(errno));
		return -1;
	}
	if (send(*fd, req, (size_t)reqlen, MSG_NOSIGNAL) != reqlen)
		goto io;
	while (hl == 0) {
		n = recv(*fd, buf + len, sizeof(buf) - len, 0);
		if (n <= 0)
			goto io;
		len += (size_t)n;
		hl = bench_http_parse(buf, len, &resp);
		if (hl < 0 || (hl == 0 && len == sizeof(buf))) {
			fprintf(err, "job '%s': HEAD %s%s: not an HTTP/1.1 "
			    "response with a Content-Length\n", j->name,
			    t->hostport, tp->path);
			return -1;
		}
	}
	if (resp.status != 200 || !resp.has_length) {
		fprintf(err, "job '%s': HEAD %s%s: HTTP %d%s\n", j->name,
		    t->hostport, tp->path, resp.status,
		    resp.has_length ? "" : " without Content-Length");
		return -1;
	}
	tp->size = resp.content_length;
	if (resp.close) {
		close(*fd);
		*fd = -1;
	}
	return 0;
io:
	fprintf(err, "job '%s': HEAD %s%s: %s\n", j->name, t->hostport,
	    tp->path, n == 0 ? "connection closed by the server" :
	    strerror(errno));
	return -1;
}

/*
 * Every whole-file request of a path is the same bytes: make them once, so
 * that issuing a request costs no formatting.
 */
static int
build_get(const struct bench_job *j, struct bench_target *t,
    struct target_path *tp)
{
	char req[1024];

	tp->get_len = bench_http_request(req, sizeof(req), "GET", t->hostport,
	    tp->path, 0, 0, j->keepalive);
	if (tp->get_len < 0)
		return -1;      /* the HEAD before it has said why */
	tp->get = strdup(req);
	if (tp->get == NULL)
		abort();
	return 0;
}

static int
prepare_one(const struct bench_job *j, struct bench_target *t, FILE *err)
{
	struct addrinfo hints, *ai;
	struct bench_digest probe;
	struct stat st;
	size_t i;
	int rc, fd = -1, problems = 0;

	if (bench_digest_open(&probe, j->verify) < 0) {
		fprintf(err, "job '%s': option 'verify': %s: libcrypto cannot "
		    "provide it\n", j->name, bench_verify_name(j->verify));
		return 1;
	}
	bench_digest_close(&probe);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(j->host, j->port, &hints, &ai);
	if (rc != 0) {
		fprintf(err, "job '%s': option 'url': cannot resolve '%s': %s\n",
		    j->name, j->host, gai_strerror(rc));
		return 1;
	}
	memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
	t->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(t->hostport, sizeof(t->hostport), strchr(j->host, ':') != NULL ?
	    "[%s]:%s" : "%s:%s", j->host, j->port);
	t->paths = calloc(j->npaths, sizeof(*t->paths));
	if (t->paths == NULL)
		abort();
	t->npaths = j->npaths;
	if (!bench_rw_reads(j->rw))
		return bench_write_prepare(j, t, err);
	for (i = 0; i < j->npaths && problems == 0; i++) {
		struct target_path *tp = &t->paths[i];

		tp->path = j->paths[i];
		if (head_path(j, t, &fd, tp, err) < 0) {
			problems++;
			break;
		}
		t->total_size += tp->size;
		if (build_get(j, t, tp) < 0) {
			problems++;
			break;
		}
		if (j->rw == BENCH_RW_RANDREAD && tp->size == 0) {
			fprintf(err, "job '%s': rw=randread: %s is empty\n",
			    j->name, tp->path);
			problems++;
		}
		if (j->verify == BENCH_VERIFY_NONE)
			continue;
		if (asprintf(&tp->local, "%s%s", j->verify_dir, tp->path) < 0)
			abort();
		if (stat(tp->local, &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(err, "job '%s': option 'verify_dir': no local "
			    "copy of %s at %s\n", j->name, tp->path, tp->local);
			problems++;
			continue;
		}
		tp->local_size = (uint64_t)st.st_size;
		if (j->rw == BENCH_RW_READ && bench_digest_file(j->verify,
		    tp->local, 0, tp->local_size, tp->digest) < 0) {
			fprintf(err, "job '%s': option 'verify_dir': cannot read "
			    "%s: %s\n", j->name, tp->local, strerror(errno));
			problems++;
		}
	}
	if (fd >= 0)
		close(fd);
	/* rw, randrw: the files exist, and writes replace them */
	if (problems == 0 && bench_rw_writes(j->rw))
		problems += bench_write_prepare(j, t, err);
	return problems;
}

int
bench_prepare(const struct bench_job *jobs, size_t njobs,
    struct bench_target **targets, FILE *err)
{
	struct bench_target *t;
	size_t i;
	int problems = 0;

	t = calloc(njobs, sizeof(*t));
	if (t == NULL)
		abort();
	for (i = 0; i < njobs; i++)
		problems += prepare_one(&jobs[i], &t[i], err);
	if (problems != 0) {
		bench_targets_free(t, njobs);
		return problems;
	}
	*targets = t;
	return 0;
}

void
bench_targets_free(struct bench_target *targets, size_t njobs)
{
	size_t i, k;

	if (targets == NULL)
		return;
	for (i = 0; i < njobs; i++) {
		for (k = 0; k < targets[i].npaths; k++) {
			free(targets[i].paths[k].get);
			free(targets[i].paths[k].put);
			free(targets[i].paths[k].local);
		}
		free(targets[i].paths);
		free(targets[i].body);
	}
	free(targets);
}
