#!/bin/sh
# trace-syscalls.sh: the system calls ringpushd makes once confined, over
# the integration suite (or the tests FILTER names), and those the seccomp
# list in src/ringpushd/confine.c lacks.
#
# usage: tests/confine/trace-syscalls.sh DAEMON INTEGRATION_TESTS [FILTER]
# DAEMON must be built with -DRINGPUSHD_SECCOMP_LOG_ONLY (make
# confine-trace does it): its filter then logs instead of killing, so a
# missing call shows up here rather than as a dead daemon.  Each daemon
# runs under strace -f; what follows its seccomp(2) call is counted.
set -eu
daemon=$1 tests=$2 filter=${3:-*/*}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat > "$out/wrap" <<WRAP
#!/bin/sh
exec strace -f -qq -o "$out/trace.\$\$" "$daemon" "\$@"
WRAP
chmod +x "$out/wrap"
RINGPUSHD=$out/wrap "$tests" --jobs 2 --filter "$filter" >"$out/suite.log" 2>&1 ||
	echo "trace-syscalls: some tests failed under strace (timing); the trace stands"
# Every line after the seccomp() call of its process, by system call name.
for t in "$out"/trace.*; do
	awk '/seccomp\(SECCOMP_SET_MODE_FILTER/ { on[$1] = 1; next }
	     on[$1] && $2 ~ /^[a-z_0-9]+\(/ { sub(/\(.*/, "", $2);
		# strace 5.x names calls newer than itself by number
		if ($2 == "syscall_0x1c3") $2 = "cachestat"
		print $2 }' "$t"
done | sort | uniq -c | sort -rn > "$out/used"
cat "$out/used"
allowed=$(sed -n '/^static const int seccomp_allowed/,/^};/p' src/ringpushd/confine.c |
	grep -o '__NR_[a-z_0-9]*' | sed 's/__NR_//')
missing=0
for name in $(awk '{ print $2 }' "$out/used"); do
	echo "$allowed" | grep -qx "$name" || { echo "NOT ALLOWED: $name"; missing=1; }
done
exit $missing
