/*
 * conf.c: the configuration file.
 *
 * Every key is one row of conf_keys[]: its name, the section it belongs to,
 * the type of its value, where the value goes, its default and its bounds.
 * inih splits "key = value" lines; the line reader in front of it counts
 * lines, handles section headers and rejects malformed or overlong lines
 * itself, because inih reports only the first syntax error, truncates
 * section names and splits long lines silently.  Every problem is printed
 * as "path:line: message" and parsing goes on, so one run shows them all.
 * The checks beyond a value's type, and those of the whole file, are in
 * conf_check.c.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conf.h"
#include "conf_parse.h"
#include "confine.h"
#include "headers.h"
#include "log.h"
#include "ranges.h"
#include "units.h"

#define KiB	1024ULL
#define MiB	(1024ULL * KiB)
#define GiB	(1024ULL * MiB)
#define SECOND_MS	1000ULL
#define MINUTE_MS	(60ULL * SECOND_MS)
#define HOUR_MS		(60ULL * MINUTE_MS)

/* A listener name is used in log lines and must stay short and plain. */
#define CONF_LISTENER_NAME_LEN	63
/* Bytes per second: far above any link, and low enough that a rate
 * times a day in milliseconds still fits in 64 bits. */
#define CONF_RATE_MAX		(64ULL * GiB)

static const char *const log_level_names[] = { "error", "warn", "info",
	"debug", NULL };
static const char *const engine_names[] = { "splice", "sendfile", "auto", "copy",
	"mmap", NULL };
/* In the order of enum conf_send_zc. */
static const char *const send_zc_names[] = { "auto", "on", "off", NULL };
/* In the order of enum conf_log_format and enum conf_status_allow. */
static const char *const log_format_names[] = { "combined", "json", NULL };
static const char *const status_allow_names[] = { "loopback", "any", NULL };
/* In the order of enum conf_symlinks. */
static const char *const symlinks_names[] = { "beneath", "no", NULL };
/* In the order of enum conf_autoindex. */
static const char *const autoindex_names[] = { "off", "html", "json", NULL };
/* In the order of enum confine_mode. */
static const char *const confine_names[] = { "on", "log", "off", NULL };
/* workers: a count, or the one word "auto" (stored as 0: one per online
 * CPU, counted at start).  In the order of enum conf_cpu_affinity. */
static const char *const workers_names[] = { "auto", NULL };
static const char *const cpu_affinity_names[] = { "off", "auto", NULL };

_Static_assert(sizeof(enum confine_mode) == sizeof(int) && CONFINE_ON == 0 &&
    CONFINE_LOG == 1 && CONFINE_OFF == 2, "confine_names follows enum confine_mode");
_Static_assert(sizeof(enum xfer_engine) == sizeof(int),
    "enum keys are stored as int");
_Static_assert(sizeof(enum conf_send_zc) == sizeof(int) && SEND_ZC_AUTO == 0 &&
    SEND_ZC_ON == 1 && SEND_ZC_OFF == 2, "send_zc_names follows enum conf_send_zc");
_Static_assert(sizeof(enum conf_symlinks) == sizeof(int),
    "enum keys are stored as int");
_Static_assert(sizeof(enum conf_log_format) == sizeof(int) &&
    sizeof(enum conf_status_allow) == sizeof(int), "enum keys are stored as int");
_Static_assert(SYMLINKS_BENEATH == 0 && SYMLINKS_NO == 1,
    "symlinks_names follows enum conf_symlinks");
_Static_assert(sizeof(enum conf_autoindex) == sizeof(int) && AUTOINDEX_OFF == 0 &&
    AUTOINDEX_HTML == 1 && AUTOINDEX_JSON == 2, "autoindex_names follows enum conf_autoindex");


#define D(field, type) SECTION_DAEMON, type, offsetof(struct conf, field), \
	sizeof(((struct conf *)0)->field)
#define L(field, type) SECTION_LIMITS, type, offsetof(struct conf, field), \
	sizeof(((struct conf *)0)->field)
#define S(field, type) SECTION_STATUS, type, offsetof(struct conf, field), \
	sizeof(((struct conf *)0)->field)
