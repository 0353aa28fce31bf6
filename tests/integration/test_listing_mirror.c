/*
 * test_listing_mirror.c: with autoindex on, the crawlers people use copy
 * a whole tree through the listings: wget --mirror and lftp's mirror, each
 * compared with the served tree by diff -r.  Skipped when the tool is
 * missing.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A tree with nesting, an empty directory, a body through the engine and
 * names that need escaping in a listing.  wget turns a saved "%20" back
 * into a space, so such a name is left to the lftp test. */
static void
make_tree(const struct rp_daemon *d, bool percent_name)
{
	rp_write_file(d, "tree/a b.txt", "one\n", 4);
	rp_write_file(d, "tree/a\"b&c", "two\n", 4);
	rp_write_file(d, "tree/caf\xc3\xa9.txt", "three\n", 6);
	rp_write_file(d, "tree/<x>.txt", "four\n", 5);
	rp_make_file(d, "tree/sub/big.bin", 300 * 1024, 7);
	rp_write_file(d, "tree/sub/deeper/leaf", "leaf\n", 5);
	rp_mkdir(d, "tree/empty");
	if (percent_name)
		rp_write_file(d, "tree/p%20q", "five\n", 5);
}

static void
same_tree(const struct rp_daemon *d, const char *copy)
{
	char served[PATH_MAX];
	char *argv[] = { "diff", "-r", served, (char *)copy, NULL };

	rp_path(d, "tree", served);
	rp_run_ok(d, argv, 120);
}

Test(listing_mirror, wget_mirror, .timeout = 300)
{
	struct rp_daemon d;
	char conf[4096], url[128], dest[PATH_MAX], copy[PATH_MAX + 8];

	rp_need("wget");
	rp_need("diff");
	rp_setup(&d);
	make_tree(&d, false);
	rp_default_conf(&d, conf, sizeof(conf));
	strcat(conf, "autoindex = html\n");
	rp_start_conf(&d, conf);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/tree/", d.port);
	snprintf(dest, sizeof(dest), "%s/wget", d.dir);
	{
		/* the listings themselves (index.html) are fetched to follow
		 * their links, then deleted */
		char *argv[] = { "wget", "-q", "--no-proxy", "--mirror", "--no-parent", "-nH",
			"-R", "index.html*", "-P", dest, url, NULL };

		rp_run_ok(&d, argv, 120);
	}
	snprintf(copy, sizeof(copy), "%s/tree", dest);
	same_tree(&d, copy);
	rp_stop(&d);
}

Test(listing_mirror, lftp_mirror, .timeout = 300)
{
	struct rp_daemon d;
	char conf[4096], cmd[PATH_MAX + 256], copy[PATH_MAX];

	rp_need("lftp");
	rp_need("diff");
	rp_setup(&d);
	make_tree(&d, true);
	rp_default_conf(&d, conf, sizeof(conf));
	strcat(conf, "autoindex = html\n");
	rp_start_conf(&d, conf);
	snprintf(copy, sizeof(copy), "%s/lftp", d.dir);
	snprintf(cmd, sizeof(cmd), "set cmd:fail-exit yes; set net:max-retries 2; "
	    "mirror http://127.0.0.1:%d/tree/ %s", d.port, copy);
	{
		char *argv[] = { "lftp", "-c", cmd, NULL };

		rp_run_ok(&d, argv, 120);
	}
	same_tree(&d, copy);
	rp_stop(&d);
}
