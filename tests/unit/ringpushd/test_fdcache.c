/*
 * test_fdcache.c: the open-file cache's lifetimes, with real fds.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "fdcache.h"

static int
new_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	cr_assert_neq(fd, -1);
	return fd;
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int owner_a, owner_b;

Test(fdcache, hit_within_the_validity_then_expiry)
{
	struct fdcache fc;
	struct fdcache_entry *e, *hit;
	int fd = new_fd();

	cr_assert_eq(fdcache_init(&fc, 4, 1000), 0);
	cr_assert_null(fdcache_get(&fc, &owner_a, "/a", 2, 0));
	e = fdcache_put(&fc, &owner_a, "/a", 2, "/a", 2, fd, 0);
	cr_assert_not_null(e);
	fdcache_release(&fc, e);
	hit = fdcache_get(&fc, &owner_a, "/a", 2, 999);
	cr_assert_eq(hit, e);
	cr_assert_eq(hit->fd, fd);
	fdcache_release(&fc, hit);
	cr_assert_null(fdcache_get(&fc, &owner_b, "/a", 2, 999), "another listener");
	cr_assert_null(fdcache_get(&fc, &owner_a, "/ab", 3, 999), "another path");
	cr_assert_null(fdcache_get(&fc, &owner_a, "/a", 2, 1000), "expired");
	cr_assert(!fd_open(fd), "an expired entry nobody holds is closed");
	cr_assert_eq(fc.hits, 1);
	cr_assert_eq(fc.misses, 4);
	fdcache_free(&fc);
}

Test(fdcache, entries_in_use_outlive_eviction)
{
	struct fdcache fc;
	struct fdcache_entry *held, *e;
	int fd1 = new_fd(), fd2 = new_fd(), fd3 = new_fd();

	cr_assert_eq(fdcache_init(&fc, 2, 60000), 0);
	held = fdcache_put(&fc, &owner_a, "/1", 2, "/1", 2, fd1, 0);
	e = fdcache_put(&fc, &owner_a, "/2", 2, "/2", 2, fd2, 0);
	fdcache_release(&fc, e);
	/* a third evicts the oldest, /1, still held by a transfer */
	e = fdcache_put(&fc, &owner_a, "/3", 2, "/3", 2, fd3, 0);
	fdcache_release(&fc, e);
	cr_assert_null(fdcache_get(&fc, &owner_a, "/1", 2, 1), "evicted");
	cr_assert(fd_open(fd1), "closed under a transfer");
	fdcache_release(&fc, held);
	cr_assert(!fd_open(fd1), "closed when the transfer ends");
	cr_assert(fd_open(fd2) && fd_open(fd3));
	fdcache_free(&fc);
	cr_assert(!fd_open(fd2) && !fd_open(fd3), "free closes what the table held");
}

Test(fdcache, lru_keeps_what_is_used)
{
	struct fdcache fc;
	struct fdcache_entry *e;
	int fd1 = new_fd(), fd2 = new_fd(), fd3 = new_fd();

	cr_assert_eq(fdcache_init(&fc, 2, 60000), 0);
	fdcache_release(&fc, fdcache_put(&fc, &owner_a, "/1", 2, "/1", 2, fd1, 0));
	fdcache_release(&fc, fdcache_put(&fc, &owner_a, "/2", 2, "/2", 2, fd2, 0));
	e = fdcache_get(&fc, &owner_a, "/1", 2, 5);      /* /1 is now the newest */
	fdcache_release(&fc, e);
	fdcache_release(&fc, fdcache_put(&fc, &owner_a, "/3", 2, "/3", 2, fd3, 5));
	e = fdcache_get(&fc, &owner_a, "/1", 2, 6);
	cr_assert_not_null(e, "the recently used entry stays");
	fdcache_release(&fc, e);
	cr_assert_null(fdcache_get(&fc, &owner_a, "/2", 2, 6), "the least recently used goes");
	cr_assert(!fd_open(fd2));
	fdcache_free(&fc);
}

Test(fdcache, a_second_put_replaces_the_first)
{
	struct fdcache fc;
	struct fdcache_entry *e;
	int fd1 = new_fd(), fd2 = new_fd();

	cr_assert_eq(fdcache_init(&fc, 4, 60000), 0);
	fdcache_release(&fc, fdcache_put(&fc, &owner_a, "/d/", 3, "/d/index.html", 13, fd1, 0));
	fdcache_release(&fc, fdcache_put(&fc, &owner_a, "/d/", 3, "/d/index.html", 13, fd2, 1));
	cr_assert(!fd_open(fd1));
	e = fdcache_get(&fc, &owner_a, "/d/", 3, 2);
	cr_assert_eq(e->fd, fd2);
	cr_assert_str_eq(e->name, "/d/index.html");
	fdcache_release(&fc, e);
	fdcache_flush(&fc);
	cr_assert(!fd_open(fd2), "flush closes unheld entries");
	cr_assert_null(fdcache_get(&fc, &owner_a, "/d/", 3, 2));
	fdcache_free(&fc);
}

