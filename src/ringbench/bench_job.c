/*
 * bench_job.c: ringbench's option table, job files (inih) and command line.
 *
 * Entries are collected as strings first and turned into jobs in one pass
 * at the end, so that [global] sections, job sections and command-line
 * options combine the way fio combines them, and so that every problem is
 * reported with the file:line (or command-line option) it came from.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "bench_job.h"
#include "units.h"

enum opt_type { T_UINT, T_SIZE, T_DURATION, T_BOOL, T_STR, T_RW, T_SINK,
    T_VERIFY, T_NAME };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	uint64_t min, max;
	const char *help;
};

#define OFF(f) offsetof(struct bench_job, f)

static const struct opt opts[] = {
	{ "name", T_NAME, 0, 0, 0, "job name (on the command line: starts a new job)" },
	{ "url", T_STR, OFF(url), 0, 0, "[http://]host:port/path[,/path...]" },
	{ "url_list", T_STR, OFF(url_list), 0, 0, "file listing one path per line" },
	{ "numjobs", T_UINT, OFF(numjobs), 1, 1024, "clones of this job" },
	{ "iodepth", T_UINT, OFF(iodepth), 1, 65536, "connections per clone" },
	{ "rw", T_RW, OFF(rw), 0, 0, "read, randread, write, randwrite, rw or randrw (writes are PUTs of bs)" },
	{ "rwmixread", T_UINT, OFF(rwmixread), 0, 100, "rw, randrw: percent of requests that read" },
	{ "bs", T_SIZE, OFF(bs), 1, UINT64_C(1) << 40, "randread range length, write body size" },
	{ "http_user", T_STR, OFF(http_user), 0, 0, "writes: Basic user name" },
	{ "http_pass", T_STR, OFF(http_pass), 0, 0, "writes: Basic password (the upload token)" },
	{ "size", T_SIZE, OFF(size), 1, UINT64_MAX, "body bytes per clone" },
	{ "number_ios", T_UINT, OFF(number_ios), 1, UINT64_MAX, "requests per clone" },
	{ "runtime", T_DURATION, OFF(runtime_ms), 1, UINT64_C(1) << 40, "time limit" },
	{ "time_based", T_BOOL, OFF(time_based), 0, 0, "run for runtime, repeating" },
	{ "ramp_time", T_DURATION, OFF(ramp_ms), 0, UINT64_C(1) << 40, "warm-up not measured" },
	{ "rate", T_SIZE, OFF(rate), 1, UINT64_MAX, "bytes/s cap per clone" },
	{ "keepalive", T_BOOL, OFF(keepalive), 0, 0, "reuse connections (off: one per request)" },
	{ "verify", T_VERIFY, OFF(verify), 0, 0, "sha256, crc32c, xxhash or none" },
	{ "verify_dir", T_STR, OFF(verify_dir), 0, 0, "local copy of the served tree" },
	{ "sink", T_SINK, OFF(sink), 0, 0, "discard (recv) or splice (to /dev/null)" },
	{ "server_pid", T_UINT, OFF(server_pid), 1, 4194304, "server process to measure" },
	{ "randseed", T_UINT, OFF(randseed), 0, UINT64_MAX, "seed for randread" },
	{ "timeout", T_DURATION, OFF(timeout_ms), 1, UINT64_C(1) << 40, "stalled request limit" },
	{ "continue_on_error", T_BOOL, OFF(continue_on_error), 0, 0, "keep going after errors" },
	{ "group_reporting", T_BOOL, OFF(group_reporting), 0, 0, "json: report all jobs as one" },
	{ "write_bw_log", T_STR, OFF(write_bw_log), 0, 0, "fio bandwidth log: PREFIX_bw.N.log" },
	{ "write_lat_log", T_STR, OFF(write_lat_log), 0, 0, "fio latency logs: PREFIX_{clat,lat,slat}.N.log" },
	{ "write_iops_log", T_STR, OFF(write_iops_log), 0, 0, "fio IOPS log: PREFIX_iops.N.log" },
	{ "log_avg_msec", T_UINT, OFF(log_avg_msec), 0, 3600000, "log sample period (ms), 0 = every request" },
	{ "stonewall", T_BOOL, OFF(stonewall), 0, 0, "wait for the jobs before this one (a new group)" },
	{ "wait_for_previous", T_BOOL, OFF(stonewall), 0, 0, "the same as stonewall" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const struct opt *
opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

void
bench_options_usage(FILE *out)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		fprintf(out, "  --%-20s %s\n", opts[i].name, opts[i].help);
}

/* Value parsers */