#define LS(field, type) SECTION_LISTENER, type, \
	offsetof(struct conf_listener, field), \
	sizeof(((struct conf_listener *)0)->field)

const struct conf_key conf_keys[] = {
	{ "error_log",		D(error_log, TYPE_PATH), "-", 0, 0, NULL,
	    check_error_log },
	{ "access_log",		D(access_log, TYPE_PATH), "-", 0, 0, NULL, NULL },
	{ "access_log_format",	D(access_log_format, TYPE_ENUM), "combined", 0,
	    0, log_format_names, NULL },
	{ "pid_file",		D(pid_file, TYPE_STRING), "", 0, 0, NULL, NULL },
	{ "shutdown_timeout",	D(shutdown_timeout_ms, TYPE_DURATION), "10s", 0,
	    24 * HOUR_MS, NULL, NULL },
	{ "log_level",		D(log_level, TYPE_ENUM), "info", 0, 0,
	    log_level_names, NULL },
	{ "ring_entries",	D(ring_entries, TYPE_UINT), "4096", 64, 32768,
	    NULL, NULL },
	{ "io_workers",		D(io_workers, TYPE_UINT), "4", 1, 256, NULL,
	    NULL },
	{ "recv_buffers",	D(recv_buffers, TYPE_UINT), "256", 1, 32768, NULL,
	    NULL },
	{ "request_buffers_kept", D(request_buffers_kept, TYPE_UINT), "256", 0,
	    1000000, NULL, NULL },
	{ "pipe_size",		D(pipe_size, TYPE_SIZE), "1M", 4 * KiB, MiB,
	    NULL, NULL },
	{ "pipe_pool",		D(pipe_pool, TYPE_UINT), "64", 0, 65536, NULL,
	    NULL },
	{ "open_file_cache",	D(open_file_cache, TYPE_UINT), "1024", 0, 1000000,
	    NULL, NULL },
	{ "open_file_cache_valid", D(open_file_cache_valid_ms, TYPE_DURATION), "1s",
	    1, HOUR_MS, NULL, NULL },
	{ "file_cache_size",	D(file_cache_size, TYPE_SIZE), "16M", 0,
	    1024 * MiB, NULL, NULL },
	{ "user",		D(user, TYPE_STRING), "", 0, 0, NULL,
	    check_user },
	{ "group",		D(group, TYPE_STRING), "", 0, 0, NULL,
	    check_group },
	{ "allow_root",		D(allow_root, TYPE_BOOL), "no", 0, 0, NULL,
	    NULL },
	{ "confine",		D(confine, TYPE_ENUM), "on", 0, 0, confine_names,
	    NULL },
	/* a count, or "auto": names[0] is the word a TYPE_UINT also takes */
	{ "workers",		D(workers, TYPE_UINT), "1", 1, CONF_WORKERS_MAX,
	    workers_names, NULL },
	{ "worker_cpu_affinity", D(worker_cpu_affinity, TYPE_ENUM), "off", 0, 0,
	    cpu_affinity_names, NULL },
	{ "drain_time",		D(drain_time_ms, TYPE_DURATION), "0", 0, HOUR_MS,
	    NULL, NULL },

	{ "max_connections",	L(max_connections, TYPE_UINT), "10000", 1,
	    1000000, NULL, NULL },
	{ "max_connections_per_ip", L(max_connections_per_ip, TYPE_UINT),
	    "0", 0, 1000000, NULL, NULL },
	{ "rate_per_connection", L(rate_per_connection, TYPE_SIZE), "0", 0,
	    CONF_RATE_MAX, NULL, NULL },
	{ "rate_total",		L(rate_total, TYPE_SIZE), "0", 0,
	    CONF_RATE_MAX, NULL, NULL },
	{ "max_headers",	L(max_headers, TYPE_UINT), "64", 1, 1024, NULL,
	    NULL },
	{ "max_target",		L(max_target, TYPE_SIZE), "4K", 64, 4 * KiB,
	    NULL, NULL },
	{ "header_timeout",	L(header_timeout_ms, TYPE_DURATION), "10s", 1,
	    24 * HOUR_MS, NULL, NULL },
	{ "idle_timeout",	L(idle_timeout_ms, TYPE_DURATION), "60s", 1,
	    24 * HOUR_MS, NULL, NULL },
	{ "send_timeout",	L(send_timeout_ms, TYPE_DURATION), "60s", 1,
	    24 * HOUR_MS, NULL, NULL },
	{ "max_request_header",	L(max_request_header, TYPE_SIZE), "8K", KiB,
	    64 * KiB, NULL, NULL },

	{ "path",		S(status_path, TYPE_STRING), "", 0, 0, NULL,
	    check_status_path },
	{ "allow",		S(status_allow, TYPE_ENUM), "loopback", 0, 0,
	    status_allow_names, NULL },
	{ "health_path",	S(health_path, TYPE_STRING), "", 0, 0, NULL,
	    check_status_path },

	{ "address",		LS(addr, TYPE_ADDRESS), NULL, 0, 0, NULL, NULL },
	{ "root",		LS(root, TYPE_PATH), NULL, 0, 0, NULL,
	    check_root },
	{ "index",		LS(index, TYPE_FILENAME), "index.html", 0, 0, NULL,
	    NULL },
	{ "engine",		LS(engine, TYPE_ENUM), "auto", 0, 0,
	    engine_names, NULL },
	{ "send_zc",		LS(send_zc, TYPE_ENUM), "auto", 0, 0,
	    send_zc_names, NULL },
	{ "send_lowat",		LS(send_lowat, TYPE_SIZE), "64K", 0, 64 * MiB,
	    NULL, NULL },
	{ "hidden_files",	LS(hidden_files, TYPE_BOOL), "no", 0, 0, NULL,
	    NULL },
	{ "follow_symlinks",	LS(follow_symlinks, TYPE_ENUM), "beneath", 0,
	    0, symlinks_names, NULL },
	{ "max_ranges",		LS(max_ranges, TYPE_UINT), "16", 0, RANGES_MAX,
	    NULL, NULL },
	{ "cache_control",	LS(cache_control, TYPE_STRING), "", 0, 0, NULL,
	    check_header_value },
	/* repeatable: each line appends (see conf_handler) */
	{ "add_header",		LS(add_headers, TYPE_STRING), "", 0, 0, NULL,
	    check_add_header },
	{ "autoindex",		LS(autoindex, TYPE_ENUM), "off", 0, 0,
	    autoindex_names, NULL },
	/* Listings are read synchronously: the cap bounds that time. */
	{ "autoindex_max_entries", LS(autoindex_max_entries, TYPE_UINT), "1000", 1,
	    100000, NULL, NULL },
	{ "precompressed",	LS(precompressed, TYPE_BOOL), "off", 0, 0, NULL,
	    NULL },
	/* uploads: the token file is read once the file is (conf_check) */
	{ "upload",		LS(upload, TYPE_BOOL), "off", 0, 0, NULL, NULL },
	{ "upload_token_file",	LS(upload_token_file, TYPE_STRING), "", 0, 0,
	    NULL, NULL },
	{ "upload_max_size",	LS(upload_max_size, TYPE_SIZE), "1G", 0,
	    UINT64_MAX, NULL, NULL },
	{ "upload_overwrite",	LS(upload_overwrite, TYPE_BOOL), "yes", 0, 0,
	    NULL, NULL },
	{ "upload_fsync",	LS(upload_fsync, TYPE_BOOL), "no", 0, 0, NULL,
	    NULL },
};

