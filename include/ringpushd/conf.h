/*
 * conf.h: the daemon's configuration, read from an INI file with inih.
 *
 * Every key lives in one table in conf.c (name, type, target, default,
 * bounds).  conf_load() reports every problem as "file:line: message" on
 * the given stream, keeps parsing to collect them all, and returns the
 * number of problems: 0 means the configuration is valid and usable.
 */
#ifndef RINGPUSH_CONF_H
#define RINGPUSH_CONF_H

#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <sys/socket.h>

#define CONF_NAME_MAX 64
#define CONF_INDEX_MAX 256

enum xfer_engine { ENGINE_SPLICE, ENGINE_SENDFILE, ENGINE_AUTO, ENGINE_COPY, ENGINE_MMAP };
/* In the order of send_zc_names (conf.c). */
enum conf_send_zc { SEND_ZC_AUTO, SEND_ZC_ON, SEND_ZC_OFF };
enum conf_symlinks {
	SYMLINKS_BENEATH,      /* follow links whose target stays beneath the root */
	SYMLINKS_NO,           /* never follow a symlink (RESOLVE_NO_SYMLINKS) */
};
#define CONF_CACHE_CONTROL_MAX 128
#define CONF_ADD_HEADERS_MAX 256
/* In the order of enum listing_format (listing.h). */
enum conf_autoindex { AUTOINDEX_OFF, AUTOINDEX_HTML, AUTOINDEX_JSON };
#define CONF_USER_MAX 64
#define CONF_UPLOAD_TOKENS_MAX 4096    /* the largest token file read */
#define CONF_STATUS_PATH_MAX 256
enum conf_log_format { LOG_FORMAT_COMBINED, LOG_FORMAT_JSON };
enum conf_status_allow { STATUS_ALLOW_LOOPBACK, STATUS_ALLOW_ANY };
enum conf_cpu_affinity { CPU_AFFINITY_OFF, CPU_AFFINITY_AUTO };
/* worker processes at most */
#define CONF_WORKERS_MAX 512

struct conf_listener {
	char name[CONF_NAME_MAX];       /* from [listener NAME] */
	char address[128];              /* as written, for messages */
	struct sockaddr_storage addr;   /* parsed address; port 0 = any free port */
	socklen_t addrlen;
	char root[PATH_MAX];            /* directory served */
	char index[CONF_INDEX_MAX];     /* file served for a directory */
	enum xfer_engine engine;
	enum conf_send_zc send_zc;      /* engine mmap: IORING_OP_SEND_ZC */
	uint64_t send_lowat;            /* TCP_NOTSENT_LOWAT of its sockets; 0 = kernel's */
	int hidden_files;               /* bool: serve names starting with '.' */
	enum conf_symlinks follow_symlinks;
	unsigned max_ranges;            /* ranges in one multipart answer; 0 = single only */
	/* added to file and redirect responses; both fit a response header
	 * beside the daemon's own fields */
	char cache_control[CONF_CACHE_CONTROL_MAX];  /* "" = none */
	char add_headers[CONF_ADD_HEADERS_MAX];      /* "Name: value\r\n" lines */
	enum conf_autoindex autoindex;  /* a directory without its index */
	unsigned autoindex_max_entries; /* entries a listing shows at most */
	int precompressed;              /* bool: serve name.br/.zst/.gz siblings */
	/* uploads (upload.c): PUT and DELETE when upload is on */
	int upload;                     /* bool */
	char upload_token_file[PATH_MAX];  /* as written; "" = none */
	uint64_t upload_max_size;       /* bytes of one body */
	int upload_overwrite;           /* bool: PUT may replace a file */
	int upload_fsync;               /* bool: file and directory synced first */
	char upload_tokens[CONF_UPLOAD_TOKENS_MAX];  /* the token file's tokens,
					   each ending in '\n' (auth.h) */
	int line;                       /* line of the section header, 0 = built in */
};

