/*
 * conf_check.c: the configuration's checks beyond a value's type: the
 * extra check a key's row names (an existing directory, account or
 * group, a header value that cannot split a response, a plain path),
 * listener addresses that would collide, and once the whole file is
 * read, the required keys and the upload tokens.
 */

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "auth.h"
#include "conf_parse.h"
#include "headers.h"
#include "priv.h"

int
check_error_log(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	if (strcmp(value, "off") == 0) {
		conf_error(p, p->lineno, "%s: the error log cannot be turned "
		    "off (expected - for standard error, or a file)", k->name);
		return -1;
	}
	return 0;
}

int
check_root(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	struct stat st;

	if (stat(value, &st) == -1) {
		conf_error(p, p->lineno, "%s: \"%s\": %s (expected an existing "
		    "directory)", k->name, value, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a directory",
		    k->name, value);
		return -1;
	}
	return 0;
}

/*
 * The accounts must exist when the file is read, so that a typo stops
 * ringpushd -t rather than a start that has already bound its listeners.
 * The lookup is priv.c's, the one that the switch itself uses.
 */
int
check_user(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	char why[PRIV_WHY_MAX];
	uid_t uid;
	gid_t gid;

	if (priv_lookup_user(value, &uid, &gid, why, sizeof(why)) != 0) {
		conf_error(p, p->lineno, "%s: \"%s\": %s (expected an existing "
		    "user name)", k->name, value, why);
		p->bad_user = 1;
		return -1;
	}
	return 0;
}

int
check_group(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	char why[PRIV_WHY_MAX];
	gid_t gid;

	if (priv_lookup_group(value, &gid, why, sizeof(why)) != 0) {
		conf_error(p, p->lineno, "%s: \"%s\": %s (expected an existing "
		    "group name)", k->name, value, why);
		return -1;
	}
	return 0;
}

/* cache_control goes out as written: a CR or LF would split the
 * response, so it is refused here, once. */
int
check_header_value(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	const char *why = headers_check_value(value);

	if (why == NULL)
		return 0;
	conf_error(p, p->lineno, "%s: %s", k->name, why);
	return -1;
}

/* Never called: conf_handler() appends add_header lines itself.  The
 * table names it so that the key is known and documented there. */
int
check_add_header(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	(void)p;
	(void)k;
	(void)value;
	return 0;
}

/* The metrics path is matched against decoded request paths, so it must
 * look like one: absolute, without dot segments or a query. */
int
check_status_path(struct conf_parser *p, const struct conf_key *k,
    const char *value)
{
	if (value[0] != '/' || strstr(value, "/.") != NULL || strpbrk(value, "?# \t") != NULL) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a plain absolute path "
		    "(expected e.g. /metrics)", k->name, value);
		return -1;
	}
	return 0;
}

/*
 * What a bound listener takes, per family: nothing, the wildcard, or one
 * address.  Every IPv6 listener is bound with IPV6_V6ONLY off, so "[::]"
 * (and "*") takes the IPv4 wildcard too, and "[::ffff:a.b.c.d]" is the
 * IPv4 address a.b.c.d (::ffff:0.0.0.0 the IPv4 wildcard), not an IPv6 one.
 */
enum take { TAKE_NONE, TAKE_ANY, TAKE_ONE };

struct address_takes {
	enum take v4, v6;
	struct in_addr addr4;
	struct in6_addr addr6;
	uint16_t port;
};

static struct address_takes
address_takes(const struct sockaddr_storage *ss)
{
	struct address_takes t = { .v4 = TAKE_NONE, .v6 = TAKE_NONE };

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		t.port = sin->sin_port;
		t.addr4 = sin->sin_addr;
		t.v4 = sin->sin_addr.s_addr == htonl(INADDR_ANY) ? TAKE_ANY : TAKE_ONE;
		return t;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	t.port = sin6->sin6_port;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(&t.addr4, sin6->sin6_addr.s6_addr + 12, sizeof(t.addr4));
		t.v4 = t.addr4.s_addr == htonl(INADDR_ANY) ? TAKE_ANY : TAKE_ONE;
	} else if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
		t.v4 = t.v6 = TAKE_ANY;
	} else {
		t.addr6 = sin6->sin6_addr;
		t.v6 = TAKE_ONE;
	}
	return t;
}