#undef D
#undef L
#undef S
#undef LS

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
const size_t conf_nkeys = NKEYS;


/* Print "path:line: message" (no line when 0) and count the problem. */
void
conf_error(struct conf_parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	/* No parser while the built-in defaults are applied: they are
	 * always valid. */
	if (p == NULL)
		return;
	p->errors++;
	if (p->err == NULL)
		return;
	if (line > 0)
		fprintf(p->err, "%s:%d: ", p->path, line);
	else
		fprintf(p->err, "%s: ", p->path);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

/*
 * Value parsers.  The internal forms return 0, -1 when the text is not of
 * the expected shape, -2 when the number does not fit.
 */

/* why, when not NULL, receives what is wrong with the address. */
static int
parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *hstart, *hend, *port_s;
	uint64_t port;
	size_t hlen;

	if (*s == '[') {
		hstart = s + 1;
		if ((hend = strchr(hstart, ']')) == NULL) {
			*why = "no ] after the IPv6 address";
			return -1;
		}
		colon = hend + 1;
		if (*colon != ':') {
			*why = "no :port after the IPv6 address";
			return -1;
		}
	} else {
		hstart = s;
		if ((colon = strrchr(s, ':')) == NULL) {
			*why = "no :port";
			return -1;
		}
		hend = colon;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*why = "an IPv6 address must be written in brackets";
			return -1;
		}
	}
	port_s = colon + 1;
	switch (units_parse_count(port_s, &port)) {
	case 0:
		if (port <= 65535)
			break;
		/* FALLTHROUGH */
	case -2:
		*why = "the port is out of range (0..65535)";
		return -1;
	default:
		*why = "the port is not a number (0..65535)";
		return -1;
	}
	hlen = (size_t)(hend - hstart);
	if (hlen == 0) {
		*why = "no host before the port";
		return -1;
	}
	if (hlen >= sizeof(host)) {
		*why = "not an IP address";
		return -1;
	}
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (*s != '[' && strcmp(host, "*") == 0) {
		/* Every address: one IPv6 socket with IPV6_V6ONLY off. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else if (*s == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			*why = "not an IPv4 address";
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	}
	return 0;
}

int
conf_parse_address(const char *s, struct sockaddr_storage *ss,
    socklen_t *len)
{
	const char *why;

	return parse_address(s, ss, len, &why);
}

int
conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Bounds in messages read as they would be written: 4K, not 4096. */
static void
format_size(char *buf, size_t len, uint64_t v)
{
	if (v != 0 && v % GiB == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v / GiB));
	else if (v != 0 && v % MiB == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v / MiB));
	else if (v != 0 && v % KiB == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(v / KiB));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void
