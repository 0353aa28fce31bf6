/*
 * probe.c: the kernel's io_uring features and system calls, probed at
 * start, and the fallbacks the daemon takes without them.
 *
 * Operations are probed with io_uring_get_probe(); features that are not
 * operations are read from what appeared with them: IORING_OP_SOCKET came
 * in 5.19 with multishot accept and cancel by fd.  Setup flags are tried
 * by ring_init(), which records what it had to do without.  System calls
 * are called with arguments that fail harmlessly: ENOSYS means missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <liburing.h>
#include "log.h"
#include "probe.h"

#ifndef SYS_cachestat
#define SYS_cachestat 451       /* the same number on every architecture */
#endif

static const struct {
	const char *name;       /* for messages and $RINGPUSHD_TEST_FALLBACKS */
	const char *since;
	const char *fallback;
} features[PROBE_N] = {
	[PROBE_DEFER_TASKRUN] = { "defer_taskrun", "6.1", "COOP_TASKRUN" },
	[PROBE_COOP_TASKRUN] = { "coop_taskrun", "5.19", "default task work" },
	[PROBE_SUBMIT_ALL] = { "submit_all", "5.18", "links submitted whole" },
	[PROBE_MULTISHOT_ACCEPT] = { "multishot_accept", "5.19", "single accepts re-armed" },
	[PROBE_CANCEL_FD] = { "cancel_fd", "5.19", "shutdown(2) and cancel by request" },
	[PROBE_OPENAT2_OP] = { "openat2_op", "5.6", "openat2(2) off the ring" },
	[PROBE_CACHESTAT] = { "cachestat", "6.5", "mincore(2) for engine auto" },
	[PROBE_SEND_ZC] = { "send_zc", "6.0", "plain SEND for send_zc" },
	[PROBE_BUF_RING] = { "buf_ring", "5.19", "idle connections polled, then read" },
};

static bool missing[PROBE_N];
static bool forced[PROBE_N];

const char *
probe_name(enum probe_feature f)
{
	return features[f].name;
}

bool
probe_has(enum probe_feature f)
{
	return !missing[f] && !forced[f];
}

bool
probe_forced(enum probe_feature f)
{
	return forced[f];
}

void
probe_missing(enum probe_feature f)
{
	missing[f] = true;
}

/* Test builds: $RINGPUSHD_TEST_FALLBACKS names the fallbacks to take on
 * a kernel that does not need them.  Elsewhere nothing is forced. */
static void
probe_read_forced(void)
{
#ifdef RINGPUSHD_TEST_HOOKS
	const char *env = getenv("RINGPUSHD_TEST_FALLBACKS");
	char list[256], *save = NULL;

	if (env == NULL || strlen(env) >= sizeof(list))
		return;
	strcpy(list, env);
	for (char *name = strtok_r(list, ", ", &save); name != NULL;
	    name = strtok_r(NULL, ", ", &save))
		for (int f = 0; f < PROBE_N; f++)
			if (strcmp(name, "all") == 0 || strcmp(name, features[f].name) == 0)
				forced[f] = true;
#endif
}

/* Linux major.minor from uname(2); -1 when it cannot be read.  Test
 * builds take $RINGPUSHD_TEST_KERNEL instead when it is set. */
static int
kernel_version(unsigned *major, unsigned *minor)
{
	struct utsname u;
	const char *release;

	if (uname(&u) != 0)
		return -1;
	release = u.release;
#ifdef RINGPUSHD_TEST_HOOKS
	if (getenv("RINGPUSHD_TEST_KERNEL") != NULL)
		release = getenv("RINGPUSHD_TEST_KERNEL");
#endif
	return sscanf(release, "%u.%u", major, minor) == 2 ? 0 : -1;
}

/* Whether a ring of provided buffers can be registered: tried on a
 * ring of its own (the registration is the only way to ask). */
static bool
buf_ring_works(void)
{
	struct io_uring ring;
	struct io_uring_buf_reg reg;
	void *mem;
	bool ok;

	if (io_uring_queue_init(2, &ring, 0) != 0)
		return false;
	mem = mmap(NULL, sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)mem;
	reg.ring_entries = 1;
	ok = mem != MAP_FAILED && io_uring_register_buf_ring(&ring, &reg, 0) == 0;
	io_uring_queue_exit(&ring);
	if (mem != MAP_FAILED)
		munmap(mem, sizeof(struct io_uring_buf));
	return ok;
}

