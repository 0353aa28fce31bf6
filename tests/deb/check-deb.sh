#!/bin/sh
# check-deb.sh: builds the Debian package with `make deb`, then, in a fresh
# Debian 12 chroot (an overlay on a cached debootstrap base, so every run
# starts from the same clean system), installs it with apt as a user would,
# checks what it put where, upgrades it over an edited configuration, runs
# the daemon in the foreground and fetches a file with curl, then removes
# and purges it and checks that nothing is left.
#
# Run by `make check-deb`, as root (chroot, mounts, network namespace).
# Environment:
#   RINGPUSH_DEB        the package `make deb` builds (set by make)
#   MAKE                the make that runs `make deb` (set by make)
#   RINGPUSH_DEB_CHROOT an existing Debian 12 tree to use, read-only, as
#                       the base instead of the cached one
#   RINGPUSH_DEB_CACHE  where the base is made and kept between runs
#                       [/var/cache/ringpush-check-deb]
#   RINGPUSH_DEB_MIRROR the Debian mirror for debootstrap
#                       [http://deb.debian.org/debian]
# Skipped, with success and a reason, when not root or a tool is missing.
set -eu
prog=check-deb
. "$(dirname "$0")/lib.sh"

test "$(id -u)" = 0 || skip "needs root (chroot, overlay mounts, a network namespace)"
need_tools dpkg-buildpackage dh lintian fakeroot unshare ip chroot mount flock

start=$(date +%s)
build_deb
built=$(date +%s)

if [ -n "${RINGPUSH_DEB_CHROOT:-}" ]; then
	base=$RINGPUSH_DEB_CHROOT
	test -x "$base/usr/bin/apt-get" || die "RINGPUSH_DEB_CHROOT=$base is not a Debian tree"
else
	make_base "${RINGPUSH_DEB_CACHE:-/var/cache/ringpush-check-deb}" ca-certificates,curl
fi

overlay "$base"
mount -t proc proc "$root/proc"
mounted="$root/proc $mounted"
mount --bind /dev "$root/dev"
mounted="$root/dev $mounted"

