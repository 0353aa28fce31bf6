#!/bin/sh
# check-deb-systemd.sh: the Debian package under a real systemd.  Builds it
# with `make deb`, boots a Debian 12 system (an overlay on a cached
# debootstrap base with systemd) with systemd-nspawn, and checks there
# what check-deb.sh cannot check in a chroot: that installing enables and
# starts ringpushd.service, that it runs as ringpush and serves, that
# reload, log rotation, restart and an upgrade keep it serving, that remove
# stops it and keeps the configuration, that purge takes the configuration,
# the logs and the user, and that the journal shows no failure of the unit.
#
# How the container is driven: `systemd-run --machine` and `machinectl
# shell` ask systemd-machined on the host, which needs systemd as the
# host's PID 1, and the console needs a terminal and a login.  So nspawn
# runs with --register=no and --keep-unit (it asks the host's systemd for
# nothing) and each step enters the container's namespaces with nsenter,
# targeting its PID 1, with its root and working directory: the command
# runs in the container's file system, PIDs and network, speaks to the
# container's systemd through its /run/systemd, and hands its output and
# exit status straight back to the check that ran it.
# --private-network leaves the container only its own lo, so port 8080
# of the packaged configuration is this run's alone; apt in there cannot
# download either, so the package's dependencies are fetched into the
# overlay's apt cache beforehand, by chroot.
#
# Run by `make check-deb-systemd`, as root.  Environment:
#   RINGPUSH_DEB        the package `make deb` builds (set by make)
#   MAKE                the make that runs `make deb` (set by make)
#   RINGPUSH_DEB_SYSTEMD_CACHE  where the base is made and kept between
#                       runs [/var/cache/ringpush-check-deb-systemd]
#   RINGPUSH_DEB_MIRROR the Debian mirror for debootstrap and apt
#                       [http://deb.debian.org/debian]
# Skipped, with success and a reason, when not root or a tool is missing.
set -eu
prog=check-deb-systemd
. "$(dirname "$0")/lib.sh"

test "$(id -u)" = 0 || skip "needs root (overlay mounts, systemd-nspawn, nsenter)"
need_tools dpkg-buildpackage dh lintian fakeroot systemd-nspawn nsenter pgrep chroot mount flock awk

start=$(date +%s)
build_deb
built=$(date +%s)

# What the checks need beside minbase: systemd as init, dbus for systemctl,
# curl, logrotate for the package's rule.  Not procps: the unit's reload
# runs its /bin/kill, which the package's Depends must bring.
make_base "${RINGPUSH_DEB_SYSTEMD_CACHE:-/var/cache/ringpush-check-deb-systemd}" \
	ca-certificates,curl,systemd,systemd-sysv,dbus,logrotate,adduser
overlay "$base"

# /root, not /tmp: the booted system mounts a tmpfs on /tmp.
deb=${RINGPUSH_DEB##*/}
cp "$RINGPUSH_DEB" "$root/root/$deb"
repack_upgrade "$root/root/upgrade.deb"
say "fetching what $deb depends on into the apt cache"
inroot "apt-get update -qq && apt-get install --download-only -y -q /root/$deb" \
	>"$top/download.log" 2>&1 || { cat "$top/download.log"; die "cannot download the package's dependencies"; }

# The container; stopped at exit (SIGTERM makes nspawn power it off
# cleanly), killed if it does not go within 30 s.
nspawn_pid=
stop_container () {
	test -n "$nspawn_pid" || return 0
	kill -TERM "$nspawn_pid" 2>/dev/null || true
	tries=0
	while kill -0 "$nspawn_pid" 2>/dev/null && [ "$tries" -lt 300 ]; do
		tries=$((tries + 1)); sleep 0.1
	done
	kill -KILL "$nspawn_pid" 2>/dev/null || true
	wait "$nspawn_pid" 2>/dev/null || true
	nspawn_pid=
}
cleanup_hook=stop_container
say "booting it with systemd-nspawn"
systemd-nspawn --quiet --boot --register=no --keep-unit --private-network \
	--console=read-only --machine="ringpush-check-$$" --directory="$root" \
	>"$top/console.log" 2>&1 </dev/null &
nspawn_pid=$!

# incontainer CMD: a command in the booted container, as root, without a
# terminal.
incontainer () {
	nsenter --target "$init_pid" --all --root --wd /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		LC_ALL=C.UTF-8 SYSTEMD_PAGER= /bin/sh -c "$*"
}

# Its PID 1 is the child of nspawn that is PID 1 in its own PID namespace
# (nspawn's intermediate child is not); then systemd's boot must end.
init_pid=
tries=0
state=
while [ "$tries" -lt 600 ]; do
	tries=$((tries + 1))
	kill -0 "$nspawn_pid" 2>/dev/null || break
	if [ -z "$init_pid" ]; then
		for p in $(pgrep -P "$nspawn_pid" || true); do
			test "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 && init_pid=$p
		done
	fi
	if [ -n "$init_pid" ]; then
		state=$(incontainer systemctl is-system-running --wait 2>/dev/null || true)
		case $state in running|degraded) break ;; esac
	fi
	sleep 0.1
