/*
 * confine.c: Landlock, the ring's restrictions and a seccomp filter.
 *
 * OpenBSD's httpd pledges and unveils once it is set up; this is the Linux
 * counterpart, written with the kernel's headers and raw system calls (no
 * libseccomp: one filter of one list of numbers does not pay for a
 * library).
 *
 * - Landlock (ABI probed): read beneath each listener's root and beneath
 *   the directory that holds it (so that a deploy that renames a new tree
 *   into place or repoints a `current` symlink is still admitted: Landlock
 *   rules bind to the directories that exist when they are made), read
 *   the configuration file (reload) and /proc/self (metrics), write and
 *   create files in the log files' directories (reopen after rotation),
 *   remove the pid file.  Nothing else; with ABI 4, no TCP connect at all.
 * - The ring: created disabled, restricted to ring_allowed[] below, then
 *   enabled (confine_ring(), from ring_init()).
 * - seccomp: the system calls the daemon makes after start-up, found with
 *   strace -f over the integration suite and kept up to date with make
 *   confine-trace; anything else kills the process (confine = log: is
 *   only logged by the kernel).
 *
 * Rules cannot be widened once applied: a reload that names a root outside
 * them is refused (confine_admits_root) and needs a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#include "conf.h"
#include "confine.h"
#include "log.h"
#include "probe.h"

#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/*
 * The ring's allowed operations: the only list of them.  An operation the
 * daemon starts to use goes here, or its SQEs complete with -EACCES.
 */
static const uint8_t ring_allowed[] = {
	IORING_OP_ACCEPT,          /* listen.c, multishot or single */
	IORING_OP_ASYNC_CANCEL,    /* cancels by fd and by user_data */
	IORING_OP_RECV,            /* requests */
	IORING_OP_SEND,            /* headers, small and error bodies */
	IORING_OP_OPENAT2,         /* request paths below a root */
	IORING_OP_READ,            /* small bodies, the signal eventfd */
	IORING_OP_WRITE,           /* log lines */
	IORING_OP_SPLICE,          /* file -> pipe -> socket */
	IORING_OP_POLL_ADD,        /* socket writable again */
	IORING_OP_TIMEOUT,         /* the tick */
	IORING_OP_TIMEOUT_REMOVE,  /* the tick, replaced after lost completions */
	IORING_OP_SEND_ZC,         /* engine mmap with send_zc */
	IORING_OP_FSYNC,           /* uploads with upload_fsync */
};
/* SQE flags the daemon sets: links of READ + SEND and of the splices,
 * receives that take their buffer from the shared ring (recvring.c), a
 * small response's SEND that posts no completion when it sends all
 * (send.c). */
static const uint8_t ring_allowed_sqe_flags = IOSQE_IO_LINK | IOSQE_IO_HARDLINK |
    IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS;
/* io_uring_register() opcodes used once the ring is enabled: the shared
 * receive ring's registration (the io-wq cap is registered before).  A
 * kernel without buffer rings refuses to hear of the opcode. */
static const uint8_t ring_allowed_register[] = { IORING_REGISTER_PBUF_RING };

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Operations the ring was restricted to, for the start's line. */
static unsigned ring_ops_registered;

bool
confine_ring_allows(uint8_t op)
{
	for (size_t i = 0; i < ARRAY_LEN(ring_allowed); i++)
		if (ring_allowed[i] == op)
			return true;
	return false;
}

