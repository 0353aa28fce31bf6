/*
 * test_refuse.c: the 503 a connection over a limit gets, and the rate of
 * the warnings about it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "refuse.h"

Test(refuse, response)
{
	char buf[1024];
	int len = refuse_format(buf, sizeof(buf), 1700000000);
	const char *end;

	cr_assert_gt(len, 0);
	cr_assert_eq(strlen(buf), (size_t)len);
	cr_assert(strncmp(buf, "HTTP/1.1 503 Service Unavailable\r\n", 34) == 0, "%s", buf);
	cr_assert_not_null(strstr(buf, "\r\nRetry-After: 1\r\n"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\r\nConnection: close\r\n"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"), "%s", buf);
	end = strstr(buf, "\r\n\r\n");
	cr_assert_not_null(end);
	/* the Retry-After field is in the header, not the body */
	cr_assert_lt(strstr(buf, "Retry-After") - buf, end - buf);
	/* Content-Length says the body that follows */
	{
		const char *cl = strstr(buf, "\r\nContent-Length: ");
		unsigned long n;

		cr_assert_not_null(cl);
		n = strtoul(cl + 18, NULL, 10);
		cr_assert_eq(n, (unsigned long)(len - (end + 4 - buf)));
	}
	/* too small a buffer is refused, never overrun */
	cr_assert_eq(refuse_format(buf, (size_t)len, 1700000000), -1);
	cr_assert_eq(refuse_format(buf, 40, 1700000000), -1);
}

Test(refuse, warnings_are_rate_limited)
{
	struct refuse_log rl = { 0 };
	uint64_t suppressed = 99;

	/* the first refusal is logged, at any time (even 0) */
	cr_assert(refuse_log_due(&rl, 0, &suppressed));
	cr_assert_eq(suppressed, 0);
	for (int i = 0; i < 5; i++)
		cr_assert(!refuse_log_due(&rl, 1000 + (uint64_t)i, &suppressed));
	cr_assert(!refuse_log_due(&rl, REFUSE_LOG_INTERVAL_MS - 1, &suppressed));
	cr_assert(refuse_log_due(&rl, REFUSE_LOG_INTERVAL_MS, &suppressed));
	cr_assert_eq(suppressed, 6);
	cr_assert(!refuse_log_due(&rl, REFUSE_LOG_INTERVAL_MS + 1, &suppressed));
	cr_assert(refuse_log_due(&rl, 5 * REFUSE_LOG_INTERVAL_MS, &suppressed));
	cr_assert_eq(suppressed, 1);
}