int
bench_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static void
free_paths(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Append a path, giving it a leading slash; -1 on an unusable path. */
static int
add_path(char ***paths, size_t *n, const char *p, size_t len)
{
	char **grown, *copy;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return -1;
	grown = realloc(*paths, (*n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	*paths = grown;
	copy = malloc(len + 2);
	if (copy == NULL)
		return -1;
	if (p[0] == '/') {
		memcpy(copy, p, len);
		copy[len] = '\0';
	} else {
		copy[0] = '/';
		memcpy(copy + 1, p, len);
		copy[len + 1] = '\0';
	}
	grown[(*n)++] = copy;
	return 0;
}

int
bench_parse_url(const char *s, char **host, char **port, char ***paths,
    size_t *npaths)
{
	const char *p = s, *hend, *pstart, *slash, *comma;
	char **list = NULL;
	size_t n = 0;
	unsigned long portnum;
	char *end;

	if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	comma = strchr(p, ',');
	if (comma != NULL && comma < slash)
		return -1;
	if (*p == '[') {
		hend = memchr(p, ']', slash - p);
		if (hend == NULL || hend[1] != ':')
			return -1;
		pstart = hend + 2;
		p++;
	} else {
		hend = memchr(p, ':', slash - p);
		if (hend == NULL)
			return -1;
		pstart = hend + 1;
	}
	if (hend == p || pstart >= slash)
		return -1;
	errno = 0;
	portnum = strtoul(pstart, &end, 10);
	if (errno != 0 || end != slash || portnum == 0 || portnum > 65535 ||
	    !isdigit((unsigned char)*pstart))
		return -1;
	/* Paths: the first follows host:port, more are comma-separated. */
	p = slash;
	while (*p != '\0') {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		/* a bare "/" after host:port means "no path here" */
		if (!(list == NULL && comma - p == 1 && *p == '/' && *comma == '\0')) {
			if (add_path(&list, &n, p, comma - p) < 0) {
				free_paths(list, n);
				return -1;
			}
		}
		p = *comma != '\0' ? comma + 1 : comma;
	}
	{
		const char *hs = strncasecmp(s, "http://", 7) == 0 ? s + 7 : s;

		if (*hs == '[')
			hs++;
		*host = strndup(hs, hend - hs);
	}
	*port = strndup(pstart, slash - pstart);
	if (*host == NULL || *port == NULL) {
		free(*host);
		free(*port);
		free_paths(list, n);
		return -1;
	}
	*paths = list;
	*npaths = n;
	return 0;
}

/* Collecting entries */

void
bench_spec_init(struct bench_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->cmdline_global = SIZE_MAX;
	s->current = SIZE_MAX;
}

void
bench_spec_free(struct bench_spec *s)
{
	size_t i;

	for (i = 0; i < s->nentries; i++) {
		free(s->entries[i].key);
		free(s->entries[i].value);
		free(s->entries[i].file);
	}
	for (i = 0; i < s->nsections; i++) {
		free(s->sections[i].name);
		free(s->sections[i].file);
	}
	free(s->entries);
	free(s->sections);
	bench_spec_init(s);
}

static size_t
spec_section(struct bench_spec *s, const char *name, bool global,
    const char *file, int line)
{
	struct bench_section *grown, *sec;

	grown = realloc(s->sections, (s->nsections + 1) * sizeof(*grown));
	if (grown == NULL)
		abort();
	s->sections = grown;
	sec = &grown[s->nsections];
	sec->name = strdup(name);
	sec->global = global;
	sec->file = file != NULL ? strdup(file) : NULL;
	sec->line = line;
	if (sec->name == NULL || (file != NULL && sec->file == NULL))
		abort();
	return s->nsections++;
}

static void
spec_entry(struct bench_spec *s, size_t section, const char *key,
    const char *value, const char *file, int line)
{
	struct bench_entry *grown, *e;

	grown = realloc(s->entries, (s->nentries + 1) * sizeof(*grown));
	if (grown == NULL)
		abort();
	s->entries = grown;
	e = &grown[s->nentries++];
	e->key = strdup(key);
	e->value = strdup(value);
	e->file = file != NULL ? strdup(file) : NULL;
	e->line = line;
	e->section = section;
	if (e->key == NULL || e->value == NULL || (file != NULL && e->file == NULL))
		abort();
}

/*
 * Debian's inih passes no line numbers to handlers and refuses keys
 * without values, so lines are fed to it through this reader, which counts
 * them, notes section headers, and turns a bare flag into "flag=1".
 */
struct load_ctx {
	struct bench_spec *spec;
	const char *name;
	const char *pos;
	int lineno;
	size_t section;
	FILE *err;
	int problems;
};

/*
 * Replace ${NAME} with the environment variable NAME, as fio does, so one
 * job file serves many servers and depths (bench/run.sh relies on it).
 */
static int
expand_env(struct load_ctx *ctx, char *str, size_t cap)
{
	char out[1024], name[128];
	const char *p = str, *close, *val;
	size_t len = 0, n;

	if (strstr(str, "${") == NULL)
		return 0;
	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '{' && (close = strchr(p, '}')) != NULL) {
			n = close - p - 2;
			if (n == 0 || n >= sizeof(name))
				goto bad;
			memcpy(name, p + 2, n);
			name[n] = '\0';
			val = getenv(name);
			if (val == NULL) {
				fprintf(ctx->err, "%s:%d: environment variable "
				    "'%s' is not set\n", ctx->name, ctx->lineno,
				    name);
				ctx->problems++;
				return -1;
			}
			n = strlen(val);
			if (len + n >= sizeof(out))
				goto bad;
			memcpy(out + len, val, n);
			len += n;
			p = close + 1;
			continue;
		}
		if (len + 1 >= sizeof(out))
			goto bad;
		out[len++] = *p++;
	}
	if (len + 3 >= cap)
		goto bad;
	memcpy(str, out, len);
	str[len] = '\0';
	return 0;
bad:
	fprintf(ctx->err, "%s:%d: line too long after expanding variables\n",
	    ctx->name, ctx->lineno);
	ctx->problems++;
	return -1;
}

static char *
load_reader(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	const char *eol, *p, *q, *end;
	size_t len;

	if (*ctx->pos == '\0')
		return NULL;
	eol = strchr(ctx->pos, '\n');
	end = eol != NULL ? eol : ctx->pos + strlen(ctx->pos);
	len = end - ctx->pos;
	ctx->lineno++;
	if (len >= (size_t)num - 1) {
		fprintf(ctx->err, "%s:%d: line longer than %d bytes\n",
		    ctx->name, ctx->lineno, num - 2);
		ctx->problems++;
		len = 0;
	}
	memcpy(str, ctx->pos, len);
	str[len] = '\0';
	ctx->pos = eol != NULL ? eol + 1 : end;
	if (len > 0 && str[len - 1] == '\r')
		str[--len] = '\0';

	if (expand_env(ctx, str, (size_t)num) < 0)
		str[0] = '\0';
	for (p = str; isspace((unsigned char)*p); p++)
		;
	if (*p == '[') {
		q = strchr(p, ']');
		if (q == NULL)
			return strcat(str, "\n");     /* inih reports it */
		{
			char name[BENCH_NAME_MAX + 1];
			size_t n = q - p - 1;

			if (n == 0 || n > BENCH_NAME_MAX) {
				fprintf(ctx->err, "%s:%d: bad section name\n",
				    ctx->name, ctx->lineno);
				ctx->problems++;
				n = 0;
			}
			memcpy(name, p + 1, n);
			name[n] = '\0';
			ctx->section = spec_section(ctx->spec, name,
			    strcmp(name, "global") == 0, ctx->name, ctx->lineno);
		}
	} else if (p == str && *p != '\0' && *p != ';' && *p != '#' &&
	    strpbrk(p, "=:") == NULL) {
		/* a bare flag, possibly followed by a comment */
		for (q = p; *q != '\0' && !isspace((unsigned char)*q) && *q != ';'; q++)
			;
		len = q - p;
		if (len + 3 < (size_t)num) {
			memmove(str, p, len);
			memcpy(str + len, "=1", 3);
		}
	}
	return strcat(str, "\n");
}

static int
load_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct load_ctx *ctx = user;

	(void)section;
	if (ctx->section == SIZE_MAX) {
		fprintf(ctx->err, "%s:%d: option '%s' outside any section\n",
		    ctx->name, ctx->lineno, name);
		ctx->problems++;
		return 1;
	}
	spec_entry(ctx->spec, ctx->section, name, value, ctx->name, ctx->lineno);
	return 1;
}