format_duration(char *buf, size_t len, uint64_t ms)
{
	if (ms != 0 && ms % HOUR_MS == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / HOUR_MS));
	else if (ms != 0 && ms % MINUTE_MS == 0)
		snprintf(buf, len, "%llum",
		    (unsigned long long)(ms / MINUTE_MS));
	else if (ms != 0 && ms % SECOND_MS == 0)
		snprintf(buf, len, "%llus",
		    (unsigned long long)(ms / SECOND_MS));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

static void
format_names(char *buf, size_t len, const char *const *names)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && used < len; i++) {
		const char *sep = i == 0 ? "" : names[i + 1] == NULL ?
		    " or " : ", ";
		int n = snprintf(buf + used, len - used, "%s%s", sep, names[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * The directory relative paths are read against: the one the daemon was
 * started in, named once before it moves to "/", so that a reload reads
 * a relative root, log or pid file as the start did.  "" = the current
 * directory, as written.
 */
static char conf_base_dir[PATH_MAX];

int
conf_set_base_dir(const char *dir)
{
	if (dir == NULL) {
		conf_base_dir[0] = '\0';
		return 0;
	}
	if (dir[0] != '/' || strlen(dir) >= sizeof(conf_base_dir)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(conf_base_dir, sizeof(conf_base_dir), "%s", dir);
	return 0;
}

const char *
conf_resolve(const char *value, char *out, size_t cap)
{
	int n;

	if (value[0] == '/' || value[0] == '\0' || conf_base_dir[0] == '\0')
		return value;
	n = snprintf(out, cap, "%s/%s", conf_base_dir, value);
	return n < 0 || (size_t)n >= cap ? NULL : out;
}

/*
 * Parse value for key k into base (struct conf or struct conf_listener).
 * p == NULL while applying the built-in defaults, which cannot fail.
 * Returns 0 or -1 after printing the problem.
 */
static int
conf_set(struct conf_parser *p, const struct conf_key *k, void *base,
    const char *value)
{
	char lo[32], hi[32], names[128], resolved[PATH_MAX];
	char *target = (char *)base + k->offset;
	const char *why = "";
	uint64_t v = 0;
	int line = p != NULL ? p->lineno : 0;
	int r, i, b;

	switch (k->type) {
	case TYPE_PATH:
	case TYPE_FILENAME:
		if (value[0] == '\0') {
			conf_error(p, line, "%s: empty value (expected %s)",
			    k->name, k->type == TYPE_PATH ? "a path" :
			    "a file name");
			return -1;
		}
		/* "-" and "off" name standard streams or nothing, not files */
		if (k->type == TYPE_PATH && strcmp(value, "-") != 0 &&
		    strcmp(value, "off") != 0 &&
		    (value = conf_resolve(value, resolved, sizeof(resolved))) == NULL) {
			conf_error(p, line, "%s: value too long below %s",
			    k->name, conf_base_dir);
			return -1;
		}
		if (strlen(value) >= k->size) {
			conf_error(p, line, "%s: value too long (at most %zu "
			    "characters)", k->name, k->size - 1);
			return -1;
		}
		if (k->type == TYPE_FILENAME && (strchr(value, '/') != NULL ||
		    strcmp(value, ".") == 0 || strcmp(value, "..") == 0)) {
			conf_error(p, line, "%s: \"%s\" is not a plain file "
			    "name (expected a name without /)", k->name, value);
			return -1;
		}
		if (k->check != NULL && p != NULL && k->check(p, k, value) != 0)
			return -1;
		memcpy(target, value, strlen(value) + 1);
		return 0;
	case TYPE_STRING:
		/* the pid file is a path that may be empty (none) */
		if (k->section == SECTION_DAEMON &&
		    k->offset == offsetof(struct conf, pid_file) &&
		    (value = conf_resolve(value, resolved, sizeof(resolved))) == NULL) {
			conf_error(p, line, "%s: value too long below %s",
			    k->name, conf_base_dir);
			return -1;
		}
		if (strlen(value) >= k->size) {
			conf_error(p, line, "%s: value too long (at most %zu "
			    "characters)", k->name, k->size - 1);
			return -1;
		}
		/* Empty means the default, which needs no check. */
		if (value[0] != '\0' && k->check != NULL && p != NULL &&
		    k->check(p, k, value) != 0)
			return -1;
		memcpy(target, value, strlen(value) + 1);
		return 0;
	case TYPE_ADDRESS: {
		struct conf_listener *l = (struct conf_listener *)base;
		struct sockaddr_storage ss;
		socklen_t len;
		unsigned j;

		if (strlen(value) >= sizeof(l->address)) {
			conf_error(p, line, "%s: value too long (at most %zu "
			    "characters)", k->name, sizeof(l->address) - 1);
			return -1;
		}
		if (parse_address(value, &ss, &len, &why) != 0) {
			conf_error(p, line, "%s: \"%s\": %s (expected "
			    "IPv4:port, [IPv6]:port or *:port)", k->name, value,
			    why);
			return -1;
		}
		memcpy(&l->addr, &ss, sizeof(ss));
		l->addrlen = len;
		memcpy(l->address, value, strlen(value) + 1);
		for (j = 0; p != NULL && j < p->conf->nlisteners; j++) {
			const struct conf_listener *o = &p->conf->listeners[j];

			if (o == l || o->addrlen == 0 ||
			    !conf_address_overlaps(l, o))
				continue;
			conf_error(p, line, "%s: \"%s\" collides with \"%s\" "
			    "of listener \"%s\" (line %d)", k->name, value,
			    o->address, o->name, o->line);
			l->addrlen = 0;
			return -1;
		}
		return 0;
	}
	case TYPE_SIZE:
		format_size(lo, sizeof(lo), k->min);
		format_size(hi, sizeof(hi), k->max);
		if ((r = units_parse_size(value, &v)) == -1) {
			conf_error(p, line, "%s: \"%s\" is not a size (expected "
			    "%s..%s: bytes, or a number with K, M, G, T or P)",
			    k->name, value, lo, hi);
			return -1;
		}
		break;
	case TYPE_DURATION:
		format_duration(lo, sizeof(lo), k->min);
		format_duration(hi, sizeof(hi), k->max);
		if ((r = units_parse_duration(value, &v)) == -1) {
			conf_error(p, line, "%s: \"%s\" is not a duration "
			    "(expected %s..%s: seconds, or a number with ms, s, "
			    "m or h)", k->name, value, lo, hi);
			return -1;
		}
		break;
	case TYPE_UINT:
		/* a count that also takes one word, stored as 0 */
		if (k->names != NULL && strcmp(value, k->names[0]) == 0) {
			*(unsigned *)(void *)target = 0;
			return 0;
		}
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)k->min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)k->max);
		if ((r = units_parse_count(value, &v)) == -1) {
			conf_error(p, line, "%s: \"%s\" is not a number "
			    "(expected %s..%s%s%s)", k->name, value, lo, hi,
			    k->names != NULL ? " or " : "",
			    k->names != NULL ? k->names[0] : "");
			return -1;
		}
		break;
	case TYPE_ENUM:
		for (i = 0; k->names[i] != NULL; i++) {
			if (strcmp(value, k->names[i]) == 0) {
				*(int *)(void *)target = i;
				return 0;
			}
		}
		format_names(names, sizeof(names), k->names);
		conf_error(p, line, "%s: \"%s\" is not valid (expected %s)",
		    k->name, value, names);
		return -1;
	case TYPE_BOOL:
		if (conf_parse_bool(value, &b) != 0) {
			conf_error(p, line, "%s: \"%s\" is not a boolean "
			    "(expected yes, no, on, off, true, false, 1 or 0)",
			    k->name, value);
			return -1;
		}
		*(int *)(void *)target = b;
		return 0;
	default:
		return -1;
	}

	/* SIZE, DURATION, UINT: the number is well formed; check bounds. */
	if (r == -2 || v < k->min || v > k->max) {
		conf_error(p, line, "%s: \"%s\" is out of range (expected "
		    "%s..%s)", k->name, value, lo, hi);
		return -1;
	}
	/* The field's width, not the type, decides: max_target is a size
	 * kept in an unsigned.  Every max of an unsigned field fits it. */
	if (k->size == sizeof(unsigned))
		*(unsigned *)(void *)target = (unsigned)v;
	else
		*(uint64_t *)(void *)target = v;
	return 0;
}

/* Apply the defaults of every key of one section to base. */
static void
conf_set_defaults(enum conf_section section, void *base)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->section == section && k->def != NULL)
			(void)conf_set(NULL, k, base, k->def);
	}
}

