/*
 * harness.c: start and stop ringpushd for a test, a small HTTP/1.1 client
 * with deadlines, and file-tree helpers with deterministic content.
 *
 * Everything here fails the current test through Criterion assertions, so
 * tests read as a list of exchanges.  A failed assertion leaves the test by
 * longjmp, so daemons are also recorded in a static table that an atexit
 * handler sweeps: no daemon or temporary tree outlives its test process.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RP_MAX_DAEMONS 8
#define RP_HEAD_MAX (64 * 1024)     /* a response head larger than this is bad */
#define VALGRIND_ERROR_EXIT 99

/* What the atexit sweep needs; copies, since a test's stack is gone by then. */
static struct {
	pid_t pid;
	char dir[PATH_MAX];           /* the daemon's d->dir: the lookup key */
	char top[PATH_MAX];           /* what is removed: dir or its overlay's parent */
	char mount[PATH_MAX];         /* an overlay mounted inside top, or "" */
	char output[PATH_MAX];
} registry[RP_MAX_DAEMONS];
static int nregistered;
static bool sweep_installed;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void
rp_sweep(void)
{
	int i, status;

	for (i = 0; i < nregistered; i++) {
		if (registry[i].pid > 0 &&
		    waitpid(registry[i].pid, &status, WNOHANG) == 0) {
			/* The test failed with the daemon running: show why. */
			char *out = rp_slurp(registry[i].output, NULL);

			if (out != NULL) {
				size_t n = strlen(out);

				fprintf(stderr, "--- ringpushd output (left running) ---\n%s\n",
				    n > 4096 ? out + n - 4096 : out);
				free(out);
			}
			kill(registry[i].pid, SIGKILL);
			waitpid(registry[i].pid, &status, 0);
		}
		if (registry[i].mount[0] != '\0')
			umount2(registry[i].mount, MNT_DETACH);
		if (registry[i].top[0] != '\0')
			nftw(registry[i].top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	nregistered = 0;
}

static void
rp_register(const char *dir, const char *top, const char *mount, const char *output)
{
	cr_assert(nregistered < RP_MAX_DAEMONS, "too many daemons in one test");
	if (!sweep_installed) {
		atexit(rp_sweep);
		sweep_installed = true;
	}
	registry[nregistered].pid = 0;
	snprintf(registry[nregistered].dir, PATH_MAX, "%s", dir);
	snprintf(registry[nregistered].top, PATH_MAX, "%s", top);
	snprintf(registry[nregistered].mount, PATH_MAX, "%s", mount);
	snprintf(registry[nregistered].output, PATH_MAX, "%s", output);
	nregistered++;
}

static void
rp_register_pid(const char *dir, pid_t pid)
{
	int i;

	for (i = 0; i < nregistered; i++)
		if (strcmp(registry[i].dir, dir) == 0)
			registry[i].pid = pid;
}

const char *
rp_result_str(int r)
{
	switch (r) {
	case RP_OK: return "ok";
	case RP_CLOSED: return "connection closed before any response byte";
	case RP_EOF: return "connection closed in the middle of a response";
	case RP_TIMEOUT: return "timed out";
	case RP_BAD: return "malformed response";
	case RP_ERROR: return "socket error";
	default: return "?";
	}
}

bool
rp_under_valgrind(void)
{
	const char *w = getenv("RINGPUSHD_WRAPPER");

	return w != NULL && strcmp(w, "valgrind") == 0;
}

int
rp_io_timeout(void)
{
	return rp_under_valgrind() ? 60 : 20;
}

const char *
rp_daemon_path(void)
{
	const char *p = getenv("RINGPUSHD");

	return p != NULL && *p != '\0' ? p : "build/ringpushd";
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

char *
rp_slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/*
 * Fork and exec argv with output to out_path.  The child dies with the
 * test process (PR_SET_PDEATHSIG) so a crashed test cannot leak a daemon.
 */
static pid_t
rp_spawn(char *const argv[], const char *out_path, bool wrap)
{
	char *full[64];
	int n = 0, i;
	pid_t pid;

	if (wrap && rp_under_valgrind()) {
		full[n++] = "valgrind";
		full[n++] = "--error-exitcode=99";
		full[n++] = "--leak-check=full";
		full[n++] = "--errors-for-leak-kinds=definite";
		full[n++] = "--track-fds=no";
	}
	for (i = 0; argv[i] != NULL && n < 63; i++)
		full[n++] = argv[i];
	full[n] = NULL;

	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

		if (in < 0 || out < 0)
			_exit(126);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		if (in > 2)
			close(in);
		if (out > 2)
			close(out);
		execvp(full[0], full);
		dprintf(2, "exec %s: %s\n", full[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* waitpid with a deadline: the status, or -1 on timeout. */
static int
rp_wait_pid(pid_t pid, double timeout_s)
{
	double end = now_s() + timeout_s;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		cr_assert(r == 0, "waitpid: %s", strerror(errno));
		if (now_s() > end)
			return -1;
		sleep_ms(10);
	}
}

int
rp_run(char *const argv[], const char *out_path, int timeout_s, bool wrap)
{
	pid_t pid = rp_spawn(argv, out_path, wrap);
	int status = rp_wait_pid(pid, rp_under_valgrind() && wrap ? timeout_s * 4 : timeout_s);

	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return status;
}

bool
rp_have(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL, full[PATH_MAX];
	bool found = false;

	dirs = strdup(path != NULL ? path : "/usr/bin:/bin");
	cr_assert_not_null(dirs);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir, prog);
		found = access(full, X_OK) == 0;
	}
	free(dirs);
	return found;
}

void
rp_need(const char *prog)
{
	if (!rp_have(prog))
		cr_skip_test("%s is not installed", prog);
}

void
rp_run_ok(const struct rp_daemon *d, char *const argv[], int timeout_s)
{
	char log[PATH_MAX], *out;
	int status;

	snprintf(log, sizeof(log), "%s/client.out", d->dir);
	status = rp_run(argv, log, timeout_s, false);
	out = rp_slurp(log, NULL);
	cr_assert(status != -1, "%s did not finish:\n%s", argv[0], out ? out : "");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s failed (status 0x%x):\n%s", argv[0], status, out ? out : "");
	free(out);
}

bool
rp_overlay_wanted(void)
{
	const char *v = getenv("RP_TEST_OVERLAY");

	return v != NULL && strcmp(v, "1") == 0;
}

/*
 * The first call in a test process moves it into a mount namespace of its
 * own, private below /, so its overlays are seen only by it and its
 * children (the daemon, ringbench) and vanish with them even if the test
 * is killed.  Returns NULL, or why an overlay cannot be had here.
 */
static const char *
overlay_namespace(void)
{
	static bool done;
	static char why[256];

	if (done)
		return why[0] != '\0' ? why : NULL;
	done = true;
	if (unshare(CLONE_NEWNS) != 0)
		snprintf(why, sizeof(why), "no mount namespace (unshare: %s; run as root)",
		    strerror(errno));
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		snprintf(why, sizeof(why), "cannot make / private (%s)", strerror(errno));
	return why[0] != '\0' ? why : NULL;
}

int
rp_overlay_mount(const char *top, char *merged, size_t cap, char *why, size_t why_cap)
{
	static const char *const layers[] = { "lower", "upper", "work", "merged" };
	char path[PATH_MAX], opts[3 * PATH_MAX + 64];
	const char *ns = overlay_namespace();
	size_t i;

	if (ns != NULL) {
		snprintf(why, why_cap, "%s", ns);
		return -1;
	}
	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", top, layers[i]);
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s",
		    path, strerror(errno));
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work",
	    top, top, top);
	cr_assert((size_t)snprintf(merged, cap, "%s/merged", top) < cap);
	if (mount("overlay", merged, "overlay", 0, opts) != 0) {
		snprintf(why, why_cap, "mount -t overlay on %s: %s", merged, strerror(errno));
		return -1;
	}
	/* Inside a test's tree: unmounted before the tree is removed. */
	for (i = 0; i < (size_t)nregistered; i++) {
		size_t n = strlen(registry[i].top);

		if (n > 0 && strncmp(top, registry[i].top, n) == 0 &&
		    (top[n] == '/' || top[n] == '\0') && registry[i].mount[0] == '\0')
			snprintf(registry[i].mount, PATH_MAX, "%s", merged);
	}
	return 0;
}

void
rp_setup(struct rp_daemon *d)
{
	const char *tmp = getenv("TMPDIR");
	char top[sizeof(d->dir)], mounted[sizeof(d->dir)] = "", why[512];

	memset(d, 0, sizeof(*d));
	snprintf(top, sizeof(top), "%s/ringpush-test.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(top), "mkdtemp: %s", strerror(errno));
	snprintf(d->dir, sizeof(d->dir), "%s", top);
	if (rp_overlay_wanted()) {
		if (rp_overlay_mount(top, d->dir, sizeof(d->dir), why, sizeof(why)) != 0) {
			nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
			cr_skip_test("RP_TEST_OVERLAY=1 but no overlay here: %s", why);
		}
		snprintf(mounted, sizeof(mounted), "%s", d->dir);
	}
	snprintf(d->root, sizeof(d->root), "%s/root", d->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/ringpushd.conf", d->dir);
	snprintf(d->output, sizeof(d->output), "%s/daemon.out", d->dir);
	snprintf(d->access_log, sizeof(d->access_log), "%s/access.log", d->dir);
	cr_assert(mkdir(d->root, 0755) == 0, "mkdir %s: %s", d->root, strerror(errno));
	rp_register(d->dir, top, mounted, d->output);
}

const char *rp_engine = "splice";

double
rp_sample(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = text; (p = strstr(p, name)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return atof(p + len + 1);
	}
	cr_assert_fail("no sample %s in:\n%s", name, text);
	return -1;
}

double
rp_metric(const struct rp_daemon *d, const char *name)
{
	struct rp_response r;
	char *text;
	double v;

	rp_get(d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	text = strndup((const char *)r.body, r.body_len);
	cr_assert_not_null(text);
	v = rp_sample(text, name);
	free(text);
	rp_response_free(&r);
	return v;
}

double
rp_now_s(void)
{
	return now_s();
}

void
rp_default_conf(const struct rp_daemon *d, char *buf, size_t cap)
{
	int n = snprintf(buf, cap,
	    "[daemon]\n"
	    "error_log = -\n"
	    "access_log = %s\n"
	    "log_level = info\n"
	    "allow_root = yes\n"
	    "\n"
	    "[limits]\n"
	    "max_connections = 1000\n"
	    "header_timeout = 10s\n"
	    "idle_timeout = 60s\n"
	    "send_timeout = 60s\n"
	    "max_request_header = 8K\n"
	    "\n"
	    "[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = %s\n"
	    "index = index.html\n"
	    "engine = %s\n",
	    d->access_log, d->root, rp_engine);

	cr_assert(n > 0 && (size_t)n < cap);
}

void
rp_conf_set(char *conf, size_t cap, const char *key, const char *value)
{
	size_t klen = strlen(key), tail_len, vlen = strlen(value);
	char *line, *val, *eol;

	for (line = conf; *line != '\0'; line = eol + 1) {
		if (strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '='))
			break;
		eol = strchr(line, '\n');
		if (eol == NULL) {
			line = NULL;
			break;
		}
	}
	cr_assert(line != NULL && *line != '\0', "no key %s in the configuration", key);
	val = strchr(line, '=');
	cr_assert_not_null(val);
	val += 1;
	while (*val == ' ')
		val++;
	eol = strchr(val, '\n');
	if (eol == NULL)
		eol = val + strlen(val);
	tail_len = strlen(eol);
	cr_assert((size_t)(val - conf) + vlen + tail_len + 1 <= cap, "configuration too long");
	memmove(val + vlen, eol, tail_len + 1);
	memcpy(val, value, vlen);
}

void
rp_start(struct rp_daemon *d)
{
	char conf[4096 + 2 * PATH_MAX];

	rp_default_conf(d, conf, sizeof(conf));
	rp_start_conf(d, conf);
}

char *
rp_daemon_output(const struct rp_daemon *d)
{
	char *s = rp_slurp(d->output, NULL);

	return s != NULL ? s : strdup("");
}

int
rp_output_count(const struct rp_daemon *d, const char *needle)
{
	char *text = rp_daemon_output(d), *p = text;
	int seen = 0;

	while ((p = strstr(p, needle)) != NULL) {
		seen++;
		p++;
	}
	free(text);
	return seen;
}

void
rp_wait_output(const struct rp_daemon *d, const char *needle, int count)
{
	double end = now_s() + 3 * rp_io_timeout();
	char *text;

	while (now_s() < end) {
		if (rp_output_count(d, needle) >= count)
			return;
		sleep_ms(50);
	}
	text = rp_daemon_output(d);
	cr_assert_fail("no %d x \"%s\" in the output:\n%s", count, needle, text);
	free(text);
}

void
rp_write_conf(const struct rp_daemon *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	cr_assert_not_null(f, "%s: %s", d->conf, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

const char *
rp_test_daemon_path(void)
{
	const char *p = getenv("RINGPUSHD_TEST");

	return p != NULL && p[0] != '\0' ? p : NULL;
}

void
rp_start_conf(struct rp_daemon *d, const char *conf_text)
{
	static const char marker[] = "listening on 127.0.0.1:";
	char *argv[] = { (char *)rp_daemon_path(), "-f", "-c", d->conf, NULL };
	FILE *f;
	double end;
	int status;

	f = fopen(d->conf, "w");
	cr_assert_not_null(f, "%s: %s", d->conf, strerror(errno));
	fputs(conf_text, f);
	cr_assert(fclose(f) == 0);

	d->pid = rp_spawn(argv, d->output, true);
	rp_register_pid(d->dir, d->pid);

	end = now_s() + (rp_under_valgrind() ? 120 : 30);
	for (;;) {
		char *out = rp_daemon_output(d);
		char *p = strstr(out, marker);

		if (p != NULL) {
			d->port = atoi(p + sizeof(marker) - 1);
			free(out);
			cr_assert(d->port > 0 && d->port < 65536, "bad port in the listening line");
			return;
		}
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			rp_register_pid(d->dir, 0);
			cr_assert_fail("ringpushd exited at start-up (status 0x%x):\n%s",
			    status, out);
		}
		if (now_s() > end)
			cr_assert_fail("no \"%s\" line from ringpushd; output:\n%s", marker, out);
		free(out);
		sleep_ms(10);
	}
}

bool
rp_alive(struct rp_daemon *d)
{
	int status;

	return d->pid > 0 && waitpid(d->pid, &status, WNOHANG) == 0;
}

void
rp_stop(struct rp_daemon *d)
{
	int status;
	pid_t r;
	char *out;

	cr_assert(d->pid > 0, "rp_stop without a running daemon");
	r = waitpid(d->pid, &status, WNOHANG);
	if (r == d->pid) {
		out = rp_daemon_output(d);
		d->pid = 0;
		rp_register_pid(d->dir, 0);
		cr_assert_fail("ringpushd died during the test (%s %d); output:\n%s",
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out);
	}
	cr_assert(kill(d->pid, SIGTERM) == 0, "kill: %s", strerror(errno));
	status = rp_wait_pid(d->pid, rp_under_valgrind() ? 60 : 30);
	out = rp_daemon_output(d);
	if (status == -1) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
		rp_register_pid(d->dir, 0);
		cr_assert_fail("ringpushd did not exit after SIGTERM; output:\n%s", out);
	}
	d->pid = 0;
	rp_register_pid(d->dir, 0);
	cr_assert(!WIFSIGNALED(status), "ringpushd killed by signal %d; output:\n%s",
	    WTERMSIG(status), out);
	cr_assert(!(rp_under_valgrind() && WEXITSTATUS(status) == VALGRIND_ERROR_EXIT),
	    "valgrind found errors in ringpushd:\n%s", out);
	cr_assert(WEXITSTATUS(status) == 0, "ringpushd exited with %d after SIGTERM; output:\n%s",
	    WEXITSTATUS(status), out);
	free(out);
}

/* splitmix64: cheap, well mixed, and addressable by position. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned char
pattern_byte_at(uint64_t seed, uint64_t off, uint64_t *cache_word, uint64_t *cache_idx)
{
	uint64_t idx = off >> 3;

	if (idx != *cache_idx) {
		*cache_idx = idx;
		*cache_word = mix64(seed * 0x100000001b3ULL ^ mix64(idx));
	}
	return (unsigned char)(*cache_word >> ((off & 7) * 8));
}

void
rp_pattern(uint64_t seed, uint64_t off, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t word = 0, idx = UINT64_MAX;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte_at(seed, off + i, &word, &idx);
}

ssize_t
rp_pattern_mismatch(uint64_t seed, uint64_t off, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t word = 0, idx = UINT64_MAX;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte_at(seed, off + i, &word, &idx))
			return (ssize_t)i;
	return -1;
}

void
rp_path(const struct rp_daemon *d, const char *rel, char out[PATH_MAX])
{
	while (*rel == '/')
		rel++;
	cr_assert((size_t)snprintf(out, PATH_MAX, "%s/%s", d->root, rel) < PATH_MAX);
}

static void
mkdir_parents(char *path)
{
	char *s;

	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) != 0)
			cr_assert(errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
		*s = '/';
	}
}

void
rp_mkdir(const struct rp_daemon *d, const char *rel)
{
	char path[PATH_MAX];

	rp_path(d, rel, path);
	mkdir_parents(path);
	if (mkdir(path, 0755) != 0)
		cr_assert(errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
}

void
rp_make_file(const struct rp_daemon *d, const char *rel, uint64_t size, uint64_t seed)
{
	enum { CHUNK = 1 << 20 };
	char path[PATH_MAX];
	unsigned char *buf;
	uint64_t off;
	size_t n;
	int fd;

	rp_path(d, rel, path);
	mkdir_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	buf = malloc(CHUNK);
	cr_assert_not_null(buf);
	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		rp_pattern(seed, off, buf, n);
		cr_assert(write(fd, buf, n) == (ssize_t)n, "write %s: %s", path, strerror(errno));
	}
	free(buf);
	cr_assert(close(fd) == 0);
}

void
rp_evict(const struct rp_daemon *d, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	rp_path(d, rel, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	/* dirty pages stay in the cache: write them back first */
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
}

void
rp_write_file(const struct rp_daemon *d, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	rp_path(d, rel, path);
	mkdir_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert(write(fd, data, len) == (ssize_t)len, "write %s", path);
	cr_assert(close(fd) == 0);
}

ssize_t
rp_file_mismatch(const char *path, uint64_t off, const void *buf, size_t len)
{
	enum { CHUNK = 1 << 20 };
	const unsigned char *want = buf;
	unsigned char *disk;
	size_t done = 0, i;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	disk = malloc(CHUNK);
	cr_assert_not_null(disk);
	while (done < len) {
		size_t want_n = len - done < CHUNK ? len - done : CHUNK;

		n = pread(fd, disk, want_n, (off_t)(off + done));
		cr_assert(n >= 0, "pread %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (disk[i] != want[done + i]) {
				free(disk);
				close(fd);
				return (ssize_t)(done + i);
			}
		done += (size_t)n;
	}
	free(disk);
	close(fd);
	return done == len ? -1 : (ssize_t)done;
}

struct rp_conn *
rp_connect_from(const struct rp_daemon *d, const char *from, int rcvbuf)
{
	struct sockaddr_in src, dst;
	struct timeval tv = { rp_io_timeout(), 0 };
	struct rp_conn *c;
	int fd, one = 1;

	cr_assert(d->port > 0, "connect before the daemon started");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (from != NULL) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, from, &src.sin_addr), 1, "%s", from);
		cr_assert(bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0,
		    "bind %s: %s", from, strerror(errno));
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)d->port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0,
	    "connect 127.0.0.1:%d%s%s: %s", d->port, from != NULL ? " from " : "",
	    from != NULL ? from : "", strerror(errno));
	c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	c->fd = fd;
	return c;
}

