/*
 * test_units.c: the one grammar for sizes and durations that ringpushd's
 * configuration and ringbench's options share.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "units.h"


Test(units, size_good)
{
	static const struct { const char *s; uint64_t v; } cases[] = {
		{ "0", 0 }, { "512", 512 }, { "8K", 8192 }, { "8k", 8192 },
		{ "64M", 64ULL << 20 }, { "64m", 64ULL << 20 },
		{ "1G", 1ULL << 30 }, { "1g", 1ULL << 30 },
		{ "007", 7 }, { "1KB", 1024 }, { "64KiB", 64 << 10 },
		{ "4kib", 4096 }, { "1T", 1ULL << 40 }, { "2p", 2ULL << 50 },
		{ "18446744073709551615", UINT64_MAX },
		{ "17179869183G", 17179869183ULL << 30 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 1234;

		cr_expect_eq(units_parse_size(cases[i].s, &v), 0, "%s",
		    cases[i].s);
		cr_expect_eq(v, cases[i].v, "%s: %llu", cases[i].s,
		    (unsigned long long)v);
	}
}

Test(units, size_bad)
{
	static const char *const bad[] = { "", "K", "-1", "+1", " 1", "1 ",
	    "1.5K", "0x10", "1KK", "1KiBB", "1iB", "1Kb ", "abc", "1 K",
	    "18446744073709551616", "17179869184G", "99999999999999999999K" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 1234;

		cr_expect_lt(units_parse_size(bad[i], &v), 0, "\"%s\"", bad[i]);
		cr_expect_eq(v, 1234, "\"%s\" changed the output", bad[i]);
	}
}

Test(units, duration_good)
{
	static const struct { const char *s; uint64_t ms; } cases[] = {
		{ "500ms", 500 }, { "500MS", 500 }, { "10s", 10000 },
		{ "10", 10000 }, { "10S", 10000 }, { "5m", 300000 },
		{ "1h", 3600000 }, { "24H", 86400000 }, { "0", 0 },
		{ "0ms", 0 }, { "18446744073709551615ms", UINT64_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 1234;

		cr_expect_eq(units_parse_duration(cases[i].s, &v), 0, "%s",
		    cases[i].s);
		cr_expect_eq(v, cases[i].ms, "%s: %llu", cases[i].s,
		    (unsigned long long)v);
	}
}

Test(units, duration_bad)
{
	static const char *const bad[] = { "", "s", "ms", "-1s", "+1s",
	    "1.5s", "10sec", "1d", "1 s", " 1s", "1s ", "1hh", "1mss",
	    "18446744073709552", "18446744073709551615h",
	    "99999999999999999999ms" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 1234;

		cr_expect_lt(units_parse_duration(bad[i], &v), 0, "\"%s\"",
		    bad[i]);
		cr_expect_eq(v, 1234, "\"%s\" changed the output", bad[i]);
	}
}

/* Numbers too large for 64 bits are told apart from malformed text, so
 * the configuration can say which. */
Test(units, overflow_is_minus_two)
{
	uint64_t v = 1234;

	cr_expect_eq(units_parse_count("18446744073709551616", &v), -2);
	cr_expect_eq(units_parse_size("17179869184G", &v), -2);
	cr_expect_eq(units_parse_duration("18446744073709551615h", &v), -2);
	cr_expect_eq(units_parse_count("12x", &v), -1);
	cr_expect_eq(v, 1234);
	cr_expect_eq(units_parse_count("18446744073709551615", &v), 0);
	cr_expect_eq(v, UINT64_MAX);
}
