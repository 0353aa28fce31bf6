/*
 * test_access_limits.c: access log lines whose fields are as long and as
 * hostile as a client can make them.  Every line must be whole (its last
 * field is there), and a JSON line must be one valid JSON text in valid
 * UTF-8, whatever bytes the request held.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "access.h"
#include "../../json_check.h"

static char line[ACCESS_LINE_MAX];
static char field[4][4 * ACCESS_FIELD_MAX];

static struct access_entry
sample(void)
{
	struct access_entry e = {
		.remote = "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255",
		.when = 1795666933,           /* 2026-11-26T04:22:13Z */
		.method = "GET", .method_len = 3,
		.target = "/", .target_len = 1,
		.referer = NULL,
		.user_agent = "curl/7.88.1", .user_agent_len = 11,
		.version_minor = 1,
		.status = 200,
		.body_bytes = 18446744073709551615ULL,
		.bytes_sent = 18446744073709551615ULL,
		.duration_us = 18446744073709551615ULL,
		.bytes_received = 18446744073709551615ULL,
	};
	return e;
}

static bool
ends_with(const char *s, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && memcmp(s + n - t, tail, t) == 0;
}

static size_t
json_line(const struct access_entry *e)
{
	size_t n = access_format(e, LOG_FORMAT_JSON, line, sizeof(line));

	cr_assert_eq(n, strlen(line));
	cr_assert(n < sizeof(line) - 1, "the line filled its buffer: cut");
	cr_assert(json_check(line, n), "not valid JSON: %.300s ... %s", line,
	    n > 200 ? line + n - 200 : line);
	cr_assert(ends_with(line, n, ",\"duration_us\":18446744073709551615,\"bytes_received\":18446744073709551615}"),
	    "line cut: ...%s", n > 200 ? line + n - 200 : line);
	return n;
}

static size_t
combined_line(const struct access_entry *e)
{
	size_t n = access_format(e, LOG_FORMAT_COMBINED, line, sizeof(line));

	cr_assert_eq(n, strlen(line));
	cr_assert(n < sizeof(line) - 1, "the line filled its buffer: cut");
	cr_assert_null(strchr(line, '\n'));
	cr_assert(ends_with(line, n, "\" 18446744073709551615 18446744073709551615 18446744073709551615"),
	    "line cut: ...%s", n > 200 ? line + n - 200 : line);
	return n;
}

/* The reported case: 1,000 tabs in User-Agent, each six bytes escaped. */
Test(access_limits, thousand_tabs_in_user_agent)
{
	struct access_entry e = sample();

	memset(field[0], '\t', 1000);
	e.user_agent = field[0];
	e.user_agent_len = 1000;
	json_line(&e);
	cr_assert(strstr(line, "\"user_agent\":\"\\u0009\\u0009") != NULL);
	combined_line(&e);
}

/* Every field at its worst: longer than the cap and escaping to six bytes
 * per byte (control bytes in JSON, invalid UTF-8 in both formats). */
Test(access_limits, every_field_at_its_worst)
{
	static const unsigned char fill[] = { '\t', 0xff, 0x01, 0x80 };
	struct access_entry e = sample();

	for (int f = 0; f < 4; f++) {
		memset(field[0], (char)fill[f], sizeof(field[0]));
		memset(field[1], (char)fill[(f + 1) % 4], sizeof(field[1]));
		memset(field[2], (char)fill[(f + 2) % 4], sizeof(field[2]));
		memset(field[3], (char)fill[(f + 3) % 4], sizeof(field[3]));
		e.method = field[0];
		e.target = field[1];
		e.referer = field[2];
		e.user_agent = field[3];
		e.method_len = e.target_len = e.referer_len = e.user_agent_len =
		    sizeof(field[0]);
		json_line(&e);
		combined_line(&e);
	}
}

/* Bytes 0x80-0xff that are not UTF-8 become U+FFFD in JSON, one per byte. */
Test(access_limits, invalid_utf8_in_target_is_replaced)
{
	struct access_entry e = sample();

	e.target = "/x?\xff\xfe";
	e.target_len = 5;
	json_line(&e);
	cr_assert(strstr(line, "\"target\":\"/x?\\ufffd\\ufffd\"") != NULL, "%s", line);
	combined_line(&e);
	cr_assert(strstr(line, "\"GET /x?\\xff\\xfe HTTP/1.1\"") != NULL, "%s", line);
}

Test(access_limits, every_kind_of_bad_sequence)
{
	static const struct {
		const char *in;
		const char *json;
	} cases[] = {
		{ "\xc0\x80", "\\ufffd\\ufffd" },              /* overlong NUL */
		{ "\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd" },   /* overlong '/' */
		{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" },   /* surrogate */
		{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* > U+10FFFF */
		{ "\xf5", "\\ufffd" },
		{ "a\xe2\x82", "a\\ufffd\\ufffd" },            /* cut at the end */
		{ "\xe2\x82" "a", "\\ufffd\\ufffda" },          /* cut before 'a' */
		{ "\xbf", "\\ufffd" },                          /* stray continuation */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	};
	struct access_entry e = sample();
	char want[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.user_agent = cases[i].in;
		e.user_agent_len = strlen(cases[i].in);
		json_line(&e);
		snprintf(want, sizeof(want), "\"user_agent\":\"%s\"", cases[i].json);
		cr_assert(strstr(line, want) != NULL, "case %zu: %s", i, line);
		combined_line(&e);
	}
}

/* The cap counts input bytes and never splits a character: a two-byte
 * character that straddles it is left out whole. */
Test(access_limits, cut_at_a_character_boundary)
{
	struct access_entry e = sample();
	char want[16];

	memset(field[0], 'a', ACCESS_FIELD_MAX - 1);
	memcpy(field[0] + ACCESS_FIELD_MAX - 1, "\xc3\xa9zzz", 5);
	e.user_agent = field[0];
	e.user_agent_len = ACCESS_FIELD_MAX + 4;
	json_line(&e);
	cr_assert_null(strstr(line, "\\ufffd"), "a character was split");
	snprintf(want, sizeof(want), "aaaa\",\"dur");
	cr_assert(strstr(line, want) != NULL, "%s", line + strlen(line) - 60);
	combined_line(&e);
	cr_assert_null(strstr(line, "\\xc3"), "a character was split");

	/* Exactly at the cap, the character is kept. */
	memset(field[0], 'a', ACCESS_FIELD_MAX - 2);
	memcpy(field[0] + ACCESS_FIELD_MAX - 2, "\xc3\xa9zzz", 5);
	json_line(&e);
	cr_assert(strstr(line, "a\xc3\xa9\",\"dur") != NULL, "%s", line + strlen(line) - 60);
}