deb=${RINGPUSH_DEB##*/}
cp "$RINGPUSH_DEB" "$root/tmp/$deb"

say "installing $deb with apt-get in a fresh Debian 12 chroot"
inroot apt-get update -qq >"$top/apt.log" 2>&1 || { cat "$top/apt.log"; die "apt-get update failed in the chroot"; }

# What the system holds before: every path outside the package manager's
# own records, caches and logs, and the user and group databases.  The
# shadow tools' backups of those databases (/etc/shadow- and the like) and
# adduser's lock in /run (emptied at boot) are the tools', not the
# package's, and are left out.
snapshot () {
	(cd "$root" && find . -xdev \( -path ./var/lib/apt -o -path ./var/lib/dpkg \
		-o -path ./var/cache -o -path ./var/log/apt -o -path ./tmp \) -prune \
		-o -print | grep -v -e '^\./var/log/dpkg\.log$' -e '^\./var/log/alternatives\.log$' \
		-e '^\./etc/ld\.so\.cache$' -e '^\./etc/g\{0,1\}shadow-$' -e '^\./etc/passwd-$' \
		-e '^\./etc/group-$' -e '^\./run/adduser$' | sort)
	cat "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
	inroot dpkg-query -W -f='\${Package}\ \${Status}\\n' | sort
}
# logrotate belongs to the system, not to the package: it runs the
# package's rule below.
inroot apt-get install -y -q logrotate >"$top/apt.log" 2>&1 || { cat "$top/apt.log"; die "cannot install logrotate in the chroot"; }
snapshot >"$top/before"

installed=yes
inroot apt-get install -y -q "/tmp/$deb" >"$top/install.log" 2>&1 || installed=no
check "apt-get install ./$deb succeeds without systemd running" test "$installed" = yes
if ! inroot dpkg-query -W -f='\${Status}' ringpush | grep -q 'install ok installed'; then
	cat "$top/install.log"
	die "the package is not installed: nothing more to check"
fi

# Files where Debian and the man pages say.
for f in /usr/sbin/ringpushd /usr/bin/ringbench \
	/usr/share/man/man8/ringpushd.8.gz /usr/share/man/man5/ringpushd.conf.5.gz \
	/usr/share/man/man1/ringbench.1.gz /lib/systemd/system/ringpushd.service \
	/lib/systemd/system/ringpushd.service.d/package-logs.conf \
	/etc/logrotate.d/ringpushd /etc/ringpushd.conf /usr/share/doc/ringpush/copyright; do
	check "installed $f" test -f "$root$f"
done
check "ringpushd -V runs and names the version" \
	sh -c "chroot '$root' /usr/sbin/ringpushd -V | grep -F '$(sed -n '1s/^ringpush (\([^)-]*\).*/\1/p' debian/changelog)'"
check "the unit starts /usr/sbin/ringpushd with /etc/ringpushd.conf" \
	grep -qx 'ExecStart=/usr/sbin/ringpushd -f -c /etc/ringpushd.conf' "$root/lib/systemd/system/ringpushd.service"
check "the unit is enabled (multi-user.target.wants symlink)" \
	sh -c "test \"\$(readlink '$root/etc/systemd/system/multi-user.target.wants/ringpushd.service')\" = /lib/systemd/system/ringpushd.service"
# systemd is not running in the chroot, but the host's systemd-analyze
# reads the unit with its drop-in from there.
if command -v systemd-analyze >/dev/null 2>&1; then
	SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no --root="$root" \
		"$root/lib/systemd/system/ringpushd.service" >"$top/unit.dump" 2>&1 || true
	check "with its drop-in the unit may write /var/log/ringpushd" \
		grep -q 'ReadWritePaths: /var/log/ringpushd' "$top/unit.dump"
	check "with its drop-in the unit no longer hands /var/log/ringpushd to root" \
		sh -c "grep -q 'DropIn Path: .*package-logs.conf' '$top/unit.dump' && ! grep -q 'LogsDirectory: ' '$top/unit.dump'"
else
	say "skipped: systemd-analyze not installed, the unit's drop-in is not read"
fi
check "/etc/ringpushd.conf is a conffile" \
	sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' ringpush | grep -q '^ /etc/ringpushd.conf '"
check "the logrotate rule sends USR1" grep -q 'kill -s USR1 ringpushd.service' "$root/etc/logrotate.d/ringpushd"

# The user, its directories, the configuration.
check "system user ringpush exists with no login shell" \
	sh -c "chroot '$root' getent passwd ringpush | awk -F: '\$3 < 1000 && \$7 == \"/usr/sbin/nologin\" { ok = 1 } END { exit !ok }'"
check "group ringpush exists" sh -c "chroot '$root' getent group ringpush"
check "/var/log/ringpushd is owned by ringpush" \
	sh -c "test \"\$(chroot '$root' stat -c %U:%G /var/log/ringpushd)\" = ringpush:adm"
check "/srv/ringpush exists and is empty" sh -c "test -d '$root/srv/ringpush' && test -z \"\$(ls -A '$root/srv/ringpush')\""
check "the configuration listens on 127.0.0.1:8080 and nowhere else" \
	test "$(grep '^address *=' "$root/etc/ringpushd.conf")" = 'address = 127.0.0.1:8080'
check "the configuration serves /srv/ringpush as ringpush" \
	sh -c "grep -qx 'root = /srv/ringpush' '$root/etc/ringpushd.conf' && grep -qx 'user = ringpush' '$root/etc/ringpushd.conf'"
check "ringpushd -t -c /etc/ringpushd.conf passes" chroot "$root" /usr/sbin/ringpushd -t -c /etc/ringpushd.conf

# An upgrade over an edited configuration: the same package with a higher
# version and a changed default configuration.  dpkg would ask; with
# --force-confold the edit stays and the new default lands beside it.
inroot "sed -i 's/^log_level = info\$/log_level = debug/' /etc/ringpushd.conf"
repack_upgrade "$root/tmp/upgrade.deb"
check "an upgrade over an edited /etc/ringpushd.conf succeeds" \
	inroot apt-get install -y -q -o Dpkg::Options::=--force-confold /tmp/upgrade.deb
check "the edited configuration survives the upgrade" grep -qx 'log_level = debug' "$root/etc/ringpushd.conf"
check "the new default lands beside it as .dpkg-dist" test -f "$root/etc/ringpushd.conf.dpkg-dist"
check "the upgraded package still checks its configuration" chroot "$root" /usr/sbin/ringpushd -t -c /etc/ringpushd.conf

# The daemon in the foreground, as the unit runs it (systemd would make
# /run/ringpushd), in a network namespace of its own so that port 8080 of
# the packaged configuration is this test's alone.
printf 'ringpush package check\n' >"$root/srv/ringpush/hello.txt"
cat >"$root/tmp/serve.sh" <<'EOS'
# fetch NAME: GET /hello.txt into /tmp/NAME, retried while the daemon starts.
fetch () {
	tries=0
	until curl -fsS -o "/tmp/$1" http://127.0.0.1:8080/hello.txt 2>/dev/null; do
		tries=$((tries + 1))
		kill -0 "$pid" 2>/dev/null || { echo "ringpushd exited"; exit 1; }
		[ "$tries" -lt 300 ] || { echo "no answer on 127.0.0.1:8080"; kill "$pid"; exit 1; }
		sleep 0.1
	done
}
mkdir -p /run/ringpushd
/usr/sbin/ringpushd -f -c /etc/ringpushd.conf &
pid=$!
fetch fetched
# The package's logrotate rule, then the SIGUSR1 its postrotate sends
# through systemd; the next request must land in the new access.log.
logrotate -f -s /tmp/logrotate.state /etc/logrotate.d/ringpushd || { echo "logrotate failed"; kill "$pid"; exit 1; }
kill -USR1 "$pid"
tries=0
until grep -q 'reopening the logs' /var/log/ringpushd/error.log* 2>/dev/null; do
	tries=$((tries + 1))
	[ "$tries" -lt 300 ] || { echo "no reopen after SIGUSR1"; kill "$pid"; exit 1; }
	sleep 0.1
done
fetch fetched-again
kill -TERM "$pid"
wait "$pid"
rc=$?
rm -rf /run/ringpushd /tmp/logrotate.state
exit $rc
EOS
if unshare --net sh -c "ip link set lo up && exec chroot '$root' /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh /tmp/serve.sh" >"$top/serve.log" 2>&1; then
	served=yes
else
	served=no; cat "$top/serve.log"; cat "$root/var/log/ringpushd/error.log" 2>/dev/null || true
fi
check "the daemon serves a file to curl and stops cleanly on SIGTERM" test "$served" = yes
check "the fetched file is the file served" cmp "$root/tmp/fetched" "$root/srv/ringpush/hello.txt"
check "the daemon gave up root for ringpush" \
	grep -q 'running as ringpush:ringpush' "$root"/var/log/ringpushd/error.log*
check "logrotate moved the first request's access.log aside" \
	grep -q '"GET /hello.txt HTTP/1.1" 200' "$root/var/log/ringpushd/access.log.1"
check "logrotate made the new access.log for ringpush:adm, mode 640" \
	sh -c "test \"\$(chroot '$root' stat -c %U:%G:%a /var/log/ringpushd/access.log)\" = ringpush:adm:640"
check "after SIGUSR1 the next request is in the new access.log" \
	sh -c "test \"\$(grep -c '\"GET /hello.txt HTTP/1.1\" 200' '$root/var/log/ringpushd/access.log')\" = 1"
rm -f "$root/srv/ringpush/hello.txt" "$root/tmp/fetched" "$root/tmp/fetched-again" "$root/tmp/serve.sh"

# Remove keeps the configuration, the logs and the user; purge takes all.
check "apt-get remove succeeds" inroot apt-get remove -y -q ringpush
check "remove keeps /etc/ringpushd.conf" test -f "$root/etc/ringpushd.conf"
check "remove takes the daemon away" test ! -e "$root/usr/sbin/ringpushd"
check "remove keeps the user ringpush" chroot "$root" getent passwd ringpush
check "apt-get purge succeeds" inroot apt-get purge -y -q ringpush
check "purge takes /etc/ringpushd.conf" test ! -e "$root/etc/ringpushd.conf"
check "purge takes /var/log/ringpushd" test ! -e "$root/var/log/ringpushd"
check "purge takes the user and the group" \
	sh -c "! chroot '$root' getent passwd ringpush && ! chroot '$root' getent group ringpush"
check "purge takes the unit's enablement" test ! -e "$root/etc/systemd/system/multi-user.target.wants/ringpushd.service"
inroot apt-get autoremove --purge -y -q >/dev/null 2>&1 || true
rm -f "$root/tmp/$deb" "$root/tmp/upgrade.deb"
snapshot >"$top/after"
if diff "$top/before" "$top/after" >"$top/left"; then
	check "nothing is left after purge (files, users, groups, packages)" true
else
	cat "$top/left"
	check "nothing is left after purge (files, users, groups, packages)" false
fi

end=$(date +%s)
say "make deb took $((built - start)) s, the chroot checks $((end - built)) s"
summary