int
bench_spec_load_string(struct bench_spec *s, const char *name,
    const char *text, FILE *err)
{
	struct load_ctx ctx = { s, name, text, 0, SIZE_MAX, err, 0 };
	int rc;

	rc = ini_parse_stream(load_reader, &ctx, load_handler, &ctx);
	if (rc != 0) {
		fprintf(err, "%s:%d: syntax error\n", name, rc);
		ctx.problems++;
	}
	return ctx.problems;
}

int
bench_spec_load_file(struct bench_spec *s, const char *path, FILE *err)
{
	FILE *f;
	char *text = NULL;
	size_t cap = 0, len = 0, n;
	int problems;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(err, "%s: cannot open job file: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *grown = realloc(text, cap + 65536);

			if (grown == NULL)
				abort();
			text = grown;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	text[len] = '\0';
	if (ferror(f)) {
		fprintf(err, "%s: cannot read job file: %s\n", path, strerror(errno));
		fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	problems = bench_spec_load_string(s, path, text, err);
	free(text);
	return problems;
}

/* The command line */

static bool
is_flag(const char *key)
{
	const struct opt *o = opt_find(key);

	if (strcmp(key, "help") == 0 || strcmp(key, "version") == 0)
		return true;
	return o != NULL && o->type == T_BOOL;
}

int
bench_spec_cmdline(struct bench_spec *s, struct bench_cmdline *cl,
    int argc, char **argv, FILE *err)
{
	int i, problems = 0;
	char key[64];
	const char *arg, *eq, *value;
	size_t klen, k;

	memset(cl, 0, sizeof(*cl));
	cl->format = BENCH_FMT_NORMAL;
	s->cmdline_global = spec_section(s, "global", true, NULL, 0);
	s->current = s->cmdline_global;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "-h") == 0) {
			cl->help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0) {
			problems += bench_spec_load_file(s, arg, err);
			continue;
		}
		arg += 2;
		eq = strchr(arg, '=');
		klen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (klen == 0 || klen >= sizeof(key)) {
			fprintf(err, "ringbench: bad option '%s'\n", argv[i]);
			problems++;
			continue;
		}
		/* fio spells options with '_'; accept '-' as well */
		for (k = 0; k < klen; k++)
			key[k] = arg[k] == '-' ? '_' : arg[k];
		key[klen] = '\0';
		if (eq != NULL)
			value = eq + 1;
		else if (is_flag(key))
			value = "1";
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(err, "ringbench: option --%s needs a value\n", key);
			problems++;
			continue;
		}

		if (strcmp(key, "help") == 0) {
			cl->help = true;
		} else if (strcmp(key, "version") == 0) {
			cl->version = true;
		} else if (strcmp(key, "output_format") == 0) {
			if (strcmp(value, "normal") == 0)
				cl->format = BENCH_FMT_NORMAL;
			else if (strcmp(value, "json") == 0)
				cl->format = BENCH_FMT_JSON;
			else if (strcmp(value, "json+") == 0)
				cl->format = BENCH_FMT_JSONPLUS;
			else if (strcmp(value, "terse") == 0)
				cl->format = BENCH_FMT_TERSE;
			else if (strcmp(value, "ringbench") == 0)
				cl->format = BENCH_FMT_RINGBENCH;
			else {
				fprintf(err, "ringbench: option --output-format: "
				    "bad value '%s' (normal, terse, json, json+ or ringbench)\n",
				    value);
				problems++;
			}
		} else if (strcmp(key, "eta") == 0) {
			if (strcmp(value, "auto") == 0)
				cl->eta = BENCH_ETA_AUTO;
			else if (strcmp(value, "always") == 0)
				cl->eta = BENCH_ETA_ALWAYS;
			else if (strcmp(value, "never") == 0)
				cl->eta = BENCH_ETA_NEVER;
			else {
				fprintf(err, "ringbench: option --eta: bad value "
				    "'%s' (auto, always or never)\n", value);
				problems++;
			}
		} else if (strcmp(key, "status_interval") == 0) {
			if (units_parse_duration(value, &cl->status_interval_ms)
			    != 0 || cl->status_interval_ms == 0) {
				fprintf(err, "ringbench: option --status-interval: "
				    "bad value '%s' (expects a duration such as "
				    "1s)\n", value);
				problems++;
			}
		} else if (strcmp(key, "output") == 0) {
			free(cl->output);
			cl->output = strdup(value);
		} else if (strcmp(key, "name") == 0) {
			s->current = spec_section(s, value, false, NULL, 0);
		} else {
			if (strcmp(key, "continue_on_error") == 0 &&
			    bench_parse_bool(value, &cl->continue_on_error) < 0)
				cl->continue_on_error = false;
			spec_entry(s, s->current, key, value, NULL, 0);
		}
	}
	return problems;
}