int
probe_init(char *why, size_t cap)
{
	/* Operations the daemon cannot do without, each older than the
	 * oldest supported kernel: their absence means io_uring is cut
	 * down (or emulated), not old. */
	static const struct { int op; const char *name; } needed[] = {
		{ IORING_OP_ACCEPT, "ACCEPT" }, { IORING_OP_RECV, "RECV" },
		{ IORING_OP_SEND, "SEND" }, { IORING_OP_READ, "READ" },
		{ IORING_OP_WRITE, "WRITE" }, { IORING_OP_SPLICE, "SPLICE" },
		{ IORING_OP_POLL_ADD, "POLL_ADD" }, { IORING_OP_TIMEOUT, "TIMEOUT" },
		{ IORING_OP_TIMEOUT_REMOVE, "TIMEOUT_REMOVE" },
		{ IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL" },
	};
	struct io_uring_probe *probe;
	unsigned major, minor;

	probe_read_forced();
	if (kernel_version(&major, &minor) == 0 &&
	    (major < PROBE_MIN_MAJOR || (major == PROBE_MIN_MAJOR && minor < PROBE_MIN_MINOR))) {
		snprintf(why, cap, "Linux %u.%u is older than %d.%d, the oldest ringpushd runs on",
		    major, minor, PROBE_MIN_MAJOR, PROBE_MIN_MINOR);
		return -1;
	}
	probe = io_uring_get_probe();
	if (probe == NULL) {
		/* io_uring_setup() itself failed: say why as the kernel did */
		struct io_uring ring;
		int ret = io_uring_queue_init(2, &ring, 0);

		if (ret == 0) {
			io_uring_queue_exit(&ring);
			snprintf(why, cap, "io_uring: the kernel cannot be asked what it offers");
		} else if (ret == -EPERM) {
			snprintf(why, cap, "io_uring is disabled on this system "
			    "(sysctl kernel.io_uring_disabled, or a seccomp policy)");
		} else if (ret == -ENOSYS) {
			snprintf(why, cap, "this kernel has no io_uring (built without CONFIG_IO_URING)");
		} else {
			snprintf(why, cap, "io_uring set-up: %s", strerror(-ret));
		}
		return -1;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!io_uring_opcode_supported(probe, needed[i].op)) {
			snprintf(why, cap, "io_uring: the kernel lacks IORING_OP_%s",
			    needed[i].name);
			io_uring_free_probe(probe);
			return -1;
		}
	}
	if (!io_uring_opcode_supported(probe, IORING_OP_OPENAT2))
		missing[PROBE_OPENAT2_OP] = true;
	if (!io_uring_opcode_supported(probe, IORING_OP_SEND_ZC))
		missing[PROBE_SEND_ZC] = true;
	if (!io_uring_opcode_supported(probe, IORING_OP_SOCKET)) {
		missing[PROBE_MULTISHOT_ACCEPT] = true;
		missing[PROBE_CANCEL_FD] = true;
	}
	io_uring_free_probe(probe);
	if (!buf_ring_works())
		missing[PROBE_BUF_RING] = true;
	if (syscall(SYS_cachestat, -1, NULL, NULL, 0) == -1 && errno == ENOSYS)
		missing[PROBE_CACHESTAT] = true;
	return 0;
}

void
probe_log(void)
{
	char line[768];
	size_t len = 0;

	for (int f = 0; f < PROBE_N; f++) {
		int n;

		if (probe_has((enum probe_feature)f))
			continue;
		n = snprintf(line + len, sizeof(line) - len, "%s%s (%s%s): %s",
		    len > 0 ? ", " : "", features[f].name,
		    forced[f] ? "forced" : "Linux ", forced[f] ? "" : features[f].since,
		    features[f].fallback);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			break;
		len += (size_t)n;
	}
	if (len > 0)
		log_info("kernel: missing %s", line);
}
