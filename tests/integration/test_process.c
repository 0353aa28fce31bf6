/*
 * test_process.c: the daemon as a process — the descriptors it inherits,
 * its working directory, signals during a graceful stop, the service
 * manager's messages after the privilege drop, and the warnings a reload
 * gives for keys that change only at restart.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Wait for a daemon that stops by itself; returns its wait status. */
static int
wait_exit(struct rp_daemon *d, int timeout_s)
{
	int status;

	for (int i = 0; i < timeout_s * 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return status;
		}
		usleep(50000);
	}
	cr_assert_fail("ringpushd did not exit within %d s", timeout_s);
	return -1;
}

/* Does any descriptor of pid name path? */
static bool
holds_file(pid_t pid, const char *path)
{
	char dir[64], link[PATH_MAX + 64], target[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	dp = opendir(dir);
	cr_assert_not_null(dp, "%s: %s", dir, strerror(errno));
	while ((e = readdir(dp)) != NULL) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			found = true;
	}
	closedir(dp);
	return found;
}

/*
 * `flock LOCK ringpushd ...`: the lock's descriptor (and any other one the
 * starting process left open) must not stay open in the daemon, or the
 * lock is held for the daemon's whole life.
 */
Test(process, inherited_descriptors_are_closed, .timeout = 120)
{
	struct rp_daemon d;
	char lock_path[PATH_MAX + 16], stray_path[PATH_MAX + 16];
	int lock_fd, stray_fd, again;

	rp_setup(&d);
	snprintf(lock_path, sizeof(lock_path), "%s/start.lock", d.dir);
	snprintf(stray_path, sizeof(stray_path), "%s/stray", d.dir);
	/* no O_CLOEXEC: these are what a careless parent leaves behind */
	lock_fd = open(lock_path, O_RDWR | O_CREAT, 0600);
	stray_fd = open(stray_path, O_RDWR | O_CREAT, 0600);
	cr_assert(lock_fd >= 0 && stray_fd >= 0, "%s", strerror(errno));
	cr_assert_eq(flock(lock_fd, LOCK_EX), 0);
	rp_start(&d);
	close(lock_fd);
	close(stray_fd);

	cr_assert(!holds_file(d.pid, lock_path), "the daemon kept the inherited lock fd");
	cr_assert(!holds_file(d.pid, stray_path), "the daemon kept an inherited fd");
	again = open(lock_path, O_RDWR | O_CLOEXEC);
	cr_assert(again >= 0);
	cr_assert_eq(flock(again, LOCK_EX | LOCK_NB), 0,
	    "the lock is still held through the daemon: %s", strerror(errno));
	close(again);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A log rotation (SIGUSR1) while a graceful stop lets a transfer finish
 * must reopen the logs, not end the transfer: only a second SIGTERM or
 * SIGINT closes everything at once.
 */
Test(process, usr1_and_hup_during_a_graceful_stop_do_not_cut_transfers, .timeout = 180)
{
	const uint64_t size = 100000;
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char conf[4096], *out;
	unsigned char buf[16384];
	uint64_t got = 0;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "slow.bin", size, 21);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 10m");
	rp_conf_set(conf, sizeof(conf), "max_connections",
	    "1000\nrate_per_connection = 16K");
	rp_start_conf(&d, conf);
	c = rp_connect(&d);
	rp_sends(c, "GET /slow.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);

	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	rp_wait_output(&d, "stopping (", 1);
	cr_assert_eq(kill(d.pid, SIGUSR1), 0);
	rp_wait_output(&d, "SIGUSR1: reopening the logs", 1);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(kill(d.pid, SIGUSR1), 0);
	rp_wait_output(&d, "SIGUSR1: reopening the logs", 2);

	while (got < size) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		if (n <= 0) {
			out = rp_daemon_output(&d);
			cr_assert_fail("body ended at %lu of %lu: %s; output:\n%s",
			    (unsigned long)got, (unsigned long)size,
			    rp_result_str((int)n), out);
		}
		cr_assert_eq(rp_pattern_mismatch(21, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
	rp_close(c);
	status = wait_exit(&d, 120);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	cr_assert_eq(rp_output_count(&d, "again"), 0);
}

/* The escalation itself stays: a second SIGTERM closes what is left. */
Test(process, a_second_sigterm_still_closes_everything, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char conf[4096];
	int status;

	rp_setup(&d);
	rp_make_file(&d, "slow.bin", 1000000, 22);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 10m");
	rp_conf_set(conf, sizeof(conf), "max_connections",
	    "1000\nrate_per_connection = 16K");
	rp_start_conf(&d, conf);
	c = rp_connect(&d);
	rp_sends(c, "GET /slow.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	rp_response_free(&r);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	rp_wait_output(&d, "stopping (", 1);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	rp_wait_output(&d, "again: closing 1 connections now", 1);
	status = wait_exit(&d, 60);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	rp_close(c);
}

/* The daemon's working directory, as the kernel reports it. */
static void
proc_cwd(pid_t pid, char out[PATH_MAX])
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/cwd", (long)pid);
	n = readlink(link, out, PATH_MAX - 1);
	cr_assert(n > 0, "%s: %s", link, strerror(errno));
	out[n] = '\0';
}

/*
 * The daemon leaves the directory it was started in (it must not pin that
 * mount), yet a relative -c path, root, access log and error log keep
 * meaning what they meant at start, on a reload too.
 */
Test(process, working_directory_is_root_and_relative_paths_survive_reload, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096], cwd[PATH_MAX], *log;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "first\n", 6);
	cr_assert_eq(chdir(d.dir), 0);
	snprintf(d.conf, sizeof(d.conf), "ringpushd.conf");
	snprintf(conf, sizeof(conf),
	    "[daemon]\n"
	    "error_log = error.log\n"
	    "access_log = access.log\n"
	    "allow_root = yes\n"
	    "\n"
	    "[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = root\n"
	    "engine = %s\n", rp_engine);
	/* rp_start_conf waits for the listening line in its output, so the
	 * error log starts on stderr and moves to the file on reload */
	rp_conf_set(conf, sizeof(conf), "error_log", "-");
	rp_start_conf(&d, conf);
	proc_cwd(d.pid, cwd);
	cr_assert_str_eq(cwd, "/", "the daemon stays in %s", cwd);
	rp_assert_serving(&d);

	write_text("root/a.txt", "second\n");
	rp_conf_set(conf, sizeof(conf), "error_log", "error.log");
	rp_conf_set(conf, sizeof(conf), "access_log", "access2.log");
	write_text(d.conf, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	for (int tries = 0; tries < 1200; tries++) {
		log = rp_slurp("error.log", NULL);
		if (log != NULL && strstr(log, "applied") != NULL)
			break;
		free(log);
		log = NULL;
		usleep(50000);
	}
	cr_assert_not_null(log, "no reload in %s/error.log; output:\n%s", d.dir,
	    rp_daemon_output(&d));
	{
		/* a listener on port 0 gets a new port on reload */
		static const char marker[] = "listening on 127.0.0.1:";
		char *p = log, *last = NULL;

		while ((p = strstr(p, marker)) != NULL)
			last = p++;
		cr_assert_not_null(last, "%s", log);
		d.port = atoi(last + sizeof(marker) - 1);
	}
	free(log);
	{
		struct rp_response r;

		rp_get(&d, "/a.txt", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.body_len, 7);
		cr_assert_eq(memcmp(r.body, "second\n", 7), 0);
		rp_response_free(&r);
	}
	for (int tries = 0; tries < 200; tries++) {
		struct stat st;

		if (stat("access2.log", &st) == 0 && st.st_size > 0)
			break;
		usleep(50000);
	}
	{
		struct stat st;

		cr_assert(stat("access2.log", &st) == 0 && st.st_size > 0,
		    "the relative access log of the reload is not in %s", d.dir);
	}
	rp_stop(&d);
}

/*
 * The restart-only keys are compared with what is in force: as long as
 * max_connections = 3 stays in force, every reload that asks for
 * another value says so.
 */
Test(process, every_reload_warns_about_a_restart_key_not_in_force, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096];

	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "max_connections", "3");
	rp_start_conf(&d, conf);
	rp_conf_set(conf, sizeof(conf), "max_connections", "50");
	write_text(d.conf, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 1);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 2);
	cr_assert_eq(rp_output_count(&d, "max_connections changes only at restart"), 2,
	    "%s", rp_daemon_output(&d));
	/* back to the value in force: nothing to warn about */
	rp_conf_set(conf, sizeof(conf), "max_connections", "3");
	write_text(d.conf, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 3);
	cr_assert_eq(rp_output_count(&d, "max_connections changes only at restart"), 2,
	    "%s", rp_daemon_output(&d));
	rp_stop(&d);
}