struct rp_conn *
rp_connect_rcvbuf(const struct rp_daemon *d, int rcvbuf)
{
	return rp_connect_from(d, NULL, rcvbuf);
}

struct rp_conn *
rp_connect(const struct rp_daemon *d)
{
	return rp_connect_rcvbuf(d, 0);
}

void
rp_close(struct rp_conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

void
rp_abort(struct rp_conn *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	rp_close(c);
}

void
rp_send(struct rp_conn *c, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

bool
rp_send_try(struct rp_conn *c, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return false;
		cr_assert(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return true;
}

void
rp_sends(struct rp_conn *c, const char *s)
{
	rp_send(c, s, strlen(s));
}

void
rp_sendf(struct rp_conn *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0);
	rp_send(c, s, (size_t)n);
	free(s);
}

/* Receive more bytes into c->buf.  Returns the count, 0 at EOF, or < 0. */
static ssize_t
rp_fill(struct rp_conn *c)
{
	ssize_t n;

	if (c->start > 0 && c->start == c->len)
		c->start = c->len = 0;
	if (c->cap - c->len < 16384) {
		if (c->start > 0) {
			memmove(c->buf, c->buf + c->start, c->len - c->start);
			c->len -= c->start;
			c->start = 0;
		}
		if (c->cap - c->len < 16384) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = realloc(c->buf, c->cap + 1);
			cr_assert_not_null(c->buf);
		}
	}
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->len += (size_t)n;
		return n;
	}
	if (n == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return RP_TIMEOUT;
	if (errno == ECONNRESET)
		return 0;
	return RP_ERROR;
}

static int
parse_head(struct rp_response *r)
{
	char *line, *next, *colon, *v, *end;
	int major;

	r->fields = strdup(r->head);
	cr_assert_not_null(r->fields);
	line = r->fields;
	next = strstr(line, "\r\n");
	if (next == NULL)
		return RP_BAD;
	*next = '\0';
	if (sscanf(line, "HTTP/%d.%d %d", &major, &r->version_minor, &r->status) != 3 ||
	    major != 1 || strlen(line) < 12 || line[8] != ' ' ||
	    r->status < 100 || r->status > 999)
		return RP_BAD;
	for (line = next + 2; *line != '\0'; line = next + 2) {
		next = strstr(line, "\r\n");
		if (next == NULL)
			return RP_BAD;
		*next = '\0';
		if (*line == '\0')
			break;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || r->nhdr == RP_MAX_HEADERS)
			return RP_BAD;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		r->hdr[r->nhdr].name = line;
		r->hdr[r->nhdr].value = v;
		r->nhdr++;
	}
	v = (char *)rp_hdr(r, "Content-Length");
	if (v != NULL) {
		char *e;

		if (!isdigit((unsigned char)*v))
			return RP_BAD;
		errno = 0;
		r->content_length = strtoull(v, &e, 10);
		if (*e != '\0' || errno != 0)
			return RP_BAD;
		r->has_length = true;
	}
	return RP_OK;
}

