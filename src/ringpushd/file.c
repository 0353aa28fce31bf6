/*
 * file.c: which bytes of which file a request gets.
 *
 * Range parsing, entity tags, conditional requests and content types are
 * pure functions of the parsed request and the file's metadata, so they are
 * tested and fuzzed without a ring.  file_open_how() is the single
 * definition of how a request path turns into an open file, on the ring
 * or not, and the kernel (openat2 RESOLVE_BENEATH) rather than string
 * checks keeps it in the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "ranges.h"

/* v in lower-case hex without leading zeros at p; returns the end. */
static char *
put_hex(char *p, uint64_t v)
{
	int shift = 60;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 0xf];
	return p;
}

/*
 * One range only: the range-set parser (ranges.c) allowed a single
 * element.  Several ranges are respond.c's business, through
 * ranges_parse() itself.
 */
enum range_result
range_parse(const char *v, size_t len, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	struct range_set set;

	switch (ranges_parse(v, len, size, 1, &set)) {
	case RANGES_OK:
		*first = set.span[0].first;
		*last = set.span[0].last;
		return RANGE_OK;
	case RANGES_UNSATISFIABLE:
		return RANGE_UNSATISFIABLE;
	case RANGES_NONE:
		break;
	}
	return RANGE_NONE;
}

void
file_etag(uint64_t size, int64_t mtime_sec, uint32_t mtime_nsec,
    char out[FILE_ETAG_MAX])
{
	/* Size and mtime only, like nginx: two instances serving the same
	 * replicated file (same bytes, mtime kept by rsync -t or cp -p)
	 * agree, so a revalidation or an If-Range that lands on the other
	 * one still matches, and no inode number is disclosed.  The
	 * nanoseconds keep it strong: a rewrite within the same second
	 * changes it on every file system that stores them.  Unsigned
	 * arithmetic wraps instead of overflowing for far dates; the tag
	 * only has to change when the file does. */
	uint64_t mtime_ns = (uint64_t)mtime_sec * 1000000000u + mtime_nsec;
	char *p = out;

	/* "%llx-%llx" in quotes, by hand: snprintf was a sixth of the
	 * daemon's own instructions per small request. */
	*p++ = '"';
	p = put_hex(p, mtime_ns);
	*p++ = '-';
	p = put_hex(p, size);
	*p++ = '"';
	*p = '\0';
}

/* The opaque-tag of an entity-tag, quotes included, W/ dropped. */
static void
etag_opaque(const char **p, size_t *len, bool *weak)
{
	*weak = *len >= 2 && (*p)[0] == 'W' && (*p)[1] == '/';
	if (*weak) {
		*p += 2;
		*len -= 2;
	}
}

/* entity-tag = [ W/ ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text */
static bool
etag_valid(const char *p, size_t len)
{
	size_t i;

	if (len < 2 || p[0] != '"' || p[len - 1] != '"')
		return false;
	for (i = 1; i < len - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x21 || c == '"' || c == 0x7f)
			return false;
	}
	return true;
}

/*
 * One line of an If-None-Match or If-Match list: 1 when a member matches
 * etag, 0 when none does, -1 when the line is malformed, 2 for "*".
 * If-None-Match compares weakly (RFC 9110 8.8.3.2); If-Match strongly
 * (13.1.1), so with strong a weak member never matches.
 */
static int
etag_list_line(const char *v, size_t len, const char *tag, size_t taglen,
    bool strong)
{
	const char *e;
	size_t i = 0, start, n;
	bool weak;
	int matched = 0;

	if (len == 1 && v[0] == '*')
		return 2;
	for (;;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		if (i == len)
			break;
		start = i;
		if (len - i >= 2 && v[i] == 'W' && v[i + 1] == '/')
			i += 2;
		if (i == len || v[i] != '"')
			return -1;
		/* The closing quote: commas may appear inside a tag. */
		for (i++; i < len && v[i] != '"'; i++)
			;
		if (i == len)
			return -1;
		i++;
		e = v + start;
		n = i - start;
		etag_opaque(&e, &n, &weak);
		if (!etag_valid(e, n))
			return -1;
		if (n == taglen && memcmp(e, tag, n) == 0 && !(strong && weak))
			matched = 1;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i < len && v[i] != ',')
			return -1;
	}
	return matched;
}

