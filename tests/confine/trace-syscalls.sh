#!/bin/sh
# trace-syscalls.sh: system calls ringpushd makes once confined that the
# seccomp list in src/ringpushd/confine.c lacks, over the integration
# suite (or the tests FILTER names).
#
# usage: tests/confine/trace-syscalls.sh DAEMON INTEGRATION_TESTS [FILTER]
#
# DAEMON must be built with -DRINGPUSHD_SECCOMP_LOG_ONLY (make
# confine-trace does it): its filter logs a call outside the list
# (SECCOMP_RET_LOG) instead of killing, and the kernel's audit records in
# dmesg (type=1326, one per call, rate-limited) name its number.  Reading
# dmesg needs root, or kernel.dmesg_restrict = 0.
set -eu
daemon=$1 tests=$2 filter=${3:-*/*}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dmesg >/dev/null 2>&1 || { echo "trace-syscalls: cannot read dmesg (root, or kernel.dmesg_restrict=0)"; exit 2; }
RINGPUSHD=$daemon "$tests" --jobs 2 --filter "$filter" >"$log" 2>&1 ||
	{ grep '^\[FAIL\]' "$log" || true; echo "trace-syscalls: the failures above may be calls the filter lacks"; }
unistd=$(echo '#include <sys/syscall.h>' | ${CC:-cc} -E -dM - | grep '^#define __NR_' || true)
numbers=$(dmesg | grep 'type=1326' | grep -F "exe=\"$daemon\"" |
	sed -n 's/.* syscall=\([0-9]*\) .*/\1/p' | sort -n | uniq)
if [ -z "$numbers" ]; then
	echo "trace-syscalls: every system call the daemon made once confined is in the list"
	exit 0
fi
for nr in $numbers; do
	name=$(echo "$unistd" | awk -v nr="$nr" '$3 == nr { sub(/^__NR_/, "", $2); print $2; exit }')
	echo "NOT IN THE LIST: ${name:-?} ($nr)"
done
exit 1
