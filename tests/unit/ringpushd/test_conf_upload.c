/*
 * test_conf_upload.c: the upload keys of a listener, and its token file
 * read with the configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"

static int
load(struct conf *c, const char *text, char *errbuf, size_t cap)
{
	char path[64];
	FILE *err;
	int fd, problems;

	snprintf(path, sizeof(path), "/tmp/ringpush-upload-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err = fmemopen(errbuf, cap, "w");
	cr_assert_not_null(err);
	setvbuf(err, NULL, _IONBF, 0);
	problems = conf_load(c, path, err);
	fclose(err);
	unlink(path);
	return problems;
}

static void
token_file(char *path, size_t cap, mode_t mode)
{
	int fd;

	snprintf(path, cap, "/tmp/ringpush-tok-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1);
	cr_assert_eq(write(fd, "s3cret\n", 7), 7);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

Test(conf_upload, off_by_default)
{
	struct conf c;
	char errbuf[512] = "";

	cr_assert_eq(load(&c, "[listener a]\naddress = 127.0.0.1:0\nroot = /\n",
	    errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_eq(c.listeners[0].upload, 0);
	cr_expect_eq(c.listeners[0].upload_max_size, 1ull << 30);
	cr_expect_eq(c.listeners[0].upload_overwrite, 1);
	cr_expect_eq(c.listeners[0].upload_fsync, 0);
	cr_expect_str_eq(c.listeners[0].upload_tokens, "");
	conf_free(&c);
}

Test(conf_upload, on_reads_the_tokens)
{
	struct conf c;
	char errbuf[512] = "", tok[64], text[512];

	token_file(tok, sizeof(tok), 0600);
	snprintf(text, sizeof(text), "[listener a]\naddress = 127.0.0.1:0\nroot = /\n"
	    "upload = on\nupload_token_file = %s\nupload_max_size = 4G\n"
	    "upload_overwrite = no\nupload_fsync = yes\n", tok);
	cr_assert_eq(load(&c, text, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_eq(c.listeners[0].upload, 1);
	cr_expect_eq(c.listeners[0].upload_max_size, 4ull << 30);
	cr_expect_eq(c.listeners[0].upload_overwrite, 0);
	cr_expect_eq(c.listeners[0].upload_fsync, 1);
	cr_expect_str_eq(c.listeners[0].upload_tokens, "s3cret\n");
	conf_free(&c);
	unlink(tok);
}

Test(conf_upload, errors_name_the_line)
{
	struct conf c;
	char errbuf[1024] = "", tok[64], text[512];

	cr_expect_eq(load(&c, "[listener a]\naddress = 127.0.0.1:0\nroot = /\n"
	    "upload = on\n", errbuf, sizeof(errbuf)), 1);
	cr_expect(strstr(errbuf, ":1: [listener a]: upload = on needs upload_token_file") != NULL,
	    "%s", errbuf);

	token_file(tok, sizeof(tok), 0604);
	snprintf(text, sizeof(text), "[listener a]\naddress = 127.0.0.1:0\nroot = /\n"
	    "upload = on\nupload_token_file = %s\n", tok);
	errbuf[0] = '\0';
	cr_expect_eq(load(&c, text, errbuf, sizeof(errbuf)), 1);
	cr_expect(strstr(errbuf, ":5: [listener a]: upload_token_file") != NULL, "%s", errbuf);
	cr_expect(strstr(errbuf, "readable by others") != NULL, "%s", errbuf);
	unlink(tok);

	errbuf[0] = '\0';
	cr_expect_eq(load(&c, "[listener a]\naddress = 127.0.0.1:0\nroot = /\n"
	    "upload = maybe\nupload_max_size = 1Q\n", errbuf, sizeof(errbuf)), 2, "%s", errbuf);
}