int
confine_ring(struct io_uring *ring)
{
	struct io_uring_restriction res[ARRAY_LEN(ring_allowed) + ARRAY_LEN(ring_allowed_register) + 1];
	struct io_uring_probe *probe;
	unsigned n = 0;
	int ret;

	memset(res, 0, sizeof(res));
	/* The kernel refuses a restriction naming an operation it does not
	 * know: one newer than the kernel is left out (and never used). */
	probe = io_uring_get_probe();
	for (size_t i = 0; i < ARRAY_LEN(ring_allowed); i++) {
		if (probe != NULL && !io_uring_opcode_supported(probe, ring_allowed[i]))
			continue;
		res[n].opcode = IORING_RESTRICTION_SQE_OP;
		res[n++].sqe_op = ring_allowed[i];
	}
	if (probe != NULL)
		io_uring_free_probe(probe);
	ring_ops_registered = n;
	for (size_t i = 0; probe_has(PROBE_BUF_RING) && i < ARRAY_LEN(ring_allowed_register); i++) {
		res[n].opcode = IORING_RESTRICTION_REGISTER_OP;
		res[n++].register_op = ring_allowed_register[i];
	}
	res[n].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
	res[n++].sqe_flags = ring_allowed_sqe_flags;
	/* Raw calls: Debian 12's liburing declares the two helpers but does
	 * not export them. */
	ret = (int)syscall(__NR_io_uring_register, ring->ring_fd,
	    IORING_REGISTER_RESTRICTIONS, res, n);
	if (ret == 0)
		ret = (int)syscall(__NR_io_uring_register, ring->ring_fd,
		    IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	return ret == 0 ? 0 : -errno;
}

/* ---- Landlock ---- */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; the headers of Linux 6.1 know
 * only its first field.  The size passed says which fields exist. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;    /* ABI 4 */
	uint64_t scoped;                /* ABI 6 */
};

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Beneath a root with uploads: files written, made, linked into place,
 * removed, directories made. */
#define LL_WRITE_TREE (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
/* A log directory: append to the log, create it again after rotation. */
#define LL_LOG_DIR (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)
/* What a rule on a file (not a directory) may hold. */
#define LL_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define CONFINE_MAX_ROOTS 256

/* Directories readable under the rules applied (real paths), for
 * confine_admits_root(). */
static char *admitted[CONFINE_MAX_ROOTS];
static unsigned nadmitted;
static bool landlock_applied;

/* The file system rights Landlock ABI abi knows: all are handled (denied
 * unless a rule allows them). */
static uint64_t
landlock_fs_handled(int abi)
{
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/* The rule set under construction: rules added to its fd, counted; the
 * first failure is kept and stops the rest. */
struct ll_builder {
	int ruleset_fd;
	uint64_t handled;
	unsigned rules;
	int failed_errno;
	char failed_path[PATH_MAX];
};

static void
ll_add(struct ll_builder *b, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr attr;
	struct stat st;
	int fd;

	if (b->failed_errno != 0)
		return;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd == -1)
		goto fail;
	if (fstat(fd, &st) == -1) {
		close(fd);
		goto fail;
	}
	if (!S_ISDIR(st.st_mode))
		access &= LL_FILE_RIGHTS;
	attr.allowed_access = access & b->handled;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, b->ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
		close(fd);
		goto fail;
	}
	close(fd);
	b->rules++;
	return;
fail:
	b->failed_errno = errno;
	snprintf(b->failed_path, sizeof(b->failed_path), "%s", path);
}

/* The directory part of path, an absolute path ("/" for "/x"). */
static void
dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash == NULL || slash == path ? 1 : (size_t)(slash - path);

	if (len >= cap)
		len = cap - 1;
	memmove(out, slash == NULL ? "/" : path, len);
	out[len] = '\0';
	/* a trailing slash: "/srv/www/" names /srv/www, held by /srv */
	if (slash != NULL && slash[1] == '\0' && len > 1)
		dir_of(out, out, cap);
}

static void
admit(const char *path)
{
	char real[PATH_MAX];

	if (nadmitted < CONFINE_MAX_ROOTS && realpath(path, real) != NULL)
		admitted[nadmitted++] = strdup(real);
}

/*
 * The rules of one root.  writable: beneath it files may also be written
 * (a listener with upload = on).
 * The directory holding the root may be read, so that the tree a deploy
 * swaps in there is admitted; not when that is "/".
 */
