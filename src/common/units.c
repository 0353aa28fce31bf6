/*
 * units.c: sizes and durations as people write them in a configuration
 * file or on a command line (see units.h for the grammar).
 */
#include <ctype.h>
#include <strings.h>

#include "units.h"

/* Digits only: strtoull would also take a sign, spaces and 0x. */
static int
parse_digits(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return 0;
}

int
units_parse_count(const char *s, uint64_t *n)
{
	uint64_t v;
	int r;

	if ((r = parse_digits(&s, &v)) != 0)
		return r;
	if (*s != '\0')
		return -1;
	*n = v;
	return 0;
}

int
units_parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "kmgtp";
	uint64_t v, unit = 1;
	int r, i;

	if ((r = parse_digits(&s, &v)) != 0)
		return r;
	if (*s != '\0') {
		for (i = 0; units[i] != '\0'; i++)
			if (tolower((unsigned char)*s) == units[i])
				break;
		if (units[i] == '\0')
			return -1;
		unit = UINT64_C(1) << (10 * (i + 1));
		s++;
		if (strcasecmp(s, "b") != 0 && strcasecmp(s, "ib") != 0 &&
		    *s != '\0')
			return -1;
	}
	if (v > UINT64_MAX / unit)
		return -2;
	*bytes = v * unit;
	return 0;
}

int
units_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t v, unit;
	int r;

	if ((r = parse_digits(&s, &v)) != 0)
		return r;
	if (*s == '\0' || strcasecmp(s, "s") == 0)
		unit = 1000;
	else if (strcasecmp(s, "ms") == 0)
		unit = 1;
	else if (strcasecmp(s, "m") == 0)
		unit = 60 * 1000;
	else if (strcasecmp(s, "h") == 0)
		unit = 3600 * 1000;
	else
		return -1;
	if (v > UINT64_MAX / unit)
		return -2;
	*ms = v * unit;
	return 0;
}