/* rw= */

static const char *const rw_names[] = {
	[BENCH_RW_READ] = "read", [BENCH_RW_RANDREAD] = "randread",
	[BENCH_RW_WRITE] = "write", [BENCH_RW_RANDWRITE] = "randwrite",
	[BENCH_RW_RW] = "rw", [BENCH_RW_RANDRW] = "randrw",
};

const char *
bench_rw_name(enum bench_rw rw)
{
	return rw_names[rw];
}

/* fio also calls rw "readwrite" */
static int
parse_rw(const char *s, enum bench_rw *rw)
{
	size_t i;

	if (strcmp(s, "readwrite") == 0)
		s = "rw";
	for (i = 0; i < sizeof(rw_names) / sizeof(rw_names[0]); i++) {
		if (strcmp(s, rw_names[i]) == 0) {
			*rw = (enum bench_rw)i;
			return 0;
		}
	}
	return -1;
}

bool
bench_rw_reads(enum bench_rw rw)
{
	return rw != BENCH_RW_WRITE && rw != BENCH_RW_RANDWRITE;
}

bool
bench_rw_writes(enum bench_rw rw)
{
	return rw != BENCH_RW_READ && rw != BENCH_RW_RANDREAD;
}

bool
bench_rw_random(enum bench_rw rw)
{
	return rw == BENCH_RW_RANDREAD || rw == BENCH_RW_RANDWRITE ||
	    rw == BENCH_RW_RANDRW;
}

