/*
 * bench_job.h: ringbench's jobs, read from fio-style job files and from the
 * command line.
 *
 * Every option lives in one table in bench_job.c (name, type, target,
 * bounds, help).  Options are collected first as "key = value" entries
 * with where they came from (file:line or the command line), then each job
 * is built as: defaults, the [global] entries before it, its own entries,
 * then the command-line globals.  Problems are written to an error stream
 * naming the option and its file:line, and counted; nothing here touches
 * the network.
 */
#ifndef RINGPUSH_BENCH_JOB_H
#define RINGPUSH_BENCH_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_verify.h"

#define BENCH_NAME_MAX 64

/* fio's rw=; the writes are PUTs (ringbench(1) maps them). */
enum bench_rw { BENCH_RW_READ, BENCH_RW_RANDREAD, BENCH_RW_WRITE,
    BENCH_RW_RANDWRITE, BENCH_RW_RW, BENCH_RW_RANDRW };
/* fio's data directions, as its logs and reports number them. */
enum bench_ddir { BENCH_DDIR_READ, BENCH_DDIR_WRITE, BENCH_NDDIR };
enum bench_sink { BENCH_SINK_DISCARD, BENCH_SINK_SPLICE };
enum bench_format { BENCH_FMT_NORMAL, BENCH_FMT_JSON, BENCH_FMT_JSONPLUS,
    BENCH_FMT_TERSE, BENCH_FMT_RINGBENCH };
enum bench_eta { BENCH_ETA_AUTO, BENCH_ETA_ALWAYS, BENCH_ETA_NEVER };

/* One job as the user described it; numjobs clones run from one of these. */
struct bench_job {
	char name[BENCH_NAME_MAX];
	char *url;                      /* as written, for messages */
	char *host;                     /* from url */
	char *port;
	char **paths;                   /* url paths, then url_list entries */
	size_t npaths;
	char *url_list;                 /* file: one path per line */
	unsigned numjobs;
	unsigned iodepth;               /* connections per clone */
	enum bench_rw rw;
	unsigned rwmixread;             /* percent of reads in rw, randrw */
	uint64_t bs;                    /* randread range length; write: body size */
	uint64_t size;                  /* bytes per clone, 0 = not set */
	uint64_t number_ios;            /* requests per clone, 0 = not set */
	uint64_t runtime_ms;            /* 0 = no time limit */
	uint64_t ramp_ms;
	bool time_based;
	uint64_t rate;                  /* bytes/s per clone, 0 = no cap */
	bool keepalive;
	enum bench_verify verify;
	char *verify_dir;
	enum bench_sink sink;
	int server_pid;                 /* 0 = none */
	uint64_t randseed;
	uint64_t timeout_ms;            /* a request making no progress fails */
	bool continue_on_error;
	bool group_reporting;           /* json: one entry for all jobs */
	char *write_bw_log;             /* fio log file prefixes, NULL = none */
	char *write_lat_log;
	char *write_iops_log;
	unsigned log_avg_msec;          /* log sample period, 0 = per request */
	bool stonewall;                 /* wait for the jobs before it */
	unsigned group;                 /* fio's groupid: stonewalls counted */
	char *http_user;                /* rw=write: Basic credentials */
	char *http_pass;
	int line;                       /* section line, 0 = command line */
};

/* Options that are not per job. */
struct bench_cmdline {
	enum bench_format format;
	char *output;                   /* NULL = stdout */
	bool continue_on_error;
	enum bench_eta eta;             /* the status line on a terminal */
	uint64_t status_interval_ms;    /* interim reports, 0 = none */
	bool help;
	bool version;
};

/* The collected entries of job files and the command line. */
struct bench_entry {
	char *key;
	char *value;
	char *file;                     /* NULL = command line */
	int line;
	size_t section;
};

struct bench_section {
	char *name;
	bool global;
	char *file;
	int line;
};

struct bench_spec {
	struct bench_entry *entries;
	size_t nentries;
	struct bench_section *sections;
	size_t nsections;
	size_t cmdline_global;          /* index of the command line's global */
	size_t current;                 /* section receiving command-line entries */
};

void bench_spec_init(struct bench_spec *s);
void bench_spec_free(struct bench_spec *s);

/*
 * Read a job file into s.  Bare flags ("time_based") are accepted as fio
 * does.  Returns the number of problems written to err (0 = fine).
 */
int bench_spec_load_file(struct bench_spec *s, const char *path, FILE *err);
/* The same for text in memory; name is used in messages. */
int bench_spec_load_string(struct bench_spec *s, const char *name,
    const char *text, FILE *err);

/*
 * Read argv (argv[0] is skipped): "--key=value", "--key value" and bare
 * "--flag"; "--name=x" starts a new job, options before it are global;
 * other words are job files, loaded in order.  Command-line-only options
 * go to cl.  Returns the number of problems written to err.
 */
int bench_spec_cmdline(struct bench_spec *s, struct bench_cmdline *cl,
    int argc, char **argv, FILE *err);

/*
 * Build every job from s into a new array (*jobs, *njobs).  Every bad
 * value, unknown option and inconsistent job is reported on err.  Returns
 * the number of problems; on 0 the caller frees with bench_jobs_free().
 */
int bench_jobs_build(const struct bench_spec *s, struct bench_job **jobs,
    size_t *njobs, FILE *err);
void bench_jobs_free(struct bench_job *jobs, size_t njobs);

/* fio's name of rw ("randrw"). */
const char *bench_rw_name(enum bench_rw rw);
/* Whether rw reads (GETs), writes (PUTs), picks at random. */
bool bench_rw_reads(enum bench_rw rw);
bool bench_rw_writes(enum bench_rw rw);
bool bench_rw_random(enum bench_rw rw);

/* The generator behind randseed (xorshift64*): quick and reproducible. */
uint64_t bench_rng_next(uint64_t *state);
/*
 * The direction of the next request of a job with rw and rwmixread:
 * a mixed rw draws from *rng (rwmixread percent reads), the others do not
 * touch it.
 */
enum bench_ddir bench_rw_pick(enum bench_rw rw, unsigned rwmixread,
    uint64_t *rng);

/* Value parsers, exported for tests: 0 on success, -1 when malformed. */
int bench_parse_bool(const char *s, bool *out);
/* "[http://]host:port[/path][,/path...]" into host, port and paths. */
int bench_parse_url(const char *s, char **host, char **port, char ***paths,
    size_t *npaths);

/* Print the option table for --help. */
void bench_options_usage(FILE *out);

#endif
