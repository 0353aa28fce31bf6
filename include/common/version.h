/* version.h: the one place the release version is written. */
#ifndef RINGPUSH_VERSION_H
#define RINGPUSH_VERSION_H
#define RINGPUSH_VERSION "0.1.0"
#endif