static void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	conf_set_defaults(SECTION_DAEMON, c);
	conf_set_defaults(SECTION_LIMITS, c);
	conf_set_defaults(SECTION_STATUS, c);
}

void
conf_defaults(struct conf *c)
{
	struct conf_listener *l;
	const char *why;

	conf_init(c);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("%s", __func__);
	conf_set_defaults(SECTION_LISTENER, l);
	snprintf(l->name, sizeof(l->name), "default");
	snprintf(l->address, sizeof(l->address), "127.0.0.1:8080");
	if (parse_address(l->address, &l->addr, &l->addrlen, &why) != 0)
		fatalx("%s: %s", __func__, why);
	snprintf(l->root, sizeof(l->root), "%s",
	    conf_base_dir[0] != '\0' ? conf_base_dir : ".");
	c->listeners = l;
	c->nlisteners = 1;
}

void
conf_free(struct conf *c)
{
	free(c->listeners);
	c->listeners = NULL;
	c->nlisteners = 0;
}

static const char *
section_label(enum conf_section s)
{
	switch (s) {
	case SECTION_DAEMON:
		return "[daemon]";
	case SECTION_LIMITS:
		return "[limits]";
	case SECTION_STATUS:
		return "[status]";
	default:
		return "[listener]";
	}
}

