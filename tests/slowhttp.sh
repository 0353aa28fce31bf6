#!/bin/sh
# slowhttp.sh: ringpushd under slowhttptest, slowloris (-H) then slow read
# (-X), while an ordinary client fetches a file every second and checks its
# sha256.  Prints whether every ordinary fetch succeeded and the daemon's
# resident memory (VmRSS) before, during and after.  Loopback only, bounded
# in time and connections; not part of make check (it takes a minute or
# two and needs slowhttptest, which is installed with apt-get if missing).
#
# The attack comes from 127.0.0.1 and the ordinary client from 127.0.0.2,
# as they would from different hosts: max_connections_per_ip is what keeps
# one address from taking every slot.
#
# Environment: RINGPUSHD (default build/ringpushd), SLOW_SECONDS per phase
# (30), SLOW_CONNECTIONS (500), SLOW_RATE new connections per second (200).

set -u

RINGPUSHD=${RINGPUSHD:-build/ringpushd}
SLOW_SECONDS=${SLOW_SECONDS:-30}
SLOW_CONNECTIONS=${SLOW_CONNECTIONS:-500}
SLOW_RATE=${SLOW_RATE:-200}

fail () { echo "slowhttp.sh: $*" >&2; exit 1; }

test -x "$RINGPUSHD" || fail "$RINGPUSHD not built (make build/ringpushd)"
command -v curl >/dev/null 2>&1 || fail "needs curl"
command -v sha256sum >/dev/null 2>&1 || fail "needs sha256sum"
if ! command -v slowhttptest >/dev/null 2>&1; then
	test "$(id -u)" = 0 || fail "slowhttptest missing; install it (apt-get install slowhttptest)"
	echo "installing slowhttptest"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slowhttptest >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slowhttptest; } ||
		fail "cannot install slowhttptest"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ringpush-slow.XXXXXX") || fail "mktemp"
daemon_pid=
fetch_pid=
sampler_pid=
cleanup () {
	test -n "$fetch_pid" && kill "$fetch_pid" 2>/dev/null
	test -n "$sampler_pid" && kill "$sampler_pid" 2>/dev/null
	test -n "$daemon_pid" && kill "$daemon_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A small tree: a page, a 1 MiB file the ordinary client checks, and a
# 16 MiB file for the slow readers to hold open.
mkdir -p "$dir/root"
echo "ringpush slowhttp test" > "$dir/root/index.html"
head -c 1048576 /dev/urandom > "$dir/root/file.bin"
head -c 16777216 /dev/urandom > "$dir/root/big.bin"
want=$(sha256sum < "$dir/root/file.bin" | cut -d' ' -f1)

cat > "$dir/ringpushd.conf" <<EOF
[daemon]
error_log = -
access_log = /dev/null
allow_root = yes
log_level = info

[limits]
max_connections = 4096
max_connections_per_ip = 256
header_timeout = 10s
idle_timeout = 60s
send_timeout = 60s
max_request_header = 8K

[listener slow]
address = 127.0.0.1:0
root = $dir/root
engine = splice
EOF

"$RINGPUSHD" -f -c "$dir/ringpushd.conf" > "$dir/daemon.out" 2>&1 &
daemon_pid=$!
port=
i=0
while test $i -lt 100; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		"$dir/daemon.out" 2>/dev/null | head -n 1)
	test -n "$port" && break
	kill -0 "$daemon_pid" 2>/dev/null || { cat "$dir/daemon.out"; fail "ringpushd exited"; }
	sleep 0.1
	i=$((i + 1))
done
test -n "$port" || fail "ringpushd did not say which port it listens on"

rss () { sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$daemon_pid/status" 2>/dev/null; }

echo "ringpushd pid $daemon_pid on 127.0.0.1:$port;" \
	"$SLOW_SECONDS s per phase, $SLOW_CONNECTIONS connections at $SLOW_RATE/s"
rss_before=$(rss)

# The ordinary client: one fetch a second from another address, each
# bounded to 10 s; a line per fetch, "ok" or what went wrong.
(
	n=0
	while :; do
		n=$((n + 1))
		got=$(curl -sS --max-time 10 --interface 127.0.0.2 \
			"http://127.0.0.1:$port/file.bin" 2>>"$dir/curl.err" |
			sha256sum | cut -d' ' -f1)
		if test "$got" = "$want"; then echo "$n ok"; else echo "$n FAIL"; fi
		sleep 1
	done
) > "$dir/fetches" &
fetch_pid=$!

# RSS once a second, with the phase it was taken in.
(
	while kill -0 "$daemon_pid" 2>/dev/null; do
		printf '%s %s\n' "$(cat "$dir/phase" 2>/dev/null)" "$(rss)"
		sleep 1
	done
) > "$dir/rss" &
sampler_pid=$!

phase () {
	name=$1
	shift
	echo "$name" > "$dir/phase"
	echo "== $name: slowhttptest $*"
	# slowhttptest bounds itself with -l; timeout is the backstop.
	timeout $((SLOW_SECONDS + 60)) slowhttptest "$@" -l "$SLOW_SECONDS" \
		-c "$SLOW_CONNECTIONS" -r "$SLOW_RATE" -p 5 >"$dir/$name.out" 2>&1
	# Its last status block: connection counts, how it ended, and whether
	# its own probe (from 127.0.0.1, the attacking address) got through.
	sed 's/\x1b\[[0-9;]*m//g' "$dir/$name.out" |
		grep -E 'connected:|pending:|closed:|service available:|Exit status' |
		tail -n 5 | tr -s ' \t' ' ' | sed 's/^ */   /'
}

echo idle > "$dir/phase"
sleep 3
phase slowloris -H -i 5 -x 24 -u "http://127.0.0.1:$port/index.html"
phase slowread -X -k 3 -n 5 -w 32 -y 64 -z 32 -u "http://127.0.0.1:$port/big.bin"
echo after > "$dir/phase"
# The slow connections end at header_timeout or when slowhttptest exits;
# give the daemon its timeouts to reap them.
sleep 12

kill "$fetch_pid" 2>/dev/null
wait "$fetch_pid" 2>/dev/null
fetch_pid=
kill "$sampler_pid" 2>/dev/null
wait "$sampler_pid" 2>/dev/null
sampler_pid=
rss_after=$(rss)

total=$(wc -l < "$dir/fetches")
good=$(grep -c ' ok$' "$dir/fetches")
echo "== results"
echo "ordinary fetches (1 MiB, sha256 checked): $good of $total succeeded"
if test "$good" -ne "$total" || test "$total" -eq 0; then
	echo "failed fetches:"; grep -v ' ok$' "$dir/fetches" | sed 's/^/   /'
	sort "$dir/curl.err" 2>/dev/null | uniq -c | sed 's/^/   /'
fi
echo "VmRSS before:       $rss_before"
for p in slowloris slowread; do
	awk -v p="$p" '$1 == p { n++; v[n] = $2; if ($2 > max) max = $2 }
	    END { if (n) printf "VmRSS during %-9s mid %s kB, max %s kB (%d samples)\n",
	    p ":", v[int((n + 1) / 2)], max, n }' "$dir/rss"
done
echo "VmRSS after:        $rss_after"
if kill -0 "$daemon_pid" 2>/dev/null; then
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	status=$?
	daemon_pid=
	echo "ringpushd exit status on SIGTERM: $status"
else
	echo "ringpushd DIED during the test:"; cat "$dir/daemon.out"
	exit 1
fi
test "$good" -eq "$total" && test "$total" -gt 0 && test "$status" -eq 0
