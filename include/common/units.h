/*
 * units.h: the one grammar for sizes and durations, shared by ringpushd's
 * configuration and ringbench's job options.
 *
 *   count:     digits: 0, 17, 65535
 *   size:      digits, then nothing (bytes) or a binary unit k, m, g, t, p
 *              (any case), optionally followed by "b" or "ib":
 *              512, 8K, 64KiB, 1mb, 1G
 *   duration:  digits, then nothing (seconds), ms, s, m or h (any case):
 *              500ms, 10s, 10, 5m, 1h
 *
 * Digits only: no sign, no space, no base prefix, no fraction.  Pure: no
 * allocation, no global state.
 */
#ifndef RINGPUSH_UNITS_H
#define RINGPUSH_UNITS_H
#include <stdint.h>

/* Each returns 0 and set *out, -1 when the text is not of that shape, -2
 * when the number does not fit in 64 bits; on failure *out is untouched. */
int units_parse_count(const char *s, uint64_t *n);
int units_parse_size(const char *s, uint64_t *bytes);
int units_parse_duration(const char *s, uint64_t *ms);

#endif