uint64_t
bench_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

enum bench_ddir
bench_rw_pick(enum bench_rw rw, unsigned rwmixread, uint64_t *rng)
{
	if (!bench_rw_writes(rw))
		return BENCH_DDIR_READ;
	if (!bench_rw_reads(rw))
		return BENCH_DDIR_WRITE;
	/* the high bits: xorshift's low bits are its weakest */
	return (bench_rng_next(rng) >> 33) % 100 < rwmixread ?
	    BENCH_DDIR_READ : BENCH_DDIR_WRITE;
}

/* Building jobs */

static void
where(FILE *err, const char *file, int line, const char *key)
{
	if (file != NULL)
		fprintf(err, "%s:%d: option '%s': ", file, line, key);
	else
		fprintf(err, "ringbench: option --%s: ", key);
}

static void
job_defaults(struct bench_job *j)
{
	memset(j, 0, sizeof(*j));
	j->numjobs = 1;
	j->iodepth = 1;
	j->rw = BENCH_RW_READ;
	j->rwmixread = 50;
	j->bs = 4096;
	j->keepalive = true;
	j->verify = BENCH_VERIFY_NONE;
	j->sink = BENCH_SINK_DISCARD;
	j->randseed = 0x5eed;
	j->timeout_ms = 30000;
	j->log_avg_msec = 500;
}

