/*
 * bench_proc.c: CPU seconds of this process (getrusage) and of a server
 * process tree (/proc), as bench_proc.h describes.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_proc.h"

int
bench_proc_parse_stat(const char *line, pid_t *ppid, uint64_t *utime,
    uint64_t *stime)
{
	const char *p;
	char state;
	int parent;
	unsigned long long ut, st;
	long long cut, cst;

	/* the command name may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(line, ')');
	if (p == NULL)
		return -1;
	/* fields 3..17: state ppid pgrp session tty_nr tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime */
	if (sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
	    " %lld %lld", &state, &parent, &ut, &st, &cut, &cst) != 6 ||
	    cut < 0 || cst < 0)
		return -1;
	*ppid = (pid_t)parent;
	*utime = ut + (unsigned long long)cut;
	*stime = st + (unsigned long long)cst;
	return 0;
}

static int
read_stat(pid_t pid, pid_t *ppid, uint64_t *utime, uint64_t *stime)
{
	char path[64], line[1024];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)
		rc = bench_proc_parse_stat(line, ppid, utime, stime);
	fclose(f);
	return rc;
}

int
bench_proc_tree_cpu(pid_t pid, struct bench_cpu *cpu)
{
	pid_t *tree, ppid, p;
	size_t ntree = 1, cap = 64, i;
	uint64_t ut, st, usum = 0, ssum = 0;
	DIR *d;
	struct dirent *de;
	double hz = (double)sysconf(_SC_CLK_TCK);
	bool grew;

	if (read_stat(pid, &ppid, &usum, &ssum) < 0)
		return -1;
	tree = malloc(cap * sizeof(*tree));
	if (tree == NULL)
		return -1;
	tree[0] = pid;
	/* descendants: repeat the scan until no new child of the tree shows */
	do {
		grew = false;
		d = opendir("/proc");
		if (d == NULL)
			break;
		while ((de = readdir(d)) != NULL) {
			p = (pid_t)atoi(de->d_name);
			if (p <= 0)
				continue;
			for (i = 0; i < ntree && tree[i] != p; i++)
				;
			if (i < ntree)
				continue;
			if (read_stat(p, &ppid, &ut, &st) < 0)
				continue;
			for (i = 0; i < ntree && tree[i] != ppid; i++)
				;
			if (i == ntree)
				continue;
			if (ntree == cap) {
				pid_t *grown = realloc(tree, 2 * cap * sizeof(*tree));

				if (grown == NULL)
					break;
				tree = grown;
				cap *= 2;
			}
			tree[ntree++] = p;
			usum += ut;
			ssum += st;
			grew = true;
		}
		closedir(d);
	} while (grew);
	free(tree);
	cpu->usr_s = (double)usum / hz;
	cpu->sys_s = (double)ssum / hz;
	return 0;
}

void
bench_proc_self_cpu(struct bench_cpu *cpu)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	cpu->usr_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	cpu->sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
