/*
 * conf_parse.h: what conf.c (the key table and the reader) and
 * conf_check.c (the checks of values and of the whole file) share.
 * Private to those two files.
 */
#ifndef RINGPUSH_CONF_PARSE_H
#define RINGPUSH_CONF_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "log.h"

enum conf_section { SECTION_NONE, SECTION_DAEMON, SECTION_LIMITS,
	SECTION_LISTENER, SECTION_STATUS, SECTION_SKIP };

enum conf_type {
	TYPE_PATH,	/* a file or directory name, copied as written */
	TYPE_FILENAME,	/* a plain file name: no '/' */
	TYPE_STRING,	/* any text, may be empty */
	TYPE_ADDRESS,	/* IPv4:port, [IPv6]:port, *:port */
	TYPE_SIZE,	/* bytes with an optional K, M, G, T or P (units.h); unsigned or
			 * uint64_t, as the target's size says */
	TYPE_DURATION,	/* milliseconds; ms, s, m or h */
	TYPE_UINT,	/* unsigned or uint64_t, as for TYPE_SIZE */
	TYPE_ENUM,	/* int, index into the row's names */
	TYPE_BOOL	/* int, 0 or 1 */
};

struct conf_parser;

struct conf_key {
	const char *name;
	enum conf_section section;	/* DAEMON, LIMITS: struct conf;
					 * LISTENER: struct conf_listener */
	enum conf_type type;
	size_t offset;
	size_t size;			/* of the target, for strings */
	const char *def;		/* default as it would be written,
					 * NULL = required */
	uint64_t min, max;		/* SIZE, DURATION, UINT */
	const char *const *names;	/* ENUM, NULL-terminated */
	/* Extra check after the type's own; prints its own message. */
	int (*check)(struct conf_parser *, const struct conf_key *,
	    const char *);
};

/* The key table (conf.c), conf_nkeys rows. */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/* What the reader and the handler share while one file is read. */
struct conf_parser {
	struct conf *conf;
	const char *path;
	FILE *in;
	FILE *err;
	int errors;
	int lineno;
	char *linebuf;			/* getline() buffer */
	size_t linecap;
	enum conf_section section;
	unsigned listener;		/* index of the current listener */
	int *seen;			/* [daemon], [limits], per key: the
					   line that set it, 0 = not */
	int *lseen;			/* the same per listener: conf_nkeys
					   each, see CONF_LSEEN() */
	int bad_user;			/* user named no account: said so */
};


/* The line that set key i of listener j, 0 when none did. */
#define CONF_LSEEN(p, j, i) ((p)->lseen[(size_t)(j) * conf_nkeys + (i)])

void conf_error(struct conf_parser *p, int line, const char *fmt, ...)
    LOG_PRINTF(3, 4);
/*
 * value as the daemon will use it: below the base directory when it is
 * relative and one is set, in out (cap bytes); else value itself.  NULL
 * when the result would not fit.
 */
const char *conf_resolve(const char *value, char *out, size_t cap);

/* conf_check.c: the extra checks of single values, named by the key
 * table; each prints its own message and returns -1 on a problem. */
int check_error_log(struct conf_parser *, const struct conf_key *, const char *);
int check_root(struct conf_parser *, const struct conf_key *, const char *);
int check_user(struct conf_parser *, const struct conf_key *, const char *);
int check_group(struct conf_parser *, const struct conf_key *, const char *);
int check_status_path(struct conf_parser *, const struct conf_key *, const char *);
int check_header_value(struct conf_parser *, const struct conf_key *, const char *);
int check_add_header(struct conf_parser *, const struct conf_key *, const char *);
/* Whether two listeners' addresses would bind the same socket. */
int conf_address_overlaps(const struct conf_listener *a, const struct conf_listener *b);
/* Once the whole file is read: what only the whole file can tell. */
void conf_check(struct conf_parser *p);

#endif
