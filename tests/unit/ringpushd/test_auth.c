/*
 * test_auth.c: the upload token file and the Authorization check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "auth.h"

static void
write_tokens(char *path, size_t cap, const char *text, mode_t mode)
{
	int fd;

	snprintf(path, cap, "/tmp/ringpush-tokens-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static struct http_span
span(const char *s)
{
	struct http_span sp = { s, strlen(s) };

	return sp;
}

Test(auth, loads_tokens_skipping_comments_and_blanks)
{
	char path[64], out[256], why[128] = "";

	write_tokens(path, sizeof(path), "# tokens\n\n  alpha \r\nbeta\n\t#x\ngamma", 0600);
	cr_assert_eq(auth_load_tokens(path, out, sizeof(out), why, sizeof(why)), 0, "%s", why);
	cr_expect_str_eq(out, "alpha\nbeta\ngamma\n");
	unlink(path);
}

Test(auth, refuses_world_readable_empty_and_bad_files)
{
	char path[64], out[256], why[128] = "";

	write_tokens(path, sizeof(path), "alpha\n", 0644);
	cr_expect_eq(auth_load_tokens(path, out, sizeof(out), why, sizeof(why)), -1);
	cr_expect(strstr(why, "readable by others") != NULL, "%s", why);
	unlink(path);

	write_tokens(path, sizeof(path), "# only a comment\n\n", 0600);
	cr_expect_eq(auth_load_tokens(path, out, sizeof(out), why, sizeof(why)), -1);
	cr_expect(strstr(why, "no token") != NULL, "%s", why);
	unlink(path);

	write_tokens(path, sizeof(path), "two words\n", 0600);
	cr_expect_eq(auth_load_tokens(path, out, sizeof(out), why, sizeof(why)), -1);
	cr_expect(strstr(why, "line 1") != NULL, "%s", why);
	unlink(path);

	cr_expect_eq(auth_load_tokens("/nonexistent/tokens", out, sizeof(out), why,
	    sizeof(why)), -1);
	cr_expect(strstr(why, "No such file") != NULL, "%s", why);
	cr_expect_eq(auth_load_tokens("/tmp", out, sizeof(out), why, sizeof(why)), -1);
}

Test(auth, refuses_a_file_too_large)
{
	char path[64], out[64], why[128] = "";

	write_tokens(path, sizeof(path), "abcdefghijabcdefghijabcdefghijabcdefghij\n"
	    "abcdefghijabcdefghijabcdefghijabcdefghij\n", 0600);
	cr_expect_eq(auth_load_tokens(path, out, sizeof(out), why, sizeof(why)), -1);
	cr_expect(strstr(why, "larger than") != NULL, "%s", why);
	unlink(path);
}

Test(auth, bearer_and_basic)
{
	const char *tokens = "alpha\nbeta\n";

	cr_expect(auth_check(tokens, span("Bearer alpha")));
	cr_expect(auth_check(tokens, span("bearer beta")));
	cr_expect(auth_check(tokens, span("Bearer   beta")));
	/* x:alpha, user:beta, :alpha (empty user) */
	cr_expect(auth_check(tokens, span("Basic eDphbHBoYQ==")));
	cr_expect(auth_check(tokens, span("Basic dXNlcjpiZXRh")));
	cr_expect(auth_check(tokens, span("Basic OmFscGhh")));
}

Test(auth, refusals)
{
	const char *tokens = "alpha\nbeta\n";
	struct http_span none = { NULL, 0 };

	cr_expect_not(auth_check(tokens, none));
	cr_expect_not(auth_check(tokens, span("")));
	cr_expect_not(auth_check(tokens, span("Bearer")));
	cr_expect_not(auth_check(tokens, span("Bearer ")));
	cr_expect_not(auth_check(tokens, span("Bearer alph")));
	cr_expect_not(auth_check(tokens, span("Bearer alphaa")));
	cr_expect_not(auth_check(tokens, span("Bearer alpha\nbeta")));
	cr_expect_not(auth_check(tokens, span("Bearer ALPHA")));
	cr_expect_not(auth_check(tokens, span("Token alpha")));
	/* x:gamma; no colon ("alpha"); not base64 */
	cr_expect_not(auth_check(tokens, span("Basic eDpnYW1tYQ==")));
	cr_expect_not(auth_check(tokens, span("Basic YWxwaGE=")));
	cr_expect_not(auth_check(tokens, span("Basic eDphbHBoYQ")));
	cr_expect_not(auth_check(tokens, span("Basic eDph=HBoYQ==")));
	cr_expect_not(auth_check("", span("Bearer alpha")));
}

Test(auth, base64)
{
	unsigned char out[16];

	cr_expect_eq(auth_base64_decode("", 0, out, sizeof(out)), 0);
	cr_expect_eq(auth_base64_decode("Zm9v", 4, out, sizeof(out)), 3);
	cr_expect_eq(memcmp(out, "foo", 3), 0);
	cr_expect_eq(auth_base64_decode("Zm8=", 4, out, sizeof(out)), 2);
	cr_expect_eq(auth_base64_decode("Zg==", 4, out, sizeof(out)), 1);
	cr_expect_eq(out[0], 'f');
	cr_expect_eq(auth_base64_decode("Zg=a", 4, out, sizeof(out)), -1);
	cr_expect_eq(auth_base64_decode("Z===", 4, out, sizeof(out)), -1);
	cr_expect_eq(auth_base64_decode("Zm9vZm9v", 8, out, 5), -1);
	cr_expect_eq(auth_base64_decode("Zm9 ", 4, out, sizeof(out)), -1);
}