/* Apply one entry; -1 (with a message on err unless NULL) when bad. */
static int
apply(struct bench_job *j, const struct bench_entry *e, FILE *err)
{
	const struct opt *o = opt_find(e->key);
	char *field = (char *)j + (o != NULL ? o->off : 0);
	uint64_t v = 0;
	bool b;
	const char *expect = NULL;

	if (o == NULL) {
		if (err != NULL) {
			where(err, e->file, e->line, e->key);
			fprintf(err, "unknown option\n");
		}
		return -1;
	}
	switch (o->type) {
	case T_NAME:
		return 0;
	case T_UINT:
		if (units_parse_count(e->value, &v) != 0)
			expect = "a number";
		break;
	case T_SIZE:
		if (units_parse_size(e->value, &v) != 0)
			expect = "a size such as 4k, 64KiB, 1M";
		break;
	case T_DURATION:
		if (units_parse_duration(e->value, &v) != 0)
			expect = "a duration such as 500ms, 10s, 2m";
		break;
	case T_BOOL:
		if (bench_parse_bool(e->value, &b) < 0)
			expect = "on/off, yes/no, 1/0";
		else
			*(bool *)field = b;
		break;
	case T_STR:
		if (*e->value == '\0') {
			expect = "a value";
			break;
		}
		free(*(char **)field);
		*(char **)field = strdup(e->value);
		if (*(char **)field == NULL)
			abort();
		break;
	case T_RW:
		if (parse_rw(e->value, &j->rw) < 0)
			expect = "read, randread, write, randwrite, rw or randrw";
		break;
	case T_SINK:
		if (strcmp(e->value, "discard") == 0)
			j->sink = BENCH_SINK_DISCARD;
		else if (strcmp(e->value, "splice") == 0)
			j->sink = BENCH_SINK_SPLICE;
		else
			expect = "discard or splice";
		break;
	case T_VERIFY:
		if (bench_verify_parse(e->value, &j->verify) < 0)
			expect = "sha256, crc32c, xxhash or none";
		break;
	}
	if (expect == NULL && (o->type == T_UINT || o->type == T_SIZE ||
	    o->type == T_DURATION)) {
		if (v < o->min || v > o->max) {
			if (err != NULL) {
				where(err, e->file, e->line, e->key);
				fprintf(err, "value '%s' out of range %" PRIu64
				    "..%" PRIu64 "\n", e->value, o->min, o->max);
			}
			return -1;
		}
		if (o->type == T_UINT && o->max <= 4194304)
			*(unsigned *)field = (unsigned)v;
		else
			*(uint64_t *)field = v;
	}
	if (expect != NULL) {
		if (err != NULL) {
			where(err, e->file, e->line, e->key);
			fprintf(err, "bad value '%s' (expects %s)\n", e->value, expect);
		}
		return -1;
	}
	return 0;
}

static void
job_clear(struct bench_job *j)
{
	free(j->url);
	free(j->host);
	free(j->port);
	free_paths(j->paths, j->npaths);
	free(j->url_list);
	free(j->verify_dir);
	free(j->http_user);
	free(j->http_pass);
	free(j->write_bw_log);
	free(j->write_lat_log);
	free(j->write_iops_log);
}

void
bench_jobs_free(struct bench_job *jobs, size_t njobs)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		job_clear(&jobs[i]);
	free(jobs);
}

