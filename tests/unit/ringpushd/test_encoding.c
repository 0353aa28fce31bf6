/*
 * test_encoding.c: Accept-Encoding weights and the order in which the
 * precompressed siblings are tried.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "encoding.h"

/* The order for one field value, as "br,zstd,gzip" ("" for none). */
static const char *
order_of(const char *value)
{
	static char text[64];
	struct encoding_accept a;
	enum encoding out[ENCODING_COUNT];
	unsigned n;

	encoding_accept_init(&a);
	encoding_accept_parse(&a, value, strlen(value));
	n = encoding_order(&a, out);
	text[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			strcat(text, ",");
		strcat(text, encoding_name(out[i]));
	}
	return text;
}

Test(encoding, no_field_or_empty_field_is_identity)
{
	struct encoding_accept a;
	enum encoding out[ENCODING_COUNT];

	encoding_accept_init(&a);
	encoding_accept_parse(&a, NULL, 0);
	cr_assert_eq(encoding_order(&a, out), 0);
	cr_assert_str_eq(order_of(""), "");
	cr_assert_str_eq(order_of(" , ,"), "");
}

Test(encoding, server_preference_breaks_ties)
{
	cr_assert_str_eq(order_of("gzip, deflate, br, zstd"), "br,zstd,gzip");
	cr_assert_str_eq(order_of("gzip"), "gzip");
	cr_assert_str_eq(order_of("zstd, gzip"), "zstd,gzip");
	cr_assert_str_eq(order_of("deflate, compress"), "");
}

Test(encoding, client_weights_come_first)
{
	cr_assert_str_eq(order_of("br;q=0.5, gzip;q=0.9, zstd;q=0.7"), "gzip,zstd,br");
	cr_assert_str_eq(order_of("br;q=0.001, gzip;q=0.002"), "gzip,br");
	cr_assert_str_eq(order_of("gzip;q=1.000, br;q=1"), "br,gzip");
	cr_assert_str_eq(order_of("gzip;q=0., br;q=0.0"), "");
}

Test(encoding, q0_refuses)
{
	cr_assert_str_eq(order_of("br;q=0, gzip"), "gzip");
	cr_assert_str_eq(order_of("gzip;q=0"), "");
	cr_assert_str_eq(order_of("*;q=0"), "");
	cr_assert_str_eq(order_of("*;q=0, zstd"), "zstd");
}

Test(encoding, star_covers_what_is_not_listed)
{
	cr_assert_str_eq(order_of("*"), "br,zstd,gzip");
	cr_assert_str_eq(order_of("gzip;q=0, *"), "br,zstd");
	cr_assert_str_eq(order_of("*;q=0.5, gzip"), "gzip,br,zstd");
}

Test(encoding, identity_weight)
{
	struct encoding_accept a;

	/* identity preferred outright: no sibling qualifies */
	cr_assert_str_eq(order_of("identity, gzip;q=0.5"), "");
	/* equal weights: the encoded file, smaller, wins */
	cr_assert_str_eq(order_of("identity;q=0.5, gzip;q=0.5, br;q=0.4"), "gzip");
	/* refused identity changes nothing for the codings */
	cr_assert_str_eq(order_of("gzip, identity;q=0"), "gzip");
	cr_assert_str_eq(order_of("identity;q=0"), "");
	encoding_accept_init(&a);
	encoding_accept_parse(&a, "identity;q=0", 12);
	cr_assert_eq(a.identity, 0);
	encoding_accept_init(&a);
	encoding_accept_parse(&a, "*;q=0", 5);
	cr_assert(a.identity == -1 && a.star == 0);
}

Test(encoding, names_are_case_insensitive_and_ows_is_allowed)
{
	cr_assert_str_eq(order_of("GZIP"), "gzip");
	cr_assert_str_eq(order_of(" Br ; Q=0.3 ,\tgZip;q=0.2\t"), "br,gzip");
	cr_assert_str_eq(order_of("x-gzip"), "gzip");
	cr_assert_str_eq(order_of("IDENTITY;q=1,gzip;q=0.9"), "");
}

Test(encoding, bad_entries_are_ignored_alone)
{
	static const char *const bad[] = {
		"gzip;q=1.5", "gzip;q=1.001", "gzip;q=0.1234", "gzip;q=x",
		"gzip;q=", "gzip;q", "gzip;level=1", "gzip;q=0.5;x=1", "gzip q=0.5",
		"gzip;q =0.5", "gz\"ip", "gzip;q=-0.5", "gzip;q=+1", "gzip;q=.5",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char list[64];

		cr_assert_str_eq(order_of(bad[i]), "", "%s", bad[i]);
		/* the rest of the list still counts */
		snprintf(list, sizeof(list), "%s, br;q=0.2", bad[i]);
		cr_assert_str_eq(order_of(list), "br", "%s", list);
	}
}

Test(encoding, first_entry_for_a_name_counts)
{
	cr_assert_str_eq(order_of("gzip;q=0, gzip"), "");
	cr_assert_str_eq(order_of("gzip, gzip;q=0"), "gzip");
}

Test(encoding, several_field_lines_add_up)
{
	struct encoding_accept a;
	enum encoding out[ENCODING_COUNT];

	encoding_accept_init(&a);
	encoding_accept_parse(&a, "gzip;q=0.4", 10);
	encoding_accept_parse(&a, "br;q=0.6", 8);
	cr_assert_eq(encoding_order(&a, out), 2);
	cr_assert(out[0] == ENCODING_BR && out[1] == ENCODING_GZIP);
	cr_assert_eq(encoding_weight(&a, ENCODING_ZSTD), 0);
}

Test(encoding, names_and_suffixes)
{
	cr_assert_str_eq(encoding_suffix(ENCODING_BR), ".br");
	cr_assert_str_eq(encoding_suffix(ENCODING_ZSTD), ".zst");
	cr_assert_str_eq(encoding_suffix(ENCODING_GZIP), ".gz");
	cr_assert_str_eq(encoding_name(ENCODING_ZSTD), "zstd");
}
