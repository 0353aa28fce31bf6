/*
 * main.c: ringpushd's command line, start and exit status.
 *
 * Exit status: 0 success (and a clean stop), 1 invalid configuration or a
 * failed start, 2 usage error.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf.h"
#include "log.h"
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
	bool test_only = false;
	struct conf conf;
	struct server server;
	int ch, status;

	while ((ch = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			/* The daemon stays in the foreground in this release. */
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
		fprintf(stderr, "%s: syntax is ok\n", conf_path ? conf_path : "built-in defaults");
		conf_free(&conf);
		return 0;
	}

	if (log_open(conf.error_log, (enum log_level)conf.log_level) == -1) {
		fprintf(stderr, "ringpushd: error_log %s: %m\n", conf.error_log);
		conf_free(&conf);
		return EXIT_CONFIG;
	}
	if (access_log_open(conf.access_log) == -1) {
		log_err("access_log %s", conf.access_log);
		log_close();
		conf_free(&conf);
		return EXIT_CONFIG;
	}
	if (conf_path == NULL) {
		char cwd[PATH_MAX];

		log_info("no -c given: serving %s on 127.0.0.1:8080 with built-in defaults",
		    getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	}

	/* Root is given up once the listeners are bound and the pipe pool
	 * is made (server_init), before the first request is read. */
	if (server_init(&server, &conf) == -1 || priv_drop(&conf) == -1) {
		status = EXIT_CONFIG;
	} else {
		server.conf_path = conf_path;
		status = server_run(&server);
	}
	server_free(&server);
	access_log_flush();
	access_log_close();
	log_close();
	conf_free(&conf);
	return status;
}
