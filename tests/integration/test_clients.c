/*
 * test_clients.c: smoke tests with real HTTP clients (curl, wget) when
 * they are installed; skipped otherwise.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1024 * 1024)

/* The downloaded file equals bytes off.. of the served file rel. */
static void
same_as(const struct rp_daemon *d, const char *download, const char *rel, uint64_t off,
    size_t want_len)
{
	char path[PATH_MAX];
	size_t len;
	char *got = rp_slurp(download, &len);
	ssize_t bad;

	cr_assert_not_null(got, "%s was not written", download);
	cr_assert_eq(len, want_len, "%s: %zu bytes, want %zu", download, len, want_len);
	rp_path(d, rel, path);
	bad = rp_file_mismatch(path, off, got, len);
	cr_assert(bad < 0, "%s differs from %s at %zd", download, rel, bad);
	free(got);
}

RP_ENGINE_TEST(clients, curl, .timeout = 300)
{
	struct rp_daemon d;
	char url[128], url2[128], out[PATH_MAX], out2[PATH_MAX];

	rp_need("curl");
	rp_setup(&d);
	rp_make_file(&d, "big.bin", 5 * MIB + 3, 1);
	rp_make_file(&d, "page.html", 777, 2);
	rp_start(&d);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big.bin", d.port);
	snprintf(url2, sizeof(url2), "http://127.0.0.1:%d/page.html", d.port);
	snprintf(out, sizeof(out), "%s/curl.out", d.dir);
	snprintf(out2, sizeof(out2), "%s/curl2.out", d.dir);

	{
		char *argv[] = { "curl", "-sS", "-f", "--noproxy", "*", "-o", out, url, NULL };

		rp_run_ok(&d, argv, 60);
		same_as(&d, out, "big.bin", 0, 5 * MIB + 3);
	}
	{
		char *argv[] = { "curl", "-sS", "-f", "--noproxy", "*", "-r", "10-20", "-o", out,
		    url, NULL };

		rp_run_ok(&d, argv, 60);
		same_as(&d, out, "big.bin", 10, 11);
	}
	{
		/* Two URLs on one reused connection. */
		char *argv[] = { "curl", "-sS", "-f", "--noproxy", "*", "-o", out, url,
		    "-o", out2, url2, NULL };

		rp_run_ok(&d, argv, 60);
		same_as(&d, out, "big.bin", 0, 5 * MIB + 3);
		same_as(&d, out2, "page.html", 0, 777);
	}
	rp_stop(&d);
}

RP_ENGINE_TEST(clients, wget, .timeout = 300)
{
	struct rp_daemon d;
	char url[128], out[PATH_MAX];

	rp_need("wget");
	rp_setup(&d);
	rp_make_file(&d, "dir/big.bin", 3 * MIB + 1, 3);
	rp_start(&d);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dir/big.bin", d.port);
	snprintf(out, sizeof(out), "%s/wget.out", d.dir);
	{
		char *argv[] = { "wget", "-q", "--no-proxy", "-O", out, url, NULL };

		rp_run_ok(&d, argv, 60);
		same_as(&d, out, "dir/big.bin", 0, 3 * MIB + 1);
	}
	rp_stop(&d);
}
