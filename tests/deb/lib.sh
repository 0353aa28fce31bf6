# lib.sh: what the package checks share (check-deb.sh, check-deb-systemd.sh),
# sourced by them after they set prog, the name their lines start with:
# messages and the skip, the numbered checks and their summary, building the
# package, the cached debootstrap base, the overlay each run writes to, and
# the repacked package an upgrade installs.
#
# Each script that sources it must be run as root with RINGPUSH_DEB and MAKE
# set by make; it may set cleanup_hook to a function run at exit before the
# overlay is taken down.

say () { printf '%s: %s\n' "$prog" "$*"; }
skip () { say "SKIPPED: $*"; exit 0; }
die () { say "ERROR: $*"; exit 1; }

# need_tools TOOL...: skip, with what to install, unless every one is found.
need_tools () {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			skip "$tool not found (./configure --install-deb-deps installs what $prog needs)"
	done
	grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null ||
		skip "no overlay file system in this kernel"
	: "${RINGPUSH_DEB:?set by make}"
	: "${MAKE:=make}"
}

passed=0 failed=0
# check WHAT CMD...: one numbered assertion, counted in the summary.
check () {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1)); say "$((passed + failed)) ok: $what"
	else
		failed=$((failed + 1)); say "$((passed + failed)) FAILED: $what"
	fi
}

# summary: the closing line; the script's status is whether all passed.
summary () {
	echo "$prog: $passed passed, $failed failed"
	test "$failed" = 0
}

# build_deb: make deb, which runs lintian too.
build_deb () {
	say "building the package (make deb)"
	"$MAKE" --no-print-directory deb || die "make deb failed"
	test -f "$RINGPUSH_DEB" || die "make deb did not make $RINGPUSH_DEB"
}

# make_base CACHE PACKAGES: sets base to a Debian 12 minbase tree with
# PACKAGES (comma-separated) in CACHE/bookworm, made once with debootstrap
# and only read after that (the overlay takes every write).  Made under a
# temporary name and renamed when complete, under a lock, so a run that
# dies midway or a second run at the same time never leaves or uses half a
# base.  A base made with other PACKAGES is made again.
make_base () {
	cache=$1 packages=$2
	base=$cache/bookworm
	mkdir -p "$cache"
	exec 9>"$cache/lock"
	flock 9
	if [ "$(cat "$base/.ringpush-packages" 2>/dev/null)" != "$packages" ]; then
		command -v debootstrap >/dev/null 2>&1 ||
			skip "debootstrap not found (./configure --install-deb-deps)"
		say "making the base in $base with debootstrap (once)"
		rm -rf "$base.new"
		debootstrap --variant=minbase --include="$packages" \
			bookworm "$base.new" "${RINGPUSH_DEB_MIRROR:-http://deb.debian.org/debian}" \
			>"$cache/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$cache/debootstrap.log"; die "debootstrap failed, log in $cache/debootstrap.log"; }
		echo "$packages" >"$base.new/.ringpush-packages"
		rm -rf "$base"
		mv "$base.new" "$base"
	fi
	flock -u 9
}

# overlay BASE: sets top (a scratch directory) and root (BASE as a writable
# overlay in it); both go at exit, whatever failed.  mounted lists what to
# unmount, innermost first.
overlay () {
	top=$(mktemp -d "/var/tmp/ringpush-$prog.XXXXXX")
	root=$top/merged
	mounted=
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$top/upper" "$top/work" "$root"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$top/upper,workdir=$top/work" "$root"
	mounted="$root"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
}
lib_cleanup () {
	if [ -n "${cleanup_hook:-}" ]; then "$cleanup_hook"; fi
	for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
	rm -rf "$top"
}

# inroot CMD: a command in the overlay by chroot, as root, without a
# terminal, with the host's network.
inroot () {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/sh -c "$*"
}

# repack_upgrade OUT: the package again with a higher version (+check1) and
# a changed default configuration, so that installing it is an upgrade over
# which dpkg must keep an edited /etc/ringpushd.conf.
repack_upgrade () {
	rm -rf "$top/repack"
	mkdir "$top/repack"
	dpkg-deb -R "$RINGPUSH_DEB" "$top/repack/pkg"
	sed -i 's/^Version: .*/&+check1/' "$top/repack/pkg/DEBIAN/control"
	printf '; a later default\n' >>"$top/repack/pkg/etc/ringpushd.conf"
	(cd "$top/repack/pkg" && find etc lib usr -type f -exec md5sum {} + >DEBIAN/md5sums)
	dpkg-deb -b "$top/repack/pkg" "$1" >/dev/null
}