int
rp_read_head(struct rp_conn *c, struct rp_response *r)
{
	char *end;
	size_t scanned = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (c->len > c->start) {
			c->buf[c->len] = '\0';
			/* Restart a little before the new bytes: the
			 * terminator may straddle two reads. */
			end = memmem(c->buf + c->start + scanned,
			    c->len - c->start - scanned, "\r\n\r\n", 4);
			if (end != NULL) {
				size_t hl = (size_t)(end + 4 - (c->buf + c->start));

				r->head = malloc(hl + 1);
				cr_assert_not_null(r->head);
				memcpy(r->head, c->buf + c->start, hl);
				r->head[hl] = '\0';
				r->head_len = hl;
				c->start += hl;
				return parse_head(r);
			}
			if (c->len - c->start > RP_HEAD_MAX)
				return RP_BAD;
			scanned = c->len - c->start > 3 ? c->len - c->start - 3 : 0;
		}
		n = rp_fill(c);
		if (n == 0)
			return c->len > c->start ? RP_EOF : RP_CLOSED;
		if (n < 0)
			return (int)n;
	}
}

ssize_t
rp_read_some(struct rp_conn *c, void *buf, size_t len)
{
	size_t have = c->len - c->start;
	ssize_t n;

	if (have == 0) {
		c->start = c->len = 0;
		do
			n = recv(c->fd, buf, len, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return RP_TIMEOUT;
		if (errno == ECONNRESET)
			return 0;
		return RP_ERROR;
	}
	if (have > len)
		have = len;
	memcpy(buf, c->buf + c->start, have);
	c->start += have;
	return (ssize_t)have;
}

static bool
bodiless(const struct rp_response *r, bool head_request)
{
	return head_request || r->status / 100 == 1 || r->status == 204 ||
	    r->status == 304;
}

int
rp_read_response(struct rp_conn *c, struct rp_response *r, bool head_request)
{
	double end = now_s() + 10.0 * rp_io_timeout();
	size_t cap;
	ssize_t n;
	int res;

	res = rp_read_head(c, r);
	if (res != RP_OK)
		return res;
	if (bodiless(r, head_request))
		return RP_OK;
	cap = r->has_length ? (size_t)r->content_length : 65536;
	r->body = malloc(cap + 1);
	cr_assert_not_null(r->body, "body of %zu bytes", cap);
	for (;;) {
		if (r->has_length && r->body_len == r->content_length)
			break;
		if (!r->has_length && r->body_len == cap) {
			cap *= 2;
			r->body = realloc(r->body, cap + 1);
			cr_assert_not_null(r->body);
		}
		n = rp_read_some(c, r->body + r->body_len, cap - r->body_len);
		if (n == 0)
			return r->has_length ? RP_EOF : RP_OK;
		if (n < 0)
			return (int)n;
		r->body_len += (size_t)n;
		/* A daemon trickling bytes must not hold the suite forever. */
		if (now_s() > end)
			return RP_TIMEOUT;
	}
	r->body[r->body_len] = '\0';
	return RP_OK;
}

int
rp_wait_close(struct rp_conn *c, int wait_s)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	ssize_t n;

	if (c->len > c->start)
		return RP_OK;
	if (poll(&pfd, 1, wait_s * 1000) == 0)
		return RP_TIMEOUT;
	n = rp_fill(c);
	if (n == 0)
		return RP_CLOSED;
	return n > 0 ? RP_OK : (int)n;
}

