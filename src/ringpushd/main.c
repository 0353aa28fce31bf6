/*
 * main.c: ringpushd's command line, start and exit status.
 *
 * Exit status: 0 success (and a clean stop), 1 invalid configuration or a
 * failed start, 2 usage error.
 *
 * Start order: inherited descriptors closed, configuration (relative
 * paths read against the starting directory), move to "/", privilege
 * check, pid file lock, fork (with -c and without -f; the parent waits
 * for the child's start status so errors still reach the terminal), logs,
 * listeners and pipes, privilege drop, pid written, stdio detached,
 * confinement (confine.c), READY=1 to the service manager.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf.h"
#include "confine.h"
#include "daemonize.h"
#include "fdlimit.h"
#include "log.h"
#include "master.h"
#include "notify.h"
#include "pidfile.h"
#include "priv.h"
#include "server.h"
#include "version.h"

#define EXIT_CONFIG 1
#define EXIT_USAGE 2
/* whom the built-in defaults run as when started as root */
#define DEFAULT_USER "nobody"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: ringpushd [-f] [-c FILE] [-t] [-V] [-h]\n"
	    "  -c FILE  read the configuration from FILE (default: built-in:\n"
	    "           serve the current directory on 127.0.0.1:8080)\n"
	    "  -f       stay in the foreground\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit\n");
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL;
	char start_dir[PATH_MAX], conf_abs[PATH_MAX];
	bool test_only = false, foreground = false;
	int report_fd = -1, pid_fd = -1;
	pid_t holder;
	struct conf conf;
	struct server server;
	int ch, status;

	/* Nothing is open yet but stdio: all else was inherited. */
	if (daemonize_close_inherited() == -1) {
		fprintf(stderr, "ringpushd: closing inherited descriptors: %m\n");
		return EXIT_CONFIG;
	}
	while ((ch = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'V':
			printf("ringpushd %s\n", RINGPUSH_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ringpushd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	/*
	 * The daemon moves to "/" so that it does not keep the mount it was
	 * started on busy; the directory it started in gives relative paths
	 * (-c, roots, logs, the pid file, the default root) their meaning,
	 * now and on every reload.
	 */
	if (getcwd(start_dir, sizeof(start_dir)) == NULL ||
	    conf_set_base_dir(start_dir) == -1) {
		fprintf(stderr, "ringpushd: the current directory: %m\n");
		return EXIT_CONFIG;
	}
	if (conf_path != NULL && conf_path[0] != '/') {
		int n = snprintf(conf_abs, sizeof(conf_abs), "%s/%s", start_dir, conf_path);

		if (n < 0 || (size_t)n >= sizeof(conf_abs)) {
			fprintf(stderr, "ringpushd: %s: path too long\n", conf_path);
			return EXIT_CONFIG;
		}
		conf_path = conf_abs;
	}
	if (conf_path != NULL) {
		int errors = conf_load(&conf, conf_path, stderr);

		if (errors > 0) {
			fprintf(stderr, "ringpushd: %s: %d error%s, not started\n",
			    conf_path, errors, errors == 1 ? "" : "s");
			conf_free(&conf);
			return EXIT_CONFIG;
		}
	} else {
		conf_defaults(&conf);
		/* Trying the daemon out as root: serve as nobody rather than
		 * refuse, or keep root. */
		if (geteuid() == 0)
			snprintf(conf.user, sizeof(conf.user), "%s", DEFAULT_USER);
	}
	/* Privilege problems are configuration problems: found before
	 * anything is bound. */
	{
		int perrors = priv_check(&conf, stderr);

		if (perrors > 0) {
			fprintf(stderr, "ringpushd: %s: %d error%s, not started\n",
			    conf_path ? conf_path : "built-in defaults", perrors,
			    perrors == 1 ? "" : "s");
			conf_free(&conf);
			return EXIT_CONFIG;
		}
	}
	if (test_only) {
		char budget[512];

		fprintf(stderr, "%s: syntax is ok\n", conf_path ? conf_path : "built-in defaults");
		/* per process: each worker holds as much */
		if (fdlimit_describe(&conf, CONN_RESERVE, budget, sizeof(budget)) > 0)
			fprintf(stderr, "%s\n", budget);
		conf_free(&conf);
		return 0;
	}
	if (chdir("/") == -1) {
		fprintf(stderr, "ringpushd: chdir /: %m\n");
		conf_free(&conf);
		return EXIT_CONFIG;
	}

	/* The built-in defaults are for trying the daemon out: always in
	 * the foreground. */
	if (conf_path == NULL)
		foreground = true;
	if (notify_init() == -1)
		fprintf(stderr, "ringpushd: NOTIFY_SOCKET: %m (no service manager messages)\n");
	if (conf.pid_file[0] != '\0') {
		pid_fd = pidfile_open(conf.pid_file, &holder);
		if (pid_fd == -1) {
			if (errno == EEXIST)
				fprintf(stderr, "ringpushd: %s: already running (pid %ld)\n",
				    conf.pid_file, (long)holder);
			else if (errno == EINVAL)
				fprintf(stderr, "ringpushd: pid_file %s: not a regular file\n",
				    conf.pid_file);
			else
				fprintf(stderr, "ringpushd: pid_file %s: %m\n", conf.pid_file);
			conf_free(&conf);
			return EXIT_CONFIG;
		}
	}
	if (!foreground && daemonize_start(&report_fd) == -1) {
		fprintf(stderr, "ringpushd: cannot start in the background: %m\n");
		status = EXIT_CONFIG;
		goto out_pid;
	}

	if (log_open(conf.error_log, (enum log_level)conf.log_level) == -1) {
		fprintf(stderr, "ringpushd: error_log %s: %m\n", conf.error_log);
		status = EXIT_CONFIG;
		goto out_pid;
	}
	if (access_log_open(conf.access_log) == -1) {
		log_err("access_log %s", conf.access_log);
		status = EXIT_CONFIG;
		goto out_log;
	}
	if (conf_path == NULL) {
		log_info("no -c given: serving %s on 127.0.0.1:8080 with built-in defaults",
		    start_dir);
	}

	/* workers = N: a master binds, forks the workers and speaks for them */
	if (master_workers(&conf) > 1) {
		struct master_start start = { &conf, conf_path, master_workers(&conf),
			pid_fd, report_fd, foreground };

		status = master_run(&start);
		access_log_close();
		goto out_log;
	}
	/* Root is given up once the listeners are bound and the pipe pool
	 * is made (server_init), before the first request is read. */
	if (server_init(&server, &conf) == -1 || confine_prepare(&conf, conf_path) == -1 ||
	    priv_drop(&conf) == -1) {
		status = EXIT_CONFIG;
		daemonize_ready(report_fd, status);
	} else {
		status = 0;
		server.conf_path = conf_path;
		if (pid_fd != -1 && pidfile_write(pid_fd, getpid()) == -1)
			log_err("pid_file %s", conf.pid_file);
		/* stdio goes to /dev/null before confinement closes it off */
		if (!foreground)
			daemonize_detach_stdio();
	}
	if (status == 0 && confine_apply(&conf) == -1) {
		status = EXIT_CONFIG;
		daemonize_ready(report_fd, status);
	} else if (status == 0) {
		notify_ready(NULL);
		notify_status("serving %u listener%s", conf.nlisteners,
		    conf.nlisteners == 1 ? "" : "s");
		if (!foreground)
			daemonize_ready(report_fd, 0);
		confine_test_hook();
		status = server_run(&server);
	}
	server_free(&server);
	access_log_close();
out_log:
	log_close();
out_pid:
	/* After the privilege drop the pid file's directory may be out of
	 * reach: the unlink can fail, the lock still ends with the process. */
	if (pid_fd != -1)
		pidfile_remove(conf.pid_file, pid_fd);
	notify_close();
	conf_free(&conf);
	return status;
}
