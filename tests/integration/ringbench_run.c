/*
 * ringbench_run.c: running ringbench from the integration tests and
 * reading its json report (see ringbench_run.h).
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define RINGBENCH_ARGS_MAX 24

const char *
rp_ringbench_path(void)
{
	const char *p = getenv("RINGBENCH");

	return p != NULL && *p != '\0' ? p : "build/ringbench";
}

int
rp_ringbench(const char *dir, char *const args[], char **report, char **output)
{
	char *argv[RINGBENCH_ARGS_MAX + 4], out_path[PATH_MAX], rep_path[PATH_MAX];
	char opt[PATH_MAX + 16];
	int argc = 0, status;

	snprintf(out_path, sizeof(out_path), "%s/ringbench.out", dir);
	snprintf(rep_path, sizeof(rep_path), "%s/report.json", dir);
	unlink(rep_path);
	snprintf(opt, sizeof(opt), "--output=%s", rep_path);
	argv[argc++] = (char *)rp_ringbench_path();
	argv[argc++] = "--output-format=json";
	argv[argc++] = opt;
	for (int i = 0; args[i] != NULL; i++) {
		cr_assert_lt(i, RINGBENCH_ARGS_MAX, "too many ringbench arguments");
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	status = rp_run(argv, out_path, 60, false);
	*output = rp_slurp(out_path, NULL);
	cr_assert_not_null(*output);
	cr_assert_neq(status, -1, "ringbench did not finish:\n%s", *output);
	cr_assert(WIFEXITED(status), "ringbench killed by signal %d:\n%s",
	    WTERMSIG(status), *output);
	*report = rp_slurp(rep_path, NULL);
	return WEXITSTATUS(status);
}

long long
rp_report_total(const char *report, const char *key)
{
	const char *total, *p;
	char pat[128];

	cr_assert_not_null(report, "no report written");
	total = strstr(report, "\"ringbench\" : {");
	cr_assert_not_null(total, "no ringbench object in:\n%s", report);
	snprintf(pat, sizeof(pat), "\"%s\" : ", key);
	p = strstr(total, pat);
	cr_assert_not_null(p, "no %s in total:\n%s", key, total);
	return strtoll(p + strlen(pat), NULL, 10);
}