/* Start [listener NAME]; on a problem the section's keys are skipped. */
static void
conf_new_listener(struct conf_parser *p, const char *name)
{
	struct conf *c = p->conf;
	struct conf_listener *l;
	int *lseen;
	size_t len = strlen(name);
	unsigned i;

	p->section = SECTION_SKIP;
	if (len == 0) {
		conf_error(p, p->lineno, "[listener] needs a name (expected "
		    "[listener NAME])");
		return;
	}
	if (len > CONF_LISTENER_NAME_LEN ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") != len) {
		conf_error(p, p->lineno, "listener name \"%s\" is not valid "
		    "(expected 1 to %d of A-Z a-z 0-9 _ -)", name,
		    CONF_LISTENER_NAME_LEN);
		return;
	}
	for (i = 0; i < c->nlisteners; i++) {
		if (strcmp(c->listeners[i].name, name) == 0) {
			conf_error(p, p->lineno, "duplicate listener \"%s\" "
			    "(first at line %d)", name, c->listeners[i].line);
			return;
		}
	}

	/* Grown one at a time: this runs only while loading. */
	l = realloc(c->listeners, (c->nlisteners + 1) * sizeof(*l));
	if (l == NULL)
		goto fail;
	c->listeners = l;
	lseen = realloc(p->lseen, (c->nlisteners + 1) * NKEYS * sizeof(*lseen));
	if (lseen == NULL)
		goto fail;
	p->lseen = lseen;

	l = &c->listeners[c->nlisteners];
	memset(l, 0, sizeof(*l));
	memcpy(l->name, name, len + 1);
	l->line = p->lineno;
	conf_set_defaults(SECTION_LISTENER, l);
	memset(&CONF_LSEEN(p, c->nlisteners, 0), 0, NKEYS * sizeof(*lseen));
	p->listener = c->nlisteners++;
	p->section = SECTION_LISTENER;
	return;
fail:
	conf_error(p, p->lineno, "%s", strerror(errno));
}

