#!/bin/sh
# bench/rate.sh: how close the rate limiter holds its configured rate.
# Starts ringpushd on loopback twice (rate_per_connection = 1M for one
# transfer, rate_total = 10M shared by 50 transfers), runs ringbench for
# RATE_SECONDS (default 10) against each, and prints bytes moved per
# second as a percentage of the configured rate.  A benchmark: it never
# fails on a number.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SECONDS_RUN=${RATE_SECONDS:-10}
[ -x "$BUILD/ringpushd" ] && [ -x "$BUILD/ringbench" ] || make "$BUILD/ringpushd" "$BUILD/ringbench"
dir=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || :; fi; rm -rf "$dir"' EXIT
head -c 268435456 /dev/zero > "$dir/big.bin"

run() {	# name limits-line iodepth rate
	cat > "$dir/ringpushd.conf" <<EOC
[daemon]
error_log = $dir/error.log
access_log = off
allow_root = yes
[limits]
$2
[listener rate]
address = 127.0.0.1:0
root = $dir
EOC
	: > "$dir/error.log"
	"$BUILD/ringpushd" -f -c "$dir/ringpushd.conf" & pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/error.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	"$BUILD/ringbench" --name="$1" --url="127.0.0.1:$port/big.bin" --iodepth="$3" \
	    --runtime="$SECONDS_RUN" --time_based --output-format=json \
	    --group_reporting > "$dir/out.json"
	kill "$pid"; wait "$pid" || true
	python3 - "$dir/out.json" "$1" "$4" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
# fio's schema: bw_bytes over runtime (ms) of the one group_reporting job
r = d["jobs"][0]["read"]
secs = r["runtime"] / 1e3
rate = r["bw_bytes"]
want = float(sys.argv[3])
print("%-28s %12.0f B/s over %.1f s = %6.2f%% of %d B/s" % (sys.argv[2], rate, secs, 100 * rate / want, want))
EOP
}

run "1 transfer, 1M per conn" "rate_per_connection = 1M" 1 1048576
run "50 transfers, 10M total" "rate_total = 10M" 50 10485760
