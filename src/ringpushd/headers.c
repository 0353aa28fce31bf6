/*
 * headers.c: the checks behind cache_control and add_header.
 *
 * Each listener may add fields to its file and redirect responses.  They
 * are checked once, when the file is read, and kept as the bytes that go
 * out ("Name: value\r\n" lines), so answering a request costs one copy;
 * a CR or LF in a value would split the response (header injection), so
 * none gets through.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

/* RFC 9110 5.6.2 tchar */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

const char *
headers_check_value(const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0)
		return "empty value";
	if (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t')
		return "whitespace at the start or end of the value";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' || c == '\n')
			return "CR or LF in the value";
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return "a control character in the value";
	}
	return NULL;
}

/* Fields the daemon writes itself. */
static const char *const own_fields[] = {
	"accept-ranges", "allow", "cache-control", "connection",
	"content-length", "content-range", "content-type", "date", "etag",
	"keep-alive", "last-modified", "location", "retry-after", "server",
	"transfer-encoding", "upgrade",
};

const char *
headers_append(char *buf, size_t cap, const char *line)
{
	const char *colon = strchr(line, ':'), *value, *why;
	size_t name_len, value_len, used = strlen(buf), i;

	if (colon == NULL)
		return "expected \"Name: value\"";
	name_len = (size_t)(colon - line);
	if (name_len == 0)
		return "empty field name";
	for (i = 0; i < name_len; i++)
		if (!is_tchar((unsigned char)line[i]))
			return "the field name is not a token";
	for (i = 0; i < sizeof(own_fields) / sizeof(own_fields[0]); i++)
		if (strlen(own_fields[i]) == name_len &&
		    strncasecmp(own_fields[i], line, name_len) == 0)
			return "the daemon writes this field itself";
	for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
		;
	if ((why = headers_check_value(value)) != NULL)
		return why;
	value_len = strlen(value);
	/* "Name: value\r\n" and the NUL */
	if (used + name_len + 2 + value_len + 2 + 1 > cap)
		return "too many header bytes for one listener";
	memcpy(buf + used, line, name_len);
	used += name_len;
	memcpy(buf + used, ": ", 2);
	used += 2;
	memcpy(buf + used, value, value_len);
	used += value_len;
	memcpy(buf + used, "\r\n", 3);
	return NULL;
}