static int
load_url_list(struct bench_job *j, FILE *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, problems = 0;

	f = fopen(j->url_list, "r");
	if (f == NULL) {
		fprintf(err, "job '%s': url_list=%s: %s\n", j->name, j->url_list,
		    strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (add_path(&j->paths, &j->npaths, line, n) < 0) {
			fprintf(err, "%s:%d: bad path '%s'\n", j->url_list,
			    lineno, line);
			problems++;
		}
	}
	free(line);
	fclose(f);
	return problems;
}

/* Checks that need the whole job; -1 after reporting. */
static int
job_finish(struct bench_job *j, const char *file, int line, FILE *err)
{
	int problems = 0;
	char at[300];

	if (file != NULL)
		snprintf(at, sizeof(at), "%s:%d: job '%s'", file, line, j->name);
	else
		snprintf(at, sizeof(at), "ringbench: job '%s'", j->name);
	if (j->url == NULL) {
		fprintf(err, "%s: no url (set url=host:port/path)\n", at);
		return 1;
	}
	if (bench_parse_url(j->url, &j->host, &j->port, &j->paths,
	    &j->npaths) < 0) {
		fprintf(err, "%s: option 'url': bad value '%s' (expects "
		    "[http://]host:port/path[,/path...])\n", at, j->url);
		return 1;
	}
	if (j->url_list != NULL)
		problems += load_url_list(j, err);
	if (j->npaths == 0 && problems == 0) {
		fprintf(err, "%s: option 'url': no path to request in '%s'%s\n",
		    at, j->url, j->url_list != NULL ? " nor in url_list" : "");
		problems++;
	}
	if (j->time_based && j->runtime_ms == 0) {
		fprintf(err, "%s: option 'time_based' needs a runtime\n", at);
		problems++;
	}
	if (bench_rw_writes(j->rw) && j->bs > (UINT64_C(1) << 30)) {
		fprintf(err, "%s: option 'bs': rw=%s sends bodies of at most "
		    "1G\n", at, bench_rw_name(j->rw));
		problems++;
	}
	if (j->verify != BENCH_VERIFY_NONE && bench_rw_reads(j->rw) &&
	    bench_rw_writes(j->rw)) {
		/* a read may meet the file before or after a write */
		fprintf(err, "%s: option 'verify': rw=%s mixes reads and "
		    "writes of the same paths; verify checks read, randread, "
		    "write or randwrite\n", at, bench_rw_name(j->rw));
		problems++;
	}
	if (j->verify != BENCH_VERIFY_NONE) {
		/* a write job reads back what it wrote: no local copy */
		if (j->verify_dir == NULL && !bench_rw_writes(j->rw)) {
			fprintf(err, "%s: option 'verify': %s needs "
			    "verify_dir\n", at, bench_verify_name(j->verify));
			problems++;
		}
		if (j->sink == BENCH_SINK_SPLICE) {
			fprintf(err, "%s: option 'verify': %s needs the "
			    "bytes, so sink=discard, not splice\n", at,
			    bench_verify_name(j->verify));
			problems++;
		}
	}
	return problems;
}

int
bench_jobs_build(const struct bench_spec *s, struct bench_job **jobs,
    size_t *njobs, FILE *err)
{
	struct bench_job scratch, *list = NULL, *j;
	const struct bench_section *sec, *jsec;
	const struct bench_entry *e;
	size_t i, k, n = 0, count = 0;
	bool implicit = false;
	int problems = 0;

	/* Every entry is checked once, so a bad global is reported once. */
	for (i = 0; i < s->nentries; i++) {
		job_defaults(&scratch);
		if (apply(&scratch, &s->entries[i], err) < 0)
			problems++;
		job_clear(&scratch);
	}
	for (i = 0; i < s->nsections; i++)
		if (!s->sections[i].global)
			count++;
	if (count == 0) {
		/* "ringbench --url=..." alone is one job named ringbench */
		implicit = true;
		count = 1;
	}
	list = calloc(count, sizeof(*list));
	if (list == NULL)
		abort();
	for (k = 0; k < s->nsections || (implicit && n == 0); k++) {
		if (!implicit && s->sections[k].global)
			continue;
		jsec = implicit ? NULL : &s->sections[k];
		j = &list[n++];
		job_defaults(j);
		snprintf(j->name, sizeof(j->name), "%s",
		    jsec != NULL ? jsec->name : "ringbench");
		j->line = jsec != NULL ? jsec->line : 0;
		for (i = 0; i < s->nentries; i++) {
			e = &s->entries[i];
			sec = &s->sections[e->section];
			if (e->section == s->cmdline_global)
				continue;
			/* file globals before this job, in the same file */
			if (sec->global && sec->file != NULL && (jsec == NULL ||
			    (jsec->file != NULL && e->section < k &&
			    strcmp(sec->file, jsec->file) == 0)))
				(void)apply(j, e, NULL);
			/* the cmdline job: its own entries come last, below */
			if (jsec != NULL && e->section == k && jsec->file != NULL)
				(void)apply(j, e, NULL);
		}
		for (i = 0; i < s->nentries; i++)
			if (s->entries[i].section == s->cmdline_global)
				(void)apply(j, &s->entries[i], NULL);
		if (jsec != NULL && jsec->file == NULL)
			for (i = 0; i < s->nentries; i++)
				if (s->entries[i].section == k)
					(void)apply(j, &s->entries[i], NULL);
		problems += job_finish(j, jsec != NULL ? jsec->file : NULL,
		    j->line, err);
		/* as fio: a stonewall starts a new group, the first job's none */
		j->group = n == 1 ? 0 : list[n - 2].group + (j->stonewall ? 1 : 0);
		if (implicit)
			break;
	}
	if (problems != 0) {
		bench_jobs_free(list, n);
		return problems;
	}
	*jobs = list;
	*njobs = n;
	return 0;
}