/* Section header text between the brackets, already trimmed. */
static void
conf_section(struct conf_parser *p, const char *name)
{
	if (strcmp(name, "daemon") == 0)
		p->section = SECTION_DAEMON;
	else if (strcmp(name, "limits") == 0)
		p->section = SECTION_LIMITS;
	else if (strcmp(name, "status") == 0)
		p->section = SECTION_STATUS;
	else if (strncmp(name, "listener", 8) == 0 &&
	    (name[8] == '\0' || isspace((unsigned char)name[8]))) {
		name += 8;
		while (isspace((unsigned char)*name))
			name++;
		conf_new_listener(p, name);
	} else {
		conf_error(p, p->lineno, "unknown section [%s] (expected "
		    "[daemon], [limits], [status] or [listener NAME])", name);
		p->section = SECTION_SKIP;
	}
}

/*
 * Like inih's own scan: the first of chars, or an inline ';' comment that
 * follows whitespace.  Returns a pointer to it or to the final NUL.
 */
static char *
find_chars_or_comment(char *s, const char *chars)
{
	int was_space = 0;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/*
 * The ini_reader: hand inih one physical line at a time so its line count
 * and ours agree.  Lines inih would reject or mangle are reported here and
 * replaced by an empty line.  Leading whitespace is dropped so that inih
 * never takes an indented line for the continuation of a value.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	ssize_t n;
	char *line, *end;
	size_t len;

	errno = 0;
	if ((n = getline(&p->linebuf, &p->linecap, p->in)) == -1) {
		if (ferror(p->in))
			conf_error(p, 0, "%s", strerror(errno ? errno : EIO));
		return NULL;
	}
	p->lineno++;
	line = p->linebuf;
	len = (size_t)n;
	str[0] = '\0';

	if (memchr(line, '\0', len) != NULL) {
		conf_error(p, p->lineno, "NUL character in line");
		return str;
	}
	if (p->lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	while (isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	if (len == 0 || *line == ';' || *line == '#')
		return str;
	if (len >= (size_t)num) {
		conf_error(p, p->lineno, "line too long (%zu characters, at "
		    "most %d)", len, num - 1);
		return str;
	}

	if (*line == '[') {
		char *name = line + 1;

		end = find_chars_or_comment(name, "]");
		if (*end != ']') {
			conf_error(p, p->lineno, "no ] at the end of the "
			    "section header");
			p->section = SECTION_SKIP;
			return str;
		}
		*end++ = '\0';
		while (isspace((unsigned char)*end))
			end++;
		if (*end != '\0' && *end != ';' && *end != '#') {
			conf_error(p, p->lineno, "unexpected text after the "
			    "section header: \"%s\"", end);
			p->section = SECTION_SKIP;
			return str;
		}
		while (isspace((unsigned char)*name))
			name++;
		len = strlen(name);
		while (len > 0 && isspace((unsigned char)name[len - 1]))
			name[--len] = '\0';
		conf_section(p, name);
		/* inih needs no section: conf_handler uses p->section. */
		return str;
	}

	end = find_chars_or_comment(line, "=:");
	if (*end != '=' && *end != ':') {
		conf_error(p, p->lineno, "expected \"key = value\"");
		return str;
	}
	if (end == line) {
		conf_error(p, p->lineno, "no key before \"%c\" (expected "
		    "\"key = value\")", *end);
		return str;
	}
	memcpy(str, line, len + 1);
	return str;
}