/*
 * If-None-Match or If-Match (name), one line or several combined into one
 * list (RFC 9110 5.3): does any member match etag?  A malformed list, or
 * "*" beside other members, matches nothing: for If-None-Match the full
 * response goes out, never a wrong 304; for If-Match it is 412, never
 * bytes of a representation the client did not ask for.  The file's own
 * tag is strong, so strong comparison only has to refuse W/ members.
 */
static bool
etag_list_matches(struct http_span all, const char *name, const char *etag,
    bool strong)
{
	const char *tag = etag;
	size_t taglen = strlen(etag), pos = 0;
	struct http_span line;
	unsigned lines = 0;
	bool weak, star = false, matched = false;
	int r;

	etag_opaque(&tag, &taglen, &weak);
	while (http_field_lines_next(all, name, &pos, &line)) {
		lines++;
		r = etag_list_line(line.p, line.len, tag, taglen, strong);
		if (r < 0)
			return false;
		star |= r == 2;
		matched |= r == 1;
	}
	return star ? lines == 1 : matched;
}

int
file_conditional(const struct http_request *req, const char *etag,
    time_t mtime, time_t now)
{
	time_t since;

	/* RFC 9110 13.2.2, steps 1 and 2: the preconditions that fail with
	 * 412 come first.  "*" matches: the file exists, or no response
	 * would be chosen here.  If-Unmodified-Since counts only without
	 * If-Match, and a date that does not parse is ignored (13.1.4). */
	if (req->if_match.p != NULL) {
		if (etag == NULL ||
		    !etag_list_matches(req->if_match, "if-match", etag, true))
			return 412;
	} else if (req->if_unmodified_since.p != NULL &&
	    http_parse_date(req->if_unmodified_since.p,
	    req->if_unmodified_since.len, &since) == 0 && mtime > since) {
		return 412;
	}
	if (req->if_none_match.p != NULL)
		return etag != NULL && etag_list_matches(req->if_none_match,
		    "if-none-match", etag, false) ? 304 : 0;
	/* RFC 9110 13.1.3: If-Modified-Since only for GET and HEAD; a date
	 * that does not parse is ignored. */
	if (req->if_modified_since.p == NULL ||
	    (req->method != HTTP_GET && req->method != HTTP_HEAD))
		return 0;
	if (http_parse_date(req->if_modified_since.p,
	    req->if_modified_since.len, &since) != 0)
		return 0;
	/* A date from the future (a Last-Modified some server sent for a
	 * file whose clock ran ahead) would hold a cached copy past every
	 * later change of the file (RFC 2616 14.25: such a date is invalid). */
	if (since > now)
		return 0;
	return mtime <= since ? 304 : 0;
}

bool
file_if_range(const struct http_request *req, const char *etag)
{
	const char *v = req->if_range.p;
	size_t len = req->if_range.len;

	if (v == NULL)
		return true;
	/* RFC 9110 13.1.5: strong comparison, so weak tags never match. */
	if (len >= 2 && v[0] == 'W' && v[1] == '/')
		return false;
	if (len >= 1 && v[0] == '"') {
		if (etag == NULL || etag[0] != '"')
			return false;
		return etag_valid(v, len) && strlen(etag) == len &&
		    memcmp(v, etag, len) == 0;
	}
	/* An HTTP-date counts only if it is a strong validator (RFC 9110
	 * 13.1.5), and a Last-Modified second is not one here: the file may
	 * have been rewritten within the second it names, after a client
	 * got that date, and the resumed range would then join two
	 * versions.  Only the ETag (size, mtime in ns) says the file
	 * is the one the client has; a date sends the whole file. */
	return false;
}

struct mime_type {
	const char *ext;
	const char *type;
};

