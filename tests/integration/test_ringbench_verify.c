/*
 * test_ringbench_verify.c: verify=sha256, crc32c and xxhash against a real
 * ringpushd.  Each check passes on the served bytes, whole files and
 * ranges, counting every request verified; and each fails, request by
 * request, on a local copy that differs in one byte, far into a large
 * file or inside every range asked for.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define SIZE_A 4096
#define SIZE_C (1048576 + 3)
#define RANGE 4096

static const char *const checks[] = { "sha256", "crc32c", "xxhash" };
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

/*
 * ringbench with --group_reporting, the daemon's url, --verify=CHECK,
 * --verify_dir=DIR and the extra arguments (NULL-terminated, at most 8);
 * see rp_ringbench().
 */
static int
verify_run(const struct rp_daemon *d, const char *paths, const char *check,
    const char *dir, char **report, char **output, ...)
{
	char *args[13], o_url[PATH_MAX], o_check[64], o_dir[PATH_MAX + 16];
	int argc = 0;
	va_list ap;
	char *a;

	snprintf(o_url, sizeof(o_url), "--url=127.0.0.1:%d%s", d->port, paths);
	snprintf(o_check, sizeof(o_check), "--verify=%s", check);
	snprintf(o_dir, sizeof(o_dir), "--verify_dir=%s", dir);
	args[argc++] = "--group_reporting";
	args[argc++] = o_url;
	args[argc++] = o_check;
	args[argc++] = o_dir;
	va_start(ap, output);
	while ((a = va_arg(ap, char *)) != NULL && argc < 12)
		args[argc++] = a;
	va_end(ap);
	args[argc] = NULL;
	return rp_ringbench(d->dir, args, report, output);
}

static void
make_tree(struct rp_daemon *d)
{
	rp_setup(d);
	rp_make_file(d, "a.bin", SIZE_A, 1);
	rp_make_file(d, "sub/c.bin", SIZE_C, 3);
	rp_start(d);
}

/* d->dir/copy/sub/c.bin: c.bin with the byte at each of offs[] flipped. */
static void
make_bad_copy(const struct rp_daemon *d, char copy[PATH_MAX],
    const uint64_t *offs, size_t noffs)
{
	char path[PATH_MAX + 16];
	unsigned char *buf;
	size_t i;
	FILE *f;

	snprintf(copy, PATH_MAX, "%s/copy", d->dir);
	cr_assert(mkdir(copy, 0755) == 0, "mkdir: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sub", copy);
	cr_assert(mkdir(path, 0755) == 0, "mkdir: %s", strerror(errno));
	buf = malloc(SIZE_C);
	cr_assert_not_null(buf);
	rp_pattern(3, 0, buf, SIZE_C);
	for (i = 0; i < noffs; i++)
		buf[offs[i]] ^= 0x01;
	snprintf(path, sizeof(path), "%s/sub/c.bin", copy);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(buf, 1, SIZE_C, f), (size_t)SIZE_C);
	cr_assert(fclose(f) == 0);
	free(buf);
}

Test(ringbench_verify, every_check_passes_on_the_served_bytes, .timeout = 120)
{
	struct rp_daemon d;
	char *report, *out;
	size_t i;
	int rc;

	make_tree(&d);
	for (i = 0; i < NCHECKS; i++) {
		/* whole files: 8 requests over the two files, 2 at a time */
		rc = verify_run(&d, "/a.bin,/sub/c.bin", checks[i], d.root,
		    &report, &out, "--iodepth=2", "--number_ios=8", NULL);
		cr_assert_eq(rc, 0, "%s: exit %d:\n%s", checks[i], rc, out);
		cr_assert_eq(rp_report_total(report, "requests"), 8, "%s", report);
		cr_assert_eq(rp_report_total(report, "bytes"),
		    4LL * (SIZE_A + SIZE_C), "%s", report);
		cr_assert_eq(rp_report_total(report, "ok"), 8, "%s: %s", checks[i],
		    report);
		cr_assert_eq(rp_report_total(report, "verify_mismatch"), 0);
		cr_assert_not_null(strstr(report, checks[i]), "%s", report);
		free(report);
		free(out);

		/* ranges: each hashed against its own slice of the copy */
		rc = verify_run(&d, "/sub/c.bin", checks[i], d.root, &report,
		    &out, "--rw=randread", "--bs=4k", "--iodepth=3",
		    "--number_ios=30", NULL);
		cr_assert_eq(rc, 0, "%s: exit %d:\n%s", checks[i], rc, out);
		cr_assert_eq(rp_report_total(report, "bytes"), 30LL * RANGE);
		cr_assert_eq(rp_report_total(report, "ok"), 30, "%s: %s", checks[i],
		    report);
		free(report);
		free(out);
	}
	rp_stop(&d);
}

Test(ringbench_verify, every_check_fails_on_one_wrong_byte, .timeout = 120)
{
	struct rp_daemon d;
	char *report, *out, copy[PATH_MAX];
	uint64_t offs[SIZE_C / RANGE], n;
	size_t i;
	int rc;

	make_tree(&d);
	/* one byte near the end of the whole file, many receives in */
	offs[0] = SIZE_C - 2;
	make_bad_copy(&d, copy, offs, 1);
	for (i = 0; i < NCHECKS; i++) {
		rc = verify_run(&d, "/sub/c.bin", checks[i], copy, &report, &out,
		    "--number_ios=3", "--continue_on_error", NULL);
		cr_assert_eq(rc, 0, "%s: continue_on_error: exit %d:\n%s",
		    checks[i], rc, out);
		cr_assert_eq(rp_report_total(report, "verify_mismatch"), 3,
		    "%s: %s", checks[i], report);
		cr_assert_eq(rp_report_total(report, "ok"), 0, "%s", report);
		cr_assert_eq(rp_report_total(report, "requests"), 0, "%s", report);
		free(report);
		free(out);

		rc = verify_run(&d, "/sub/c.bin", checks[i], copy, &report, &out,
		    "--number_ios=3", NULL);
		cr_assert_eq(rc, 1, "%s: a mismatch must fail the run: exit "
		    "%d:\n%s", checks[i], rc, out);
		free(report);
		free(out);
	}
	rp_stop(&d);

	/* one byte in every range ringbench can ask for */
	make_tree(&d);
	for (n = 0; n < SIZE_C / RANGE; n++)
		offs[n] = n * RANGE + (n * 37) % RANGE;
	make_bad_copy(&d, copy, offs, n);
	for (i = 0; i < NCHECKS; i++) {
		rc = verify_run(&d, "/sub/c.bin", checks[i], copy, &report, &out,
		    "--rw=randread", "--bs=4k", "--iodepth=2", "--number_ios=20",
		    "--continue_on_error", NULL);
		cr_assert_eq(rc, 0, "%s: exit %d:\n%s", checks[i], rc, out);
		cr_assert_eq(rp_report_total(report, "verify_mismatch"), 20,
		    "%s: %s", checks[i], report);
		cr_assert_eq(rp_report_total(report, "ok"), 0, "%s", report);
		free(report);
		free(out);
	}
	rp_stop(&d);
}