Test(fdcache, disabled_cache_keeps_nothing)
{
	struct fdcache fc;
	int fd = new_fd();

	cr_assert_eq(fdcache_init(&fc, 0, 1000), 0);
	cr_assert_null(fdcache_put(&fc, &owner_a, "/a", 2, "/a", 2, fd, 0));
	cr_assert(fd_open(fd), "the caller keeps its fd");
	cr_assert_null(fdcache_get(&fc, &owner_a, "/a", 2, 0));
	close(fd);
	fdcache_free(&fc);
}

/* Kept bytes stay within body_max, go with their entry, and an entry
 * taken out by fdcache_forget is missed next time but stays valid for
 * its holder. */
Test(fdcache, kept_bodies_are_bounded_and_leave_with_their_entry)
{
	struct fdcache fc;
	struct fdcache_entry *a, *b;

	cr_assert_eq(fdcache_init(&fc, 4, 1000), 0);
	fc.body_max = 10;
	a = fdcache_put(&fc, &owner_a, "/a", 2, "/a", 2, new_fd(), 0);
	b = fdcache_put(&fc, &owner_a, "/b", 2, "/b", 2, new_fd(), 0);
	cr_assert(a != NULL && b != NULL);
	cr_assert(fdcache_keep_body(&fc, a, "0123456", 7));
	cr_assert(!fdcache_keep_body(&fc, a, "0123456", 7), "kept once");
	cr_assert(!fdcache_keep_body(&fc, b, "abcd", 4), "11 bytes would pass body_max");
	cr_assert(fdcache_keep_body(&fc, b, "abc", 3));
	cr_assert_eq(fc.body_bytes, 10);
	cr_assert_eq(memcmp(fdcache_kept_bytes(a->kept), "0123456", 7), 0);

	fdcache_drop(&fc, a);
	cr_assert_null(fdcache_get(&fc, &owner_a, "/a", 2, 1));
	cr_assert_eq(fc.body_bytes, 10, "the holder's entry keeps its bytes");
	cr_assert(!fdcache_keep_body(&fc, a, "x", 1), "out of the table: nothing new kept");
	fdcache_release(&fc, a);
	cr_assert_eq(fc.body_bytes, 3);
	fdcache_release(&fc, b);
	fdcache_flush(&fc);
	cr_assert_eq(fc.body_bytes, 0);
	fdcache_free(&fc);
}

/* What a response from a kept body sends: its header, then the body. */
static void
assert_response(const struct fdcache_body *b, const char *head, const char *body)
{
	size_t hlen = strlen(head);

	cr_assert_eq(b->hlen, hlen);
	cr_assert_eq(memcmp(fdcache_kept_bytes(b) - hlen, head, hlen), 0);
	cr_assert_eq(memcmp(fdcache_kept_bytes(b), body, strlen(body)), 0);
}

/* A response from a kept body has its header in front of the body.  The
 * same header shares the copy; a new one is written in place when no
 * response is in flight, and otherwise goes into a new copy while the
 * old one stays whole for the responses still sending it, also after
 * its entry is gone (ASan and valgrind see the frees). */