void
rp_response_free(struct rp_response *r)
{
	free(r->head);
	free(r->fields);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *
rp_hdr(const struct rp_response *r, const char *name)
{
	int i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return r->hdr[i].value;
	return NULL;
}

int
rp_hdr_count(const struct rp_response *r, const char *name)
{
	int i, n = 0;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			n++;
	return n;
}

const char *
rp_describe(const struct rp_response *r)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%.3000s[%zu body bytes]",
	    r->head != NULL ? r->head : "(no head)\n", r->body_len);
	return buf;
}

int
rp_exchange(const struct rp_daemon *d, const char *raw, bool head_request,
    struct rp_response *r)
{
	struct rp_conn *c = rp_connect(d);
	int res;

	rp_sends(c, raw);
	res = rp_read_response(c, r, head_request);
	rp_close(c);
	return res;
}

void
rp_get(const struct rp_daemon *d, const char *path, struct rp_response *r)
{
	char *raw;
	int res;

	cr_assert(asprintf(&raw, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", path) > 0);
	res = rp_exchange(d, raw, false, r);
	cr_assert(res == RP_OK, "GET %s: %s; got:\n%s", path, rp_result_str(res),
	    rp_describe(r));
	free(raw);
}

void
rp_assert_serving(const struct rp_daemon *d)
{
	static const char body[] = "still serving\n";
	struct rp_response r;

	rp_write_file(d, "alive.txt", body, sizeof(body) - 1);
	rp_get(d, "/alive.txt", &r);
	cr_assert_eq(r.status, 200, "daemon no longer serves:\n%s", rp_describe(&r));
	cr_assert(r.body_len == sizeof(body) - 1 && memcmp(r.body, body, r.body_len) == 0,
	    "wrong body for /alive.txt:\n%s", rp_describe(&r));
	rp_response_free(&r);
}

int
rp_notify_bind(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 30 };
	int fd;

	cr_assert_lt(strlen(path), sizeof(sa.sun_path), "%s: too long for sun_path", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(fd, -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	return fd;
}

int
rp_notify_socket(const char *tag, char *path, size_t cap)
{
	/* a short path: sun_path holds 108 bytes */
	snprintf(path, cap, "/tmp/ringpush-%s-%ld", tag, (long)getpid());
	return rp_notify_bind(path);
}

void
rp_notify_recv(int fd, char *msg, size_t cap)
{
	ssize_t n = recv(fd, msg, cap - 1, 0);

	cr_assert(n > 0, "no message from the daemon: %s", n == 0 ? "empty" : strerror(errno));
	msg[n] = '\0';
}