/*
 * NOTIFY_SOCKET in a directory only root may enter, and user = nobody:
 * READY=1, STATUS= and STOPPING=1 must still arrive after the drop.
 */
Test(process, notify_messages_arrive_after_the_privilege_drop, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096], dir[64], path[108], msg[1024];
	int fd, status;

	if (geteuid() != 0)
		cr_skip_test("needs root to drop privileges");
	rp_setup(&d);
	snprintf(dir, sizeof(dir), "/tmp/ringpush-nd-%ld", (long)getpid());
	mkdir(dir, 0700);
	cr_assert_eq(chmod(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = rp_notify_bind(path);

	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "allow_root", "no\nuser = nobody");
	rp_start_conf(&d, conf);
	unsetenv("NOTIFY_SOCKET");

	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "READY=1", 7) == 0, "first message: \"%s\"; output:\n%s",
	    msg, rp_daemon_output(&d));
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "STATUS=serving", 14) == 0, "\"%s\"", msg);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "STOPPING=1", 10) == 0, "\"%s\"", msg);
	status = wait_exit(&d, 60);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* A manager that went away is said once, not per message. */
Test(process, a_lost_notify_socket_is_logged_once, .timeout = 120)
{
	struct rp_daemon d;
	char path[108], msg[1024];
	int fd;

	rp_setup(&d);
	fd = rp_notify_socket("nl", path, sizeof(path));
	rp_start(&d);
	unsetenv("NOTIFY_SOCKET");
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "READY=1", 7) == 0, "\"%s\"", msg);
	close(fd);
	unlink(path);

	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 1);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 2);
	cr_assert_eq(rp_output_count(&d, "NOTIFY_SOCKET"), 1, "%s", rp_daemon_output(&d));
	rp_stop(&d);
}

