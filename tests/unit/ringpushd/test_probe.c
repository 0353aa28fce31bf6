/*
 * test_probe.c: the kernel probe on the machine that runs the tests (at
 * least the oldest supported kernel), and what a missing feature turns
 * into.  Forcing fallbacks is for the test build only (make
 * check-fallbacks); here nothing is forced.
 */

#include <string.h>

#include <criterion/criterion.h>

#include "probe.h"

Test(probe, this_kernel_is_supported_and_has_the_old_features)
{
	char why[256] = "";

	cr_assert_eq(probe_init(why, sizeof(why)), 0, "%s", why);
	/* older than the oldest supported kernel: always there */
	cr_assert(probe_has(PROBE_OPENAT2_OP));
	for (int f = 0; f < PROBE_N; f++)
		cr_assert(!probe_forced((enum probe_feature)f), "%s forced in a plain build",
		    probe_name((enum probe_feature)f));
}

Test(probe, a_missing_feature_is_not_had)
{
	char why[256];

	cr_assert_eq(probe_init(why, sizeof(why)), 0, "%s", why);
	probe_missing(PROBE_MULTISHOT_ACCEPT);
	cr_assert(!probe_has(PROBE_MULTISHOT_ACCEPT));
	cr_assert(probe_has(PROBE_OPENAT2_OP));
}

Test(probe, names_are_distinct)
{
	for (int a = 0; a < PROBE_N; a++) {
		cr_assert_not_null(probe_name((enum probe_feature)a));
		for (int b = a + 1; b < PROBE_N; b++)
			cr_assert_str_neq(probe_name((enum probe_feature)a),
			    probe_name((enum probe_feature)b));
	}
}
