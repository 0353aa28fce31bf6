#!/bin/sh
# bench/run.sh: the script behind `make bench`.  It builds ringpushd and
# ringbench, installs missing reference servers when run as root (or skips
# them, saying so), then hands over to bench/bench.py, which makes the file
# set, starts every server on its own high loopback port (servers on CPU 0,
# ringbench on CPU 1), runs the same job files against each, alternating,
# for several rounds, and prints one table (plus JSON and, with gnuplot, a
# PNG).  It is a benchmark, not a test: it never fails on a number.
#
# Environment: BENCH_QUICK=1 (one short round, under 2 minutes),
# BENCH_OUT=DIR (results; default build/bench), BENCH_SERVERS="ringpushd
# nginx lighttpd h2o" (the subset to run; ringpushd-splice,
# ringpushd-sendfile and ringpushd-auto add ringpushd with that engine),
# BENCH_CELLS="put-1m put-256m" (only the cells of these sizes: 4k 64k 1m
# 256m put-1m put-256m), BENCH_ROUNDS=N (rounds per cell; default 3, 1
# with BENCH_QUICK), BENCH_NO_INSTALL=1.  As root, the upload targets go
# to a tmpfs mounted on the tree's up/ for the run.
set -eu

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

if [ ! -x "$BUILD/ringpushd" ] || [ ! -x "$BUILD/ringbench" ]; then
	[ -f Makefile ] || ./configure
	make "$BUILD/ringpushd" "$BUILD/ringbench"
fi

# Reference servers (and wrk, for the client check) come from Debian
# packages.  Installing one must not start its system instance (it would
# take port 80): a temporary policy-rc.d tells the package scripts not to
# start services.
want=""
for s in nginx lighttpd h2o wrk; do
	command -v "$s" >/dev/null 2>&1 || want="$want $s"
done
# lighttpd takes PUT (the upload cells) with its webdav module
[ -e /usr/lib/lighttpd/mod_webdav.so ] || want="$want lighttpd-mod-webdav"
if [ -n "$want" ] && [ "${BENCH_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "bench: installing:$want"
	policy=/usr/sbin/policy-rc.d
	made_policy=no
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" &&
		    made_policy=yes
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $want >/dev/null 2>&1 ||
	    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $want >/dev/null 2>&1; } ||
	    echo "bench: apt-get could not install:$want (continuing without)"
	[ "$made_policy" = yes ] && rm -f "$policy"
fi
for s in nginx lighttpd h2o; do
	command -v "$s" >/dev/null 2>&1 || echo "bench: $s not installed: skipped"
done

exec python3 bench/bench.py --build "$BUILD" "$@"
