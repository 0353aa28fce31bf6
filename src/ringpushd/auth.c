/*
 * auth.c: upload tokens (see auth.h).
 *
 * The token file is read whole at configuration time into the listener's
 * settings, so a request never touches the file system to be checked.
 * Base64 is decoded here rather than through libcrypto: the daemon does
 * not link libcrypto, and Basic credentials are the only base64 it reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
auth_load_tokens(const char *path, char *out, size_t cap, char *why,
    size_t why_cap)
{
	char raw[4096 + 1];
	struct stat st;
	size_t used = 0, ntokens = 0, got = 0;
	ssize_t n;
	int fd;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		snprintf(why, why_cap, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_cap, "not a regular file");
		goto fail;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(why, why_cap, "readable by others (mode %04o): chmod o-r it",
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	while (got < sizeof(raw) && (n = read(fd, raw + got, sizeof(raw) - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, why_cap, "%s", strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	if (got >= sizeof(raw) || got >= cap) {
		snprintf(why, why_cap, "larger than %zu bytes",
		    (cap < sizeof(raw) ? cap : sizeof(raw)) - 1);
		goto fail;
	}
	close(fd);

	for (size_t line = 1, pos = 0; pos < got; line++) {
		const char *eol = memchr(raw + pos, '\n', got - pos);
		size_t end = eol != NULL ? (size_t)(eol - raw) : got;
		size_t a = pos, b = end;

		pos = end + 1;
		while (a < b && is_blank(raw[a]))
			a++;
		while (b > a && is_blank(raw[b - 1]))
			b--;
		if (a == b || raw[a] == '#')
			continue;
		if (b - a > AUTH_TOKEN_MAX) {
			snprintf(why, why_cap, "line %zu: token longer than %d bytes",
			    line, AUTH_TOKEN_MAX);
			return -1;
		}
		for (size_t i = a; i < b; i++) {
			if ((unsigned char)raw[i] <= 0x20 || (unsigned char)raw[i] >= 0x7f) {
				snprintf(why, why_cap, "line %zu: a token is visible "
				    "ASCII without blanks", line);
				return -1;
			}
		}
		memcpy(out + used, raw + a, b - a);
		used += b - a;
		out[used++] = '\n';
		ntokens++;
	}
	out[used] = '\0';
	explicit_bzero(raw, sizeof(raw));
	if (ntokens == 0) {
		snprintf(why, why_cap, "holds no token");
		return -1;
	}
	return 0;
fail:
	close(fd);
	return -1;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
auth_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t n = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			unsigned char ch = (unsigned char)in[i + k];

			/* '=' only at the very end: "xx==" or "xxx=" */
			if (ch == '=' && i + 4 == len && k >= 2 &&
			    (k == 3 || in[i + 3] == '=')) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64_value(ch)) < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t bytes = 3 - (size_t)pad;

		if (n + bytes > cap)
			return -1;
		out[n++] = (unsigned char)(w >> 16);
		if (bytes > 1)
			out[n++] = (unsigned char)(w >> 8);
		if (bytes > 2)
			out[n++] = (unsigned char)w;
	}
	return (int)n;
}

/* Equal in time that depends only on the token's length, not on where
 * the bytes first differ. */
static bool
token_equal(const char *token, size_t token_len, const unsigned char *cand,
    size_t cand_len)
{
	unsigned diff = token_len != cand_len;

	for (size_t i = 0; i < token_len; i++)
		diff |= (unsigned char)token[i] ^ (cand_len > 0 ? cand[i % cand_len] : 0xffu);
	return diff == 0;
}

bool
auth_check(const char *tokens, struct http_span a)
{
	/* user:password of Basic, decoded */
	unsigned char decoded[2 * AUTH_TOKEN_MAX + 4];
	const unsigned char *cand;
	size_t cand_len, i = 0;
	bool ok = false;

	if (a.p == NULL || tokens == NULL)
		return false;
	while (i < a.len && a.p[i] != ' ')
		i++;
	if (i == a.len)
		return false;
	size_t scheme_len = i;

	while (i < a.len && a.p[i] == ' ')
		i++;
	if (scheme_len == 6 && strncasecmp(a.p, "Bearer", 6) == 0) {
		cand = (const unsigned char *)a.p + i;
		cand_len = a.len - i;
	} else if (scheme_len == 5 && strncasecmp(a.p, "Basic", 5) == 0) {
		int n = auth_base64_decode(a.p + i, a.len - i, decoded, sizeof(decoded));
		const unsigned char *colon;

		if (n < 0)
			return false;
		colon = memchr(decoded, ':', (size_t)n);
		if (colon == NULL)
			return false;
		cand = colon + 1;
		cand_len = (size_t)n - (size_t)(cand - decoded);
	} else {
		return false;
	}
	if (cand_len == 0 || cand_len > AUTH_TOKEN_MAX)
		return false;
	/* every token is compared: the time says nothing about which */
	for (const char *t = tokens; *t != '\0';) {
		const char *nl = strchr(t, '\n');
		size_t len = nl != NULL ? (size_t)(nl - t) : strlen(t);

		ok |= token_equal(t, len, cand, cand_len);
		t += len + (nl != NULL);
	}
	explicit_bzero(decoded, sizeof(decoded));
	return ok;
}