/* Sorted by extension in strcmp() order, for bsearch(). */
static const struct mime_type mime_types[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "aac", "audio/aac" },
	{ "apk", "application/vnd.android.package-archive" },
	{ "avi", "video/x-msvideo" },
	{ "avif", "image/avif" },
	{ "bin", "application/octet-stream" },
	{ "bmp", "image/bmp" },
	{ "bz2", "application/x-bzip2" },
	{ "c", "text/x-c; charset=utf-8" },
	{ "cpp", "text/x-c++; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "deb", "application/vnd.debian.binary-package" },
	{ "diff", "text/x-diff; charset=utf-8" },
	{ "dmg", "application/x-apple-diskimage" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "go", "text/x-go; charset=utf-8" },
	{ "gz", "application/gzip" },
	{ "h", "text/x-c; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "ics", "text/calendar; charset=utf-8" },
	{ "img", "application/octet-stream" },
	{ "ini", "text/plain; charset=utf-8" },
	{ "iso", "application/x-iso9660-image" },
	{ "jar", "application/java-archive" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "jsonld", "application/ld+json" },
	{ "log", "text/plain; charset=utf-8" },
	{ "m4a", "audio/mp4" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "mkv", "video/x-matroska" },
	{ "mov", "video/quicktime" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "mpeg", "video/mpeg" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "opus", "audio/opus" },
	{ "otf", "font/otf" },
	{ "patch", "text/x-diff; charset=utf-8" },
	{ "pdf", "application/pdf" },
	{ "pl", "text/x-perl; charset=utf-8" },
	{ "png", "image/png" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "py", "text/x-python; charset=utf-8" },
	{ "rar", "application/vnd.rar" },
	{ "rpm", "application/x-rpm" },
	{ "rs", "text/x-rust; charset=utf-8" },
	{ "rtf", "application/rtf" },
	{ "sh", "text/x-shellscript; charset=utf-8" },
	{ "sig", "application/pgp-signature" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "toml", "application/toml" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xhtml", "application/xhtml+xml" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "xml", "text/xml; charset=utf-8" },
	{ "xz", "application/x-xz" },
	{ "yaml", "application/yaml" },
	{ "yml", "application/yaml" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

static int
mime_cmp(const void *key, const void *elem)
{
	const struct mime_type *entry = elem;

	return strcmp(key, entry->ext);
}

const char *
file_mime_type(const char *path, size_t len)
{
	char ext[16];
	size_t i, dot = len, n;
	const struct mime_type *found;

	for (i = len; i > 0; i--) {
		if (path[i - 1] == '/')
			break;
		if (path[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	}
	/* No dot, or a leading one (".profile") is not an extension. */
	if (dot == len || dot == 0 || path[dot - 1] == '/')
		return "application/octet-stream";
	n = len - dot - 1;
	if (n == 0 || n >= sizeof(ext))
		return "application/octet-stream";
	for (i = 0; i < n; i++) {
		char c = path[dot + 1 + i];

		ext[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	ext[n] = '\0';
	found = bsearch(ext, mime_types, sizeof(mime_types) / sizeof(mime_types[0]),
	    sizeof(mime_types[0]), mime_cmp);
	return found != NULL ? found->type : "application/octet-stream";
}

size_t
file_mime_count(void)
{
	return sizeof(mime_types) / sizeof(mime_types[0]);
}

const char *
file_mime_ext(size_t i)
{
	return i < file_mime_count() ? mime_types[i].ext : NULL;
}

int
file_open_walk(int rootfd, const char *path)
{
	char name[NAME_MAX + 1];
	const char *p = path, *slash;
	int dirfd = rootfd, fd, err;
	size_t n;

	for (;;) {
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		/* Skip "." and a trailing slash; the last name opens below. */
		if (n == 1 && p[0] == '.') {
			p += n;
			if (slash != NULL)
				continue;
			n = 0;
		}
		if (n > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			err = -EXDEV;
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (n == 0)
			memcpy(name, ".", 2);
		p += n;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC |
			    O_NONBLOCK | O_NOFOLLOW);
			err = fd < 0 ? -errno : fd;
			goto fail;
		}
		fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			goto fail;
		}
		if (dirfd != rootfd)
			close(dirfd);
		dirfd = fd;
	}

fail:
	if (dirfd != rootfd)
		close(dirfd);
	return err;
}

void
file_open_how(struct open_how *how, bool follow_symlinks)
{
	memset(how, 0, sizeof(*how));
	how->flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	how->resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if (!follow_symlinks)
		how->resolve |= RESOLVE_NO_SYMLINKS;
}

int
file_open_beneath(int rootfd, const char *path)
{
	/* Set once openat2 is known missing (kernels before 5.6, or a
	 * valgrind that does not know the call). */
	static bool no_openat2;
	struct open_how how;
	const char *rel = path;
	long fd;

	if (no_openat2)
		return file_open_walk(rootfd, path);
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	file_open_how(&how, true);
	fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		no_openat2 = true;
		return file_open_walk(rootfd, path);
	}
	if (fd < 0)
		return -errno;
	return (int)fd;
}