/*
 * Two listeners cannot bind the same address and port.  Port 0 asks for
 * any free port and never collides.  A wildcard collides with every
 * address of its family on the same port; "[::]" and "*" take both
 * families, so they collide with every IPv4 address too.
 */
int
conf_address_overlaps(const struct conf_listener *a, const struct conf_listener *b)
{
	struct address_takes x = address_takes(&a->addr), y = address_takes(&b->addr);

	if (x.port != y.port || x.port == 0)
		return 0;
	if (x.v4 != TAKE_NONE && y.v4 != TAKE_NONE &&
	    (x.v4 == TAKE_ANY || y.v4 == TAKE_ANY || x.addr4.s_addr == y.addr4.s_addr))
		return 1;
	return x.v6 != TAKE_NONE && y.v6 != TAKE_NONE &&
	    (x.v6 == TAKE_ANY || y.v6 == TAKE_ANY || IN6_ARE_ADDR_EQUAL(&x.addr6, &y.addr6));
}

/* The row of the key named name in conf_keys[], conf_nkeys if none. */
static size_t
key_index(const char *name)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			break;
	return i;
}

/* A listener with upload = on needs its tokens: read them now, at start
 * (before privileges drop) and at every reload. */
static void
conf_check_uploads(struct conf_parser *p)
{
	char resolved[PATH_MAX], why[256];
	unsigned j;
	size_t k = key_index("upload_token_file");

	for (j = 0; j < p->conf->nlisteners; j++) {
		struct conf_listener *l = &p->conf->listeners[j];
		int line = k < conf_nkeys && CONF_LSEEN(p, j, k) != 0 ? CONF_LSEEN(p, j, k) : l->line;
		const char *path;

		if (!l->upload)
			continue;
		if (l->upload_token_file[0] == '\0') {
			conf_error(p, line, "[listener %s]: upload = on needs "
			    "upload_token_file", l->name);
			continue;
		}
		path = conf_resolve(l->upload_token_file, resolved, sizeof(resolved));
		if (path == NULL) {
			conf_error(p, line, "[listener %s]: upload_token_file: "
			    "value too long", l->name);
			continue;
		}
		if (auth_load_tokens(path, l->upload_tokens, sizeof(l->upload_tokens),
		    why, sizeof(why)) != 0)
			conf_error(p, line, "[listener %s]: upload_token_file "
			    "%s: %s", l->name, path, why);
	}
}

/* Once the whole file is read: required keys, at least one listener. */
void
conf_check(struct conf_parser *p)
{
	struct conf *c = p->conf;
	unsigned j;
	size_t i;

	if (c->nlisteners == 0)
		conf_error(p, 0, "no [listener NAME] section (at least one "
		    "is required)");
	for (j = 0; j < c->nlisteners; j++) {
		for (i = 0; i < conf_nkeys; i++) {
			const struct conf_key *k = &conf_keys[i];

			if (k->section != SECTION_LISTENER || k->def != NULL ||
			    CONF_LSEEN(p, j, i) != 0)
				continue;
			conf_error(p, c->listeners[j].line, "[listener %s]: "
			    "%s is missing (required)", c->listeners[j].name,
			    k->name);
		}
	}
	conf_check_uploads(p);
	/* Known only once the whole file is read: [daemon] may come twice. */
	if (c->group[0] != '\0' && c->user[0] == '\0' && !p->bad_user) {
		i = key_index("group");
		conf_error(p, i < conf_nkeys ? p->seen[i] : 0, "group: \"%s\" is "
		    "set without user (a group applies only with [daemon] "
		    "user)", c->group);
	}
}
