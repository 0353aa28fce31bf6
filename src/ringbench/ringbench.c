/*
 * ringbench.c: the fio-style client that measures ringpushd (or any HTTP/1.1
 * file server): read the jobs, check them against the server, run them on
 * one io_uring, and report.  Exit status: 0 when every request succeeded,
 * 1 on any request or verify error (unless continue_on_error), 2 on bad
 * input or an unreachable server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "bench_job.h"
#include "bench_monitor.h"
#include "bench_report.h"
#include "bench_run.h"
#include "bench_stats.h"
#include "bench_target.h"
#include "version.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: ringbench [--option=value ...] [--name=job --option=value ...]"
	    " [jobfile ...]\n\n"
	    "Client options:\n"
	    "  --output-format=F     normal, terse, json or json+ (fio's), or"
	    " ringbench\n"
	    "  --output=FILE         write the report to FILE\n"
	    "  --eta=WHEN            status line: auto (on a terminal), always,"
	    " never\n"
	    "  --status-interval=T   a full report every T (e.g. 10s)\n"
	    "  --continue_on_error   exit 0 even when requests failed\n"
	    "  --help, --version\n\n"
	    "Job options (in job files as key=value; before the first --name they\n"
	    "apply to every job):\n");
	bench_options_usage(out);
	fprintf(out, "\nSee ringbench(1).\n");
}

/* Add one group's total to the run's: groups run one after the other. */
static void
add_group(struct bench_result *total, const struct bench_result *g)
{
	uint64_t elapsed = total->elapsed_ns + g->elapsed_ns;

	bench_result_merge(total, g);
	total->elapsed_ns = elapsed;
	total->cpu_usr_s += g->cpu_usr_s;
	total->cpu_sys_s += g->cpu_sys_s;
	if (g->server_pid > 0) {
		total->server_pid = g->server_pid;
		total->server_usr_s += g->server_usr_s;
		total->server_sys_s += g->server_sys_s;
	}
}

/*
 * Run the jobs a group at a time, as fio does: a job with stonewall waits
 * for every job before it to finish.  0, or -1 when the engine failed.
 */
static int
run_groups(const struct bench_job *jobs, size_t njobs,
    struct bench_target *targets, struct bench_result *results,
    struct bench_result *total, struct bench_result *group_totals,
    struct bench_monitor *mon, const struct bench_observer *obs)
{
	struct bench_result *gt;
	size_t first, last, base = 0, i;

	bench_result_init(total, "total", 0);
	for (first = 0; first < njobs; first = last) {
		for (last = first + 1; last < njobs &&
		    jobs[last].group == jobs[first].group; last++)
			;
		bench_monitor_group(mon, base);
		gt = &group_totals[jobs[first].group];
		if (bench_run(jobs + first, last - first, targets + first,
		    results + base, gt, obs, stderr) < 0)
			return -1;
		gt->group = jobs[first].group;
		add_group(total, gt);
		for (i = first; i < last; i++)
			base += jobs[i].numjobs;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_spec spec;
	struct bench_cmdline cl;
	struct bench_job *jobs = NULL;
	struct bench_target *targets = NULL;
	struct bench_result *results = NULL, *group_totals = NULL, total;
	const struct bench_job **resjobs = NULL;
	struct bench_report rep;
	struct bench_monitor mon;
	struct bench_observer obs;
	size_t njobs = 0, nres = 0, ngroups, i, k, n;
	FILE *out = stdout;
	int status = 2;
	bool any_error = false, tolerate = true;

	bench_spec_init(&spec);
	memset(&mon, 0, sizeof(mon));
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (bench_spec_cmdline(&spec, &cl, argc, argv, stderr) != 0)
		goto out;
	if (cl.help) {
		usage(stdout);
		status = 0;
		goto out;
	}
	if (cl.version) {
		printf("ringbench %s\n", RINGPUSH_VERSION);
		status = 0;
		goto out;
	}
	if (bench_jobs_build(&spec, &jobs, &njobs, stderr) != 0)
		goto out;
	if (bench_prepare(jobs, njobs, &targets, stderr) != 0)
		goto out;
	for (i = 0; i < njobs; i++)
		nres += jobs[i].numjobs;
	ngroups = jobs[njobs - 1].group + 1;
	results = calloc(nres, sizeof(*results));
	resjobs = calloc(nres, sizeof(*resjobs));
	group_totals = calloc(ngroups, sizeof(*group_totals));
	if (results == NULL || resjobs == NULL || group_totals == NULL) {
		fprintf(stderr, "ringbench: out of memory\n");
		goto out;
	}
	for (i = 0, n = 0; i < njobs; i++)
		for (k = 0; k < jobs[i].numjobs; k++)
			resjobs[n++] = &jobs[i];
	if (cl.output != NULL && (out = fopen(cl.output, "w")) == NULL) {
		fprintf(stderr, "ringbench: option --output: %s: %s\n", cl.output,
		    strerror(errno));
		out = stdout;
	}
	if (bench_monitor_open(&mon, resjobs, nres, &cl, out, stdout,
	    stderr) < 0)
		goto out;
	obs.tick = bench_monitor_tick;
	obs.io = bench_monitor_io;
	obs.arg = &mon;
	if (run_groups(jobs, njobs, targets, results, &total, group_totals,
	    &mon, &obs) < 0)
		goto out;
	bench_monitor_group_series(&mon, group_totals, ngroups);
	bench_monitor_close(&mon, results, &total);

	rep.results = results;
	rep.jobs = resjobs;
	rep.nresults = nres;
	rep.total = &total;
	rep.group_reporting = false;
	rep.groups = group_totals;
	rep.ngroups = ngroups;
	for (i = 0; i < njobs; i++)
		if (jobs[i].group_reporting)
			rep.group_reporting = true;
	status = 0;
	if (bench_report_write(out, cl.format, &rep) < 0 || fflush(out) != 0) {
		fprintf(stderr, "ringbench: cannot write the report\n");
		status = 2;
	}
	for (i = 0; i < nres; i++) {
		if (bench_errors_total(&results[i].err) == 0)
			continue;
		any_error = true;
		if (!resjobs[i]->continue_on_error)
			tolerate = false;
	}
	if (any_error && !(tolerate || cl.continue_on_error)) {
		fprintf(stderr, "ringbench: %llu request(s) failed\n",
		    (unsigned long long)bench_errors_total(&total.err));
		status = 1;
	}
out:
	bench_monitor_close(&mon, NULL, NULL);
	if (out != stdout)
		fclose(out);
	free(results);
	free(group_totals);
	free(resjobs);
	bench_targets_free(targets, njobs);
	if (jobs != NULL)
		bench_jobs_free(jobs, njobs);
	bench_spec_free(&spec);
	free(cl.output);
	return status;
}