/* A pid file path that names something else than a regular file (a
 * device, a FIFO) is refused: the daemon would truncate and, at exit,
 * unlink it. */
Test(process, pid_file_must_be_a_regular_file, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096], fifo[PATH_MAX + 16], out[PATH_MAX + 16], *text;
	char *argv[] = { (char *)rp_daemon_path(), "-f", "-c", NULL, NULL };
	int status;
	struct stat st;

	rp_setup(&d);
	snprintf(fifo, sizeof(fifo), "%s/pid.fifo", d.dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\npid_file = ");
	/* rp_conf_set puts the value on its own line: the fifo goes last */
	{
		char *p = strstr(conf, "pid_file = ");
		char rest[4096];

		cr_assert_not_null(p);
		snprintf(rest, sizeof(rest), "%s", p + strlen("pid_file = "));
		snprintf(p, sizeof(conf) - (size_t)(p - conf), "pid_file = %s%s", fifo, rest);
	}
	write_text(d.conf, conf);
	snprintf(out, sizeof(out), "%s/start.out", d.dir);
	argv[3] = d.conf;
	status = rp_run(argv, out, 30, true);
	text = rp_slurp(out, NULL);
	cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "status 0x%x; output:\n%s", status, text);
	cr_assert_not_null(strstr(text, "not a regular file"), "%s", text);
	cr_assert(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "the fifo was removed");
	free(text);
}