Test(fdcache, responses_from_a_kept_body)
{
	static const char body[] = "small body";
	char longhead[FDCACHE_HEAD_ROOM + 2];
	struct fdcache fc;
	struct fdcache_entry *e;
	struct fdcache_body *r1, *r2, *r3, *r4;

	cr_assert_eq(fdcache_init(&fc, 4, 1000), 0);
	fc.body_max = 100;
	e = fdcache_put(&fc, &owner_a, "/s", 2, "/s", 2, new_fd(), 0);
	cr_assert_not_null(e);
	cr_assert_null(fdcache_response(&fc, e, "H1\r\n", 4), "no body kept yet");
	cr_assert(fdcache_keep_body(&fc, e, body, sizeof(body) - 1));

	r1 = fdcache_response(&fc, e, "H1\r\n", 4);
	cr_assert_not_null(r1);
	assert_response(r1, "H1\r\n", body);
	r2 = fdcache_response(&fc, e, "H1\r\n", 4);
	cr_assert_eq(r2, r1, "the same header shares the copy");
	cr_assert_eq(r1->users, 2);

	/* a new header while two responses are in flight: a new copy */
	r3 = fdcache_response(&fc, e, "Header2\r\n", 9);
	cr_assert(r3 != NULL && r3 != r1);
	assert_response(r3, "Header2\r\n", body);
	assert_response(r1, "H1\r\n", body);
	cr_assert(r1->detached && !r3->detached);
	cr_assert_eq(e->kept, r3);
	cr_assert_eq(fc.body_bytes, sizeof(body) - 1, "one body counted");
	fdcache_response_end(&fc, r1);
	assert_response(r2, "H1\r\n", body);
	fdcache_response_end(&fc, r2);        /* the old copy's last user frees it */

	/* none in flight: the header is rewritten in place */
	fdcache_response_end(&fc, r3);
	r4 = fdcache_response(&fc, e, "H4\r\n", 4);
	cr_assert_eq(r4, r3);
	assert_response(r4, "H4\r\n", body);

	/* too long a header: the caller copies */
	memset(longhead, 'x', sizeof(longhead));
	cr_assert_null(fdcache_response(&fc, e, longhead, sizeof(longhead)));

	/* the entry goes while r4 is in flight: r4 stays whole */
	fdcache_drop(&fc, e);
	fdcache_release(&fc, e);
	cr_assert_eq(fc.body_bytes, 0);
	cr_assert(r4->detached);
	assert_response(r4, "H4\r\n", body);
	cr_assert_eq(fc.spare_bytes, sizeof(body) - 1, "r4's copy, detached");
	fdcache_response_end(&fc, r4);
	cr_assert_eq(fc.spare_bytes, 0);
	fdcache_free(&fc);
}

/* Detached copies stop at spare_max: past it, a new header while the
 * old is in flight gets no copy (the caller copies into a buffer). */
Test(fdcache, detached_copies_are_bounded)
{
	static const char body[] = "0123456789";
	struct fdcache fc;
	struct fdcache_entry *e;
	struct fdcache_body *r1, *r2, *r3;

	cr_assert_eq(fdcache_init(&fc, 4, 1000), 0);
	fc.body_max = 100;
	fc.spare_max = 15;
	e = fdcache_put(&fc, &owner_a, "/s", 2, "/s", 2, new_fd(), 0);
	cr_assert(e != NULL && fdcache_keep_body(&fc, e, body, 10));
	r1 = fdcache_response(&fc, e, "A\r\n", 3);
	r2 = fdcache_response(&fc, e, "B\r\n", 3);
	cr_assert(r1 != NULL && r2 != NULL && r2 != r1);
	cr_assert_eq(fc.spare_bytes, 10);
	cr_assert_null(fdcache_response(&fc, e, "C\r\n", 3), "20 bytes would pass spare_max");
	r3 = fdcache_response(&fc, e, "B\r\n", 3);
	cr_assert_eq(r3, r2, "the current header still shares its copy");
	fdcache_response_end(&fc, r1);
	cr_assert_eq(fc.spare_bytes, 0);
	fdcache_response_end(&fc, r2);
	fdcache_response_end(&fc, r3);
	fdcache_release(&fc, e);
	fdcache_free(&fc);
}

Test(fdcache, forget_drops_one_owners_entries_only)
{
	struct fdcache fc;
	struct fdcache_entry *held, *e;
	int fd1 = new_fd(), fd2 = new_fd(), fd3 = new_fd();

	cr_assert_eq(fdcache_init(&fc, 4, 60000), 0);
	/* a's first file stays held by a transfer */
	held = fdcache_put(&fc, &owner_a, "/1", 2, "/1", 2, fd1, 0);
	e = fdcache_put(&fc, &owner_b, "/1", 2, "/1", 2, fd2, 0);
	fdcache_release(&fc, e);
	e = fdcache_put(&fc, &owner_a, "/2", 2, "/2", 2, fd3, 0);
	fdcache_release(&fc, e);
	fdcache_forget(&fc, &owner_a);
	cr_assert_eq(fc.used, 1);
	cr_assert_null(fdcache_get(&fc, &owner_a, "/1", 2, 1));
	cr_assert_null(fdcache_get(&fc, &owner_a, "/2", 2, 1));
	cr_assert(!fd_open(fd3), "a forgotten entry nobody holds is closed");
	cr_assert(fd_open(fd1), "a forgotten entry a transfer holds stays open");
	e = fdcache_get(&fc, &owner_b, "/1", 2, 1);
	cr_assert_not_null(e, "another owner's entry stays");
	cr_assert_eq(e->fd, fd2);
	fdcache_release(&fc, e);
	fdcache_release(&fc, held);
	cr_assert(!fd_open(fd1), "closed when the transfer lets go");
	fdcache_free(&fc);
	cr_assert(!fd_open(fd2));
}
