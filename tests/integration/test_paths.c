/*
 * test_paths.c: the per-listener path keys (follow_symlinks, hidden_files)
 * and the privilege drop, against the real daemon.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

static void
start_listener_keys(struct rp_daemon *d, const char *daemon_keys, const char *listener_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = off\n%s\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n%s",
	    daemon_keys, d->root, listener_keys);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static int
status_of(const struct rp_daemon *d, const char *path)
{
	struct rp_response r;
	int status;

	rp_get(d, path, &r);
	status = r.status;
	rp_response_free(&r);
	return status;
}

Test(paths, follow_symlinks_no_refuses_every_link)
{
	struct rp_daemon d;
	char link[PATH_MAX];

	rp_setup(&d);
	rp_write_file(&d, "real.txt", "real\n", 5);
	rp_mkdir(&d, "dir");
	rp_write_file(&d, "dir/in.txt", "in\n", 3);
	rp_path(&d, "link.txt", link);
	cr_assert_eq(symlink("real.txt", link), 0);
	rp_path(&d, "dirlink", link);
	cr_assert_eq(symlink("dir", link), 0);
	start_listener_keys(&d, "allow_root = yes\n", "follow_symlinks = no\n");
	cr_assert_eq(status_of(&d, "/real.txt"), 200);
	cr_assert_eq(status_of(&d, "/dir/in.txt"), 200);
	cr_assert_eq(status_of(&d, "/link.txt"), 404, "a link to a file");
	cr_assert_eq(status_of(&d, "/dirlink/in.txt"), 404, "a link in the middle of the path");
	rp_stop(&d);
}

Test(paths, follow_symlinks_beneath_is_the_default)
{
	struct rp_daemon d;
	char link[PATH_MAX];

	rp_setup(&d);
	rp_write_file(&d, "real.txt", "real\n", 5);
	rp_path(&d, "link.txt", link);
	cr_assert_eq(symlink("real.txt", link), 0);
	rp_path(&d, "out.txt", link);
	cr_assert_eq(symlink("/etc/hostname", link), 0);
	start_listener_keys(&d, "allow_root = yes\n", "");
	cr_assert_eq(status_of(&d, "/link.txt"), 200);
	cr_assert_eq(status_of(&d, "/out.txt"), 404, "a link that leaves the root");
	rp_stop(&d);
}

Test(paths, hidden_files_yes_serves_dotfiles)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, ".well-known/security.txt", "contact\n", 8);
	start_listener_keys(&d, "allow_root = yes\n", "hidden_files = yes\n");
	rp_get(&d, "/.well-known/security.txt", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, 8);
	cr_assert_eq(memcmp(r.body, "contact\n", 8), 0);
	rp_response_free(&r);
	/* dot segments are removed, whatever hidden_files says; a climb
	 * above the root stays refused */
	cr_assert_eq(status_of(&d, "/.well-known/../.well-known/security.txt"), 200);
	cr_assert_eq(status_of(&d, "/.well-known/../../.well-known/security.txt"), 400);
	rp_stop(&d);
}

/* The Uid: line of /proc/PID/status: real, effective, saved, fs. */
static void
proc_ids(pid_t pid, const char *key, long ids[4])
{
	char path[64], *text, *p;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	text = rp_slurp(path, NULL);
	cr_assert_not_null(text);
	p = strstr(text, key);
	cr_assert_not_null(p, "no %s in %s", key, path);
	cr_assert_eq(sscanf(p + strlen(key), "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]), 4);
	free(text);
}

Test(paths, drops_to_the_configured_user)
{
	struct rp_daemon d;
	long uid[4], gid[4];
	char *out;

	if (geteuid() != 0)
		cr_skip_test("needs root to switch users");
	rp_setup(&d);
	/* the tree must be readable by nobody; mkdtemp made it 0700 */
	cr_assert_eq(chmod(d.dir, 0755), 0);
	cr_assert_eq(chmod(d.root, 0755), 0);
	rp_write_file(&d, "pub.txt", "public\n", 7);
	cr_assert_eq(chmod(d.root, 0755), 0);
	{
		char path[PATH_MAX];

		rp_path(&d, "pub.txt", path);
		cr_assert_eq(chmod(path, 0644), 0);
		rp_write_file(&d, "secret.txt", "secret\n", 7);
		rp_path(&d, "secret.txt", path);
		cr_assert_eq(chmod(path, 0600), 0);
	}
	start_listener_keys(&d, "user = nobody\n", "");
	/* "listening on" comes before the drop: wait for the drop's line */
	for (int i = 0; i < 1200; i++) {
		bool dropped;

		out = rp_daemon_output(&d);
		dropped = strstr(out, "running as nobody") != NULL;
		free(out);
		if (dropped)
			break;
		usleep(50000);
	}
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "running as nobody") != NULL, "%s", out);
	free(out);
	proc_ids(d.pid, "Uid:", uid);
	proc_ids(d.pid, "Gid:", gid);
	for (int i = 0; i < 4; i++) {
		cr_assert_neq(uid[i], 0, "uid %d still root", i);
		cr_assert_neq(gid[i], 0, "gid %d still root", i);
	}
	cr_assert_eq(status_of(&d, "/pub.txt"), 200);
	cr_assert_eq(status_of(&d, "/secret.txt"), 403, "a root-only file read after the drop");
	rp_stop(&d);
}

Test(paths, absolute_form_directory_redirects_to_its_path)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_mkdir(&d, "dir");
	start_listener_keys(&d, "allow_root = yes\n", "");
	cr_assert_eq(rp_exchange(&d, "GET http://t/dir?x=1 HTTP/1.1\r\nHost: t\r\n\r\n", false, &r),
	    RP_OK);
	cr_assert_eq(r.status, 301, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Location"), "/dir/?x=1");
	rp_response_free(&r);
	rp_stop(&d);
}