static void
ll_root(struct ll_builder *b, const char *root, bool writable)
{
	uint64_t access = LL_READ | (writable ? LL_WRITE_TREE : 0);
	char holder[PATH_MAX];

	ll_add(b, root, access);
	admit(root);
	dir_of(root, holder, sizeof(holder));
	if (strcmp(holder, "/") != 0) {
		ll_add(b, holder, LL_READ);
		admit(holder);
	}
}

/* A log file's directory, when the log is a file. */
static void
ll_log(struct ll_builder *b, const char *path)
{
	char dir[PATH_MAX];

	if (path[0] == '\0' || strcmp(path, "-") == 0 || strcmp(path, "off") == 0)
		return;
	dir_of(path, dir, sizeof(dir));
	ll_add(b, dir, LL_LOG_DIR);
}

/* The rule set made before the privilege drop (the rules' directories
 * may be open to root only), applied after it. */
static struct ll_builder prepared = { .ruleset_fd = -1 };
static int prepared_abi;
static const char *landlock_missing;
static const char *landlock_off_reason = "off";

/* Make the rule set.  0, also when the kernel offers no Landlock
 * (landlock_missing says why), or -1 on a failure (logged). */
static int
landlock_prepare(const struct conf *conf, const char *conf_path)
{
	struct ll_ruleset_attr attr;
	struct ll_builder *b = &prepared;
	size_t attr_size = offsetof(struct ll_ruleset_attr, handled_access_net);
	int abi;

	/* valgrind 3.19 does not know Landlock's system calls */
	if (RUNNING_ON_VALGRIND) {
		landlock_off_reason = "off under valgrind";
		return 0;
	}
	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		landlock_missing = errno == EOPNOTSUPP ? "Landlock (disabled at boot)" :
		    "Landlock (Linux 5.13)";
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	memset(b, 0, sizeof(*b));
	b->handled = attr.handled_access_fs = landlock_fs_handled(abi);
	/* The size given tells the kernel which fields exist: an older
	 * kernel refuses fields it does not know. */
	if (abi >= 4) {
		attr.handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	b->ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (b->ruleset_fd < 0) {
		log_err("Landlock ABI %d: creating the rule set", abi);
		return -1;
	}
	for (unsigned i = 0; i < conf->nlisteners; i++)
		ll_root(b, conf->listeners[i].root, conf->listeners[i].upload != 0);
	if (conf_path != NULL)
		ll_add(b, conf_path, LANDLOCK_ACCESS_FS_READ_FILE);
	ll_log(b, conf->error_log);
	ll_log(b, conf->access_log);
	if (conf->pid_file[0] != '\0') {
		char dir[PATH_MAX];

		dir_of(conf->pid_file, dir, sizeof(dir));
		ll_add(b, dir, LANDLOCK_ACCESS_FS_REMOVE_FILE);
	}
	/* process_* metrics, and LeakSanitizer's look at the threads */
	ll_add(b, "/proc/self", LL_READ);
	ll_add(b, "/proc/stat", LANDLOCK_ACCESS_FS_READ_FILE);
	if (b->failed_errno != 0) {
		errno = b->failed_errno;
		log_err("Landlock: a rule for %s", b->failed_path);
		close(b->ruleset_fd);
		b->ruleset_fd = -1;
		return -1;
	}
	prepared_abi = abi;
	return 0;
}

/* Apply the prepared rule set.  The ABI applied, 0 when there is none,
 * -1 on a failure (logged). */
static int
landlock_restrict(void)
{
	int ret = 0;

	if (prepared.ruleset_fd < 0)
		return 0;
	if (syscall(SYS_landlock_restrict_self, prepared.ruleset_fd, 0) != 0) {
		log_err("Landlock: restricting the daemon");
		ret = -1;
	} else {
		landlock_applied = true;
		ret = prepared_abi;
	}
	close(prepared.ruleset_fd);
	prepared.ruleset_fd = -1;
	return ret;
}

bool
confine_admits_root(const char *root)
{
	char real[PATH_MAX];

	if (!landlock_applied)
		return true;
	if (realpath(root, real) == NULL)
		return true;    /* opening it will say what is wrong */
	for (unsigned i = 0; i < nadmitted; i++) {
		size_t len = strlen(admitted[i]);

		if (strncmp(real, admitted[i], len) == 0 &&
		    (real[len] == '\0' || real[len] == '/' || len == 1))
			return true;
	}
	return false;
}

/* ---- seccomp ---- */

/*
 * The system calls made after start-up: the loop, its handlers, reload
 * (new listeners, logs, roots), SIGUSR1's log reopen, the graceful stop
 * and exit, malloc, and the error paths.  Found with strace -f over the
 * integration suite; make confine-trace lists what is missing.
 */
#ifndef __NR_cachestat
#define __NR_cachestat 451      /* the same number on every architecture */
#endif

/* AddressSanitizer: gcc says so with a macro, clang with a feature. */
#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_ASAN 1
#endif
#endif

static const int seccomp_allowed[] = {
	/* the ring and the loop */
	__NR_io_uring_enter, __NR_io_uring_register, __NR_sched_yield,
	__NR_clock_gettime, __NR_gettimeofday, __NR_clock_nanosleep, __NR_nanosleep,
	/* signals */
	__NR_rt_sigreturn, __NR_rt_sigaction, __NR_rt_sigprocmask,
	/* files: listings, the sendfile engine, residency, logs, metrics */
	__NR_openat, __NR_openat2, __NR_close, __NR_read, __NR_write, __NR_writev,
	__NR_pread64, __NR_lseek, __NR_fstat, __NR_newfstatat, __NR_statx,
	__NR_getdents64, __NR_readlink, __NR_readlinkat, __NR_sendfile,
	__NR_splice, __NR_fcntl, __NR_dup3, __NR_unlink, __NR_unlinkat,
	__NR_ioctl, __NR_cachestat, __NR_mincore, __NR_flock, __NR_poll, __NR_ppoll,
	__NR_memfd_create, __NR_ftruncate, __NR_pwrite64, __NR_sysinfo,
	/* uploads (upload.c): publishing and removing files */
	__NR_linkat, __NR_renameat, __NR_renameat2,
	/* memory */
	__NR_brk, __NR_mmap, __NR_munmap, __NR_mremap, __NR_madvise, __NR_mprotect,
	/* sockets: connections (shutdown, options), listeners at reload,
	 * the service manager's socket */
	__NR_socket, __NR_bind, __NR_listen, __NR_setsockopt, __NR_getsockopt,
	__NR_getsockname, __NR_getpeername, __NR_shutdown, __NR_accept4,
	__NR_sendto, __NR_sendmsg, __NR_recvfrom,
	/* pipes for the pool, the eventfd */
	__NR_pipe2, __NR_eventfd2,
	/* process */
	__NR_getpid, __NR_gettid, __NR_getuid, __NR_geteuid, __NR_getgid,
	__NR_getegid, __NR_getrusage, __NR_prlimit64, __NR_futex, __NR_getrandom,
	__NR_uname, __NR_exit, __NR_exit_group, __NR_tgkill, __NR_restart_syscall,
#ifdef CONFINE_ASAN
	/* AddressSanitizer's reports and LeakSanitizer's check at exit: a
	 * tracer thread that stops the others */
	__NR_clone, __NR_clone3, __NR_ptrace, __NR_wait4, __NR_prctl,
	__NR_sigaltstack, __NR_set_robust_list, __NR_rseq, __NR_sched_getaffinity,
	__NR_kill, __NR_getppid, __NR_msync,
#ifdef __NR_open
	/* the sanitizers' runtime calls the old forms where they exist */
	__NR_open, __NR_getdents,
#endif
#endif
};

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

/* Returns the number of system calls allowed, 0 when the kernel (or the
 * architecture) offers no seccomp filter (*missing says why), -1 on a
 * failure (logged). */
static int
seccomp_apply(bool log_only, const char **missing)
{
#ifdef SECCOMP_ARCH
	enum { N = ARRAY_LEN(seccomp_allowed) };
	struct sock_filter prog[4 + 2 * N + 2];
	struct sock_fprog fprog;
	unsigned n = 0;
	uint32_t deny = log_only ? SECCOMP_RET_LOG : SECCOMP_RET_KILL_PROCESS;

#ifdef RINGPUSHD_SECCOMP_LOG_ONLY
	/* make confine-trace: what is missing from the list must show in
	 * the trace, not kill the daemon */
	deny = SECCOMP_RET_LOG;
#endif

	/* Another architecture's numbers mean other calls: killed. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < N; i++) {
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (uint32_t)seccomp_allowed[i], 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
		if (errno == ENOSYS || errno == EINVAL) {
			*missing = "seccomp filters";
			return 0;
		}
		log_err("seccomp: installing the filter");
		return -1;
	}
	return N;
#else
	(void)log_only;
	*missing = "seccomp (no filter for this architecture)";
	return 0;
#endif
}

int
confine_prepare(const struct conf *conf, const char *conf_path)
{
	if (conf->confine == CONFINE_OFF)
		return 0;
	return landlock_prepare(conf, conf_path);
}

int
confine_apply(const struct conf *conf)
{
	const char *missing[3] = { NULL, NULL, NULL };
	char landlock_said[64], seccomp_said[96] = "off", lacking[160] = "";
	int abi = 0, calls = 0;
	size_t len = 0;

	if (conf->confine == CONFINE_OFF) {
		log_info("confinement off (confine = off)");
		return 0;
	}
	/* Landlock and seccomp both want it; setuid binaries could
	 * otherwise regain what is given up here. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_err("prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
	missing[0] = landlock_missing;
	snprintf(landlock_said, sizeof(landlock_said), "%s", landlock_off_reason);
	abi = landlock_restrict();
	if (abi < 0)
		return -1;
	if (abi > 0)
		snprintf(landlock_said, sizeof(landlock_said), "ABI %d, %u rules", abi,
		    prepared.rules);
	/* valgrind runs its own system calls in the daemon's process, and
	 * each would meet the filter. */
	if (RUNNING_ON_VALGRIND) {
		snprintf(seccomp_said, sizeof(seccomp_said), "off under valgrind");
	} else {
		calls = seccomp_apply(conf->confine == CONFINE_LOG, &missing[1]);
		if (calls < 0)
			return -1;
		if (calls > 0)
			snprintf(seccomp_said, sizeof(seccomp_said), "%d system calls, others %s",
			    calls, conf->confine == CONFINE_LOG ? "logged" : "kill");
	}
	for (unsigned i = 0; i < ARRAY_LEN(missing); i++) {
		if (missing[i] != NULL && len < sizeof(lacking)) {
			int w = snprintf(lacking + len, sizeof(lacking) - len, "%s%s",
			    len > 0 ? ", " : "; the kernel does not offer ", missing[i]);

			if (w > 0)
				len += (size_t)w;
		}
	}
	log_info("confined: Landlock %s; ring %u operations; seccomp %s%s",
	    landlock_said, ring_ops_registered, seccomp_said, lacking);
	return 0;
}

void
confine_test_hook(void)
{
#ifdef RINGPUSHD_TEST_HOOKS
	const char *path = getenv("RINGPUSHD_TEST_OPEN");
	int fd;

	if (getenv("RINGPUSHD_TEST_FORBIDDEN") != NULL) {
		/* a system call the daemon never makes: killed, or logged */
		log_info("test hook: chdir(2), outside the seccomp list");
		long ret = syscall(SYS_chdir, "/");
		log_info("test hook: chdir(2) returned %ld", ret);
	}
	if (path == NULL)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_info("test hook: open %s: %s", path, strerror(errno));
		return;
	}
	log_info("test hook: open %s: opened", path);
	close(fd);
#endif
}