struct conf {
	/* [daemon] */
	char error_log[PATH_MAX];       /* "-" = stderr */
	char access_log[PATH_MAX];      /* "-" = stdout, "off" = none */
	enum conf_log_format access_log_format;
	char pid_file[PATH_MAX];        /* "" = none */
	uint64_t shutdown_timeout_ms;   /* graceful stop: transfers may finish */
	int log_level;                  /* enum log_level */
	unsigned ring_entries;          /* SQ size; the CQ is 4x */
	unsigned io_workers;            /* cap on io-wq workers per kind */
	unsigned recv_buffers;          /* most buffers of the shared receive ring */
	unsigned request_buffers_kept;  /* free request buffers kept resident */
	uint64_t pipe_size;             /* bytes per pipe in the pool */
	unsigned pipe_pool;             /* pipes created at start-up */
	unsigned open_file_cache;       /* files kept open for reuse; 0 = off */
	uint64_t open_file_cache_valid_ms;
	uint64_t file_cache_size;       /* bytes of small files kept in memory */
	char user[CONF_USER_MAX];       /* "" = keep the starting user */
	char group[CONF_USER_MAX];      /* "" = the user's primary group */
	int allow_root;                 /* bool: may run as root with user unset */
	int confine;                    /* enum confine_mode */
	unsigned workers;               /* worker processes; 0 = one per online CPU */
	enum conf_cpu_affinity worker_cpu_affinity;  /* pin worker i to CPU i */
	uint64_t drain_time_ms;         /* SIGTERM: health says 503 this long first */
	/* [limits] */
	unsigned max_connections;
	unsigned max_connections_per_ip;  /* per IPv4 address / IPv6 /64; 0 = no limit */
	uint64_t rate_per_connection;   /* bytes/s, 0 = unlimited */
	uint64_t rate_total;            /* bytes/s over all connections, 0 = unlimited */
	unsigned max_headers;           /* header fields per request */
	unsigned max_target;            /* request-target bytes */
	uint64_t header_timeout_ms;
	uint64_t idle_timeout_ms;
	uint64_t send_timeout_ms;
	uint64_t max_request_header;    /* bytes */
	/* [status] */
	char status_path[CONF_STATUS_PATH_MAX];  /* "" = no metrics */
	enum conf_status_allow status_allow;
	char health_path[CONF_STATUS_PATH_MAX];  /* "" = no health endpoint */
	/* [listener NAME], in file order */
	struct conf_listener *listeners;
	unsigned nlisteners;
};

/* Fill c with the built-in defaults: one listener "default" on
 * 127.0.0.1:8080 serving "." (the current directory). */
void conf_defaults(struct conf *c);
/* Read path into c (which conf_load initialises with defaults first, but
 * with no listener: a file must name at least one).  Problems go to err as
 * "path:line: message" lines ("path: message" for a file that cannot be
 * read or has no listener; err may be NULL to only count).  Returns the
 * number of problems; on 0 the caller owns c and frees it with
 * conf_free().  On a problem nothing stays allocated: c has no listener
 * and conf_free(c) is harmless. */
int conf_load(struct conf *c, const char *path, FILE *err);
void conf_free(struct conf *c);
/* Read relative paths (roots, logs, the pid file, the default root ".")
 * against dir, an absolute path, from now on: the daemon names the
 * directory it started in before it moves to "/".  NULL: as written.
 * Returns 0, or -1 (EINVAL) when dir is not absolute or too long. */
int conf_set_base_dir(const char *dir);

/* Value parsers, exported for tests.  Each returns 0 on success, -1 on a
 * malformed or out-of-range value. */
int conf_parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len);
                                     /* 1.2.3.4:80, [::1]:80, *:80 (all IPv4+IPv6) */
int conf_parse_bool(const char *s, int *out);               /* yes/no/on/off/true/false/1/0 */

#endif