#if INI_HANDLER_LINENO
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value, int lineno)
#else
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
#endif
{
	struct conf_parser *p = user;
	const struct conf_key *k = NULL;
	int *seen;
	void *base;
	size_t i;

	(void)section;
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	switch (p->section) {
	case SECTION_SKIP:
		return 1;
	case SECTION_NONE:
		conf_error(p, p->lineno, "%s: key outside any section "
		    "(expected [daemon], [limits] or [listener NAME] first)",
		    name);
		return 1;
	default:
		break;
	}

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].section == p->section &&
		    strcmp(conf_keys[i].name, name) == 0) {
			k = &conf_keys[i];
			break;
		}
	}
	if (k == NULL) {
		if (p->section == SECTION_LISTENER)
			conf_error(p, p->lineno, "unknown key \"%s\" in "
			    "[listener %s]", name,
			    p->conf->listeners[p->listener].name);
		else
			conf_error(p, p->lineno, "unknown key \"%s\" in %s",
			    name, section_label(p->section));
		return 1;
	}

	if (p->section == SECTION_LISTENER) {
		seen = &CONF_LSEEN(p, p->listener, i);
		base = &p->conf->listeners[p->listener];
	} else {
		seen = &p->seen[i];
		base = p->conf;
	}
	/* add_header is the one key that may repeat: each line adds a
	 * field to what the earlier ones built. */
	if (k->check == check_add_header) {
		const char *why = headers_append(
		    p->conf->listeners[p->listener].add_headers,
		    sizeof(p->conf->listeners[0].add_headers), value);

		if (why != NULL)
			conf_error(p, p->lineno, "add_header: \"%s\": %s", value, why);
		*seen = p->lineno;
		return 1;
	}
	if (*seen != 0) {
		conf_error(p, p->lineno, "%s: duplicate key (first set at "
		    "line %d)", name, *seen);
		return 1;
	}
	*seen = p->lineno;
	(void)conf_set(p, k, base, value);
	/* Always go on: conf_error() counted any problem. */
	return 1;
}

int
conf_load(struct conf *c, const char *path, FILE *err)
{
	struct conf_parser p;
	int r;

	conf_init(c);
	memset(&p, 0, sizeof(p));
	p.conf = c;
	p.path = path;
	p.err = err;
	p.seen = calloc(NKEYS, sizeof(*p.seen));
	if (p.seen == NULL) {
		conf_error(&p, 0, "%s", strerror(errno));
		goto done;
	}

	if ((p.in = fopen(path, "re")) == NULL) {
		conf_error(&p, 0, "%s", strerror(errno));
		goto done;
	}
	r = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	/* The reader and the handler report everything themselves, so
	 * inih can only fail here on its own (out of memory). */
	if (r != 0 && p.errors == 0)
		conf_error(&p, r > 0 ? r : 0, "cannot be parsed");
	conf_check(&p);
	fclose(p.in);
done:
	free(p.linebuf);
	free(p.seen);
	free(p.lseen);
	if (p.errors > 0)
		conf_free(c);
	return p.errors;
}
