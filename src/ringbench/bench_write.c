/*
 * bench_write.c: ringbench's write side.  Every PUT of a job is the same
 * bs bytes, made once from the job's seed, so a request costs no
 * formatting; verify= reads each file back after the run with plain
 * blocking calls, outside the measured window.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_http.h"
#include "bench_write.h"

/*
 * Writes: every PUT of a path is the same head and the same body: bs
 * bytes from the job's seed, made once.  The digest verify= compares the
 * files read back with is the body's.  Nothing is asked of the server:
 * the files need not exist yet.
 */
int
bench_write_prepare(const struct bench_job *j, struct bench_target *t, FILE *err)
{
	char req[2048];
	uint64_t rng = j->randseed | 1;
	size_t i;

	t->body = malloc(j->bs > 0 ? j->bs : 1);
	if (t->body == NULL)
		abort();
	for (uint64_t off = 0; off < j->bs; off += 8) {
		uint64_t v;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		v = rng;
		memcpy(t->body + off, &v, j->bs - off < 8 ? j->bs - off : 8);
	}
	for (i = 0; i < j->npaths; i++) {
		struct target_path *tp = &t->paths[i];

		tp->path = j->paths[i];
		if (!bench_rw_reads(j->rw)) {
			tp->size = j->bs;
			t->total_size += j->bs;
		}
		tp->put_len = bench_http_put(req, sizeof(req), t->hostport, tp->path,
		    j->bs, j->keepalive, j->http_user, j->http_pass);
		if (tp->put_len < 0) {
			fprintf(err, "job '%s': path or credentials too long: %s\n",
			    j->name, tp->path);
			return 1;
		}
		tp->put = strdup(req);
		if (tp->put == NULL)
			abort();
		if (j->verify != BENCH_VERIFY_NONE) {
			struct bench_digest d;

			if (bench_digest_open(&d, j->verify) < 0)
				abort();
			bench_digest_update(&d, t->body, j->bs);
			bench_digest_final(&d, tp->digest);
			bench_digest_close(&d);
		}
	}
	return 0;
}

/*
 * rw=write with verify=: GET each path written and compare its digest
 * with the body's.  0 when it matches, -1 (with a message) when not.
 */
static int
read_back(const struct bench_job *j, struct bench_target *t, struct target_path *tp,
    FILE *err)
{
	static char buf[1 << 16];
	struct bench_http_resp resp;
	struct bench_digest d;
	uint8_t got[BENCH_DIGEST_MAX];
	char req[1024];
	uint64_t body = 0;
	size_t len = 0;
	long hl = 0;
	ssize_t n;
	int fd, reqlen, rc = -1;

	reqlen = bench_http_request(req, sizeof(req), "GET", t->hostport, tp->path,
	    0, 0, false);
	if (reqlen < 0 || (fd = bench_target_dial(t)) < 0) {
		fprintf(err, "job '%s': verify: cannot read back %s\n", j->name, tp->path);
		return -1;
	}
	if (bench_digest_open(&d, j->verify) < 0)
		abort();
	if (send(fd, req, (size_t)reqlen, MSG_NOSIGNAL) != reqlen)
		goto out;
	while (hl == 0 && (n = recv(fd, buf + len, sizeof(buf) - len, 0)) > 0) {
		len += (size_t)n;
		hl = bench_http_parse(buf, len, &resp);
		if (hl == 0 && len == sizeof(buf))
			hl = -1;
	}
	if (hl <= 0 || resp.status != 200 || !resp.has_length) {
		fprintf(err, "job '%s': verify: GET %s: no 200 with a length\n", j->name,
		    tp->path);
		goto out;
	}
	body = len - (size_t)hl;
	bench_digest_update(&d, buf + hl, body);
	while (body < resp.content_length && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		bench_digest_update(&d, buf, (size_t)n);
		body += (uint64_t)n;
	}
	bench_digest_final(&d, got);
	if (body != tp->size || resp.content_length != tp->size ||
	    memcmp(got, tp->digest, bench_verify_len(j->verify)) != 0)
		fprintf(err, "job '%s': verify: %s does not hold what was written "
		    "(%llu bytes)\n", j->name, tp->path, (unsigned long long)body);
	else
		rc = 0;
out:
	bench_digest_close(&d);
	close(fd);
	return rc;
}

void
bench_write_verify(const struct bench_job *jobs, size_t njobs, struct bench_target *targets,
    struct bench_result *results, FILE *err)
{
	size_t first = 0;

	for (size_t i = 0; i < njobs; first += jobs[i].numjobs, i++) {
		if (!bench_rw_writes(jobs[i].rw) || jobs[i].verify == BENCH_VERIFY_NONE)
			continue;
		for (size_t k = 0; k < targets[i].npaths; k++) {
			/* randwrite, or fewer requests than paths */
			if (!targets[i].paths[k].written)
				continue;
			if (read_back(&jobs[i], &targets[i], &targets[i].paths[k], err) == 0)
				results[first].verified++;
			else
				results[first].err.verify_mismatch++;
		}
	}
}