done
case $state in
running) ;;
degraded)
	say "the system booted degraded (not a check of the package):"
	incontainer systemctl --failed --no-legend || true ;;
*)
	tail -n 40 "$top/console.log"
	die "the container did not boot (state '${state:-none}')" ;;
esac

# What the checks read: the unit's main PID and state, GET /blob fetched
# into /root/NAME, a wait of at most 10 s for what the daemon writes
# through its ring (its logs).
mainpid () { incontainer systemctl show -P MainPID ringpushd.service; }
active () { test "$(incontainer systemctl is-active ringpushd.service)" = active; }
main_pid_same () { p=$(mainpid); test "$p" != 0 && test "$p" = "$1"; }
main_pid_new () { p=$(mainpid); test -n "$p" && test "$p" != 0 && test "$p" != "$1"; }
fetch () {
	rm -f "$root/root/$1"
	incontainer curl -fsS -o "/root/$1" http://127.0.0.1:8080/blob &&
		cmp "$root/root/$1" "$root/srv/ringpush/blob"
}
eventually () {
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || return 1
		sleep 0.1
	done
}
access_count () { grep -c '"GET /blob HTTP/1.1" 200' "$root/var/log/ringpushd/$1" 2>/dev/null || true; }
access_has () { test "$(access_count "$1")" = "$2"; }
# error_log_has PATTERN [N]: the error logs, rotated ones too, have a line
# with PATTERN, or exactly N of them.
error_log_has () {
	n=$(cat "$root"/var/log/ringpushd/error.log* 2>/dev/null | grep -c -e "$1" || true)
	if [ $# = 2 ]; then test "$n" = "$2"; else test "$n" -gt 0; fi
}
# runs_as_ringpush PID: every uid and gid of the process is ringpush's.
runs_as_ringpush () {
	u=$(incontainer id -u ringpush) g=$(incontainer id -g ringpush)
	test "$(incontainer "awk '/^(Uid|Gid):/ { print \$2, \$3, \$4, \$5 }' /proc/$1/status")" = \
		"$u $u $u $u
$g $g $g $g"
}
logs_are_ringpush_adm_640 () {
	test "$(chroot "$root" stat -c %U:%G:%a /var/log/ringpushd/error.log \
		/var/log/ringpushd/access.log | sort -u)" = ringpush:adm:640
}
# Counted from the host: the container has no pgrep before procps comes.
no_daemon () { ! pgrep --ns "$init_pid" --nslist pid -x ringpushd; }

say "installing $deb with apt-get under systemd"
if incontainer apt-get install -y -q "/root/$deb" >"$top/install.log" 2>&1; then
	installed=yes
else
	installed=no; cat "$top/install.log"
fi
check "apt-get install ./$deb succeeds under systemd" test "$installed" = yes
check "installing enables ringpushd.service" \
	test "$(incontainer systemctl is-enabled ringpushd.service)" = enabled
check "installing starts ringpushd.service (active)" active
pid=$(mainpid)
check "its main PID runs as user and group ringpush (real, effective, saved)" \
	runs_as_ringpush "$pid"
check "the log files are ringpush:adm, mode 640" \
	logs_are_ringpush_adm_640

# 1 MiB and 7 bytes of random data, so that the copy is checked byte for
# byte past any buffer or page boundary.
head -c 1048583 /dev/urandom >"$root/srv/ringpush/blob"
check "curl gets /blob from 127.0.0.1:8080 byte for byte" fetch installed
check "the access log records the request" eventually access_has access.log 1

check "systemctl reload succeeds" incontainer systemctl reload ringpushd.service
check "after the reload the unit is active" active
check "after the reload the main PID is the same" main_pid_same "$pid"
check "after the reload it still serves" fetch reloaded
check "the error log records the reload" \
	eventually error_log_has 'reload: /etc/ringpushd.conf applied'

# SIGUSR1 with the files postinst made still in place: the daemon, no
# longer root, must be able to open them again.  The request after it is
# logged once the daemon has dealt with the signal.
incontainer systemctl kill -s USR1 ringpushd.service
check "SIGUSR1 makes the daemon reopen its logs" \
	eventually error_log_has 'SIGUSR1: reopening the logs' 1
check "after SIGUSR1 it still serves" fetch reopened
check "the request after SIGUSR1 is logged" eventually access_has access.log 3
check "the daemon could open the package's log files as ringpush" \
	sh -c "! cat '$root'/var/log/ringpushd/error.log | grep -q 'cannot reopen'"

# The package's rule, forced: logrotate moves the logs aside, makes new
# ones for ringpush and has systemd send SIGUSR1.
check "logrotate -f with the package's rule succeeds" \
	incontainer logrotate -f /etc/logrotate.d/ringpushd
check "the daemon reopens its logs (error log says so)" \
	eventually error_log_has 'SIGUSR1: reopening the logs' 2
check "the first requests stay in access.log.1" access_has access.log.1 3
check "after rotation it still serves" fetch rotated
check "the next request is in the new access.log" eventually access_has access.log 1
check "the new logs are ringpush:adm, mode 640" \
	logs_are_ringpush_adm_640

check "systemctl restart succeeds" incontainer systemctl restart ringpushd.service
check "after the restart the unit is active" active
check "after the restart the main PID is a new one" main_pid_new "$pid"
check "after the restart it serves" fetch restarted
pid=$(mainpid)

# An upgrade over an edited configuration (lib.sh's repack: a higher
# version with a changed default).  dpkg would ask; with --force-confold
# the edit stays.  debhelper restarts the service after the upgrade.
incontainer "sed -i 's/^log_level = info\$/log_level = debug/' /etc/ringpushd.conf"
check "an upgrade over an edited /etc/ringpushd.conf succeeds" \
	incontainer apt-get install -y -q -o Dpkg::Options::=--force-confold /root/upgrade.deb
check "the upgrade is installed" \
	sh -c "chroot '$root' dpkg-query -W -f='\${Version}' ringpush | grep -q '+check1\$'"
check "the edited configuration survives the upgrade" grep -qx 'log_level = debug' "$root/etc/ringpushd.conf"
check "after the upgrade the unit is active" active
check "the upgrade restarted the service (a new main PID)" main_pid_new "$pid"
check "the restarted daemon runs with the edited configuration" \
	eventually error_log_has ': debug: '
check "after the upgrade it serves" fetch upgraded

check "apt-get remove succeeds" incontainer apt-get remove -y -q ringpush
check "remove stops the service (inactive)" \
	test "$(incontainer systemctl is-active ringpushd.service || true)" = inactive
check "no ringpushd process is left" no_daemon
check "remove keeps /etc/ringpushd.conf" test -f "$root/etc/ringpushd.conf"

check "apt-get purge succeeds" incontainer apt-get purge -y -q ringpush
check "purge takes /etc/ringpushd.conf" test ! -e "$root/etc/ringpushd.conf"
check "purge takes /var/log/ringpushd" test ! -e "$root/var/log/ringpushd"
check "purge takes the user and the group" \
	sh -c "! chroot '$root' getent passwd ringpush && ! chroot '$root' getent group ringpush"

# systemd's own words on the unit: a failed start, reload or stop, an
# unclean exit, a restart after a crash.
incontainer journalctl --no-pager -o short-monotonic -u ringpushd.service \
	>"$top/journal" 2>&1 || true
if grep -E -q 'Failed with result|Failed to start|Reload failed|Control process exited|code=(killed|dumped)|status=[1-9]|Scheduled restart' "$top/journal"; then
	cat "$top/journal"
	check "the journal shows no failure of ringpushd.service" false
else
	check "the journal shows no failure of ringpushd.service" grep -q 'Started ringpushd.service' "$top/journal"
fi

end=$(date +%s)
say "make deb took $((built - start)) s, the systemd checks $((end - built)) s"
summary
