#!/bin/sh
# test_deb.sh BUILD_DIR SOURCE_DIR GATEWAYD CMAKE - build the Debian
# package from this build with cpack and check it without installing it
# (dpkg --root cannot run maintainer scripts faithfully): the file list
# and modes, the control data (dependencies from dpkg-shlibdeps, the
# conffile, the maintainer scripts), the units (ExecStart in /usr/sbin,
# systemd-analyze verify against the unpacked programs), and the shipped
# config, which must keep gatewayd from starting until [mail] from and
# reply_domain are set.  Exit 0 pass, 1 fail, 77 skipped (dpkg-deb or
# dpkg-shlibdeps missing).  KEEP=1 keeps the temp directory.
set -eu

BUILD=$(cd "${1:?usage: test_deb.sh BUILD_DIR SOURCE_DIR GATEWAYD CMAKE}" && pwd)
SRC=$(cd "${2:?}" && pwd)
GATEWAYD=${3:?}
CMAKE=${4:?}
PATH=$PATH:/usr/sbin:/sbin
for tool in dpkg-deb dpkg-shlibdeps; do
	if ! command -v $tool >/dev/null; then
		echo "skipped: $tool is not installed (apt-get install dpkg-dev)"
		exit 77
	fi
done
CPACK=$(dirname "$CMAKE")/cpack
[ -x "$CPACK" ] || CPACK=cpack

T=$(mktemp -d /tmp/gw-deb-test.XXXXXX)
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$BUILD" && "$CPACK" -G DEB -B "$T/out" --config "$BUILD/CPackConfig.cmake") \
	>"$T/cpack.log" 2>&1 || { cat "$T/cpack.log"; fail "cpack -G DEB"; }
set -- "$T"/out/gatewayd_*.deb
[ -f "$1" ] || fail "no gatewayd_*.deb in the cpack output"
DEB=$1
echo "built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"

# Control data.
[ "$(dpkg-deb -f "$DEB" Package)" = gatewayd ] || fail "Package is not gatewayd"
deps=$(dpkg-deb -f "$DEB" Depends)
# libcurl: libcurl3-gnutls (libetpan-dev needs the GnuTLS -dev package), or
# libcurl4 when built against the OpenSSL one.
for lib in libc6 libsqlite3 libssl3 libgmime-3.0 libevent libjansson libetpan \
	libcmark libinih libsystemd0 libarchive13 libcurl libicu; do
	case "$deps" in *"$lib"*) ;; *) fail "Depends lacks $lib: $deps" ;; esac
done
[ -n "$(dpkg-deb -f "$DEB" Maintainer)" ] || fail "no Maintainer"
dpkg-deb -e "$DEB" "$T/control"
grep -qx /etc/gatewayd/gatewayd.conf "$T/control/conffiles" || fail "the config is not a conffile"
for s in postinst prerm postrm; do
	[ -x "$T/control/$s" ] || fail "$s missing or not executable"
	sh -n "$T/control/$s" || fail "$s is not valid sh"
done
grep -q systemd-sysusers "$T/control/postinst" || fail "postinst does not create the user"
grep -q 'systemd-tmpfiles --create' "$T/control/postinst" || fail "postinst does not create the directories"
if grep -Eq '^[[:space:]]*(systemctl|deb-systemd-invoke) +(start|enable|restart)' \
	"$T/control/postinst"; then
	fail "postinst starts or enables the service before it is configured"
fi

# Contents: path and mode.
dpkg-deb -c "$DEB" | awk '{ print $1, $6 }' >"$T/contents"
want() {
	grep -qx -e "$1 $2" "$T/contents" || fail "$2 with mode $1 is not in the package"
}
want -rwxr-xr-x ./usr/sbin/gatewayd
want -rwxr-xr-x ./usr/sbin/gatewayctl
want -rwxr-xr-x ./usr/libexec/gatewayd/gatewayd-pipe
want -rwxr-xr-x ./usr/libexec/gatewayd/gatewayd-pipe-local
want -rw-r----- ./etc/gatewayd/gatewayd.conf
want -rw-r--r-- ./lib/systemd/system/gatewayd.service
want -rw-r--r-- ./lib/systemd/system/gatewayd.socket
want -rw-r--r-- ./usr/lib/sysusers.d/gatewayd.conf
want -rw-r--r-- ./usr/lib/tmpfiles.d/gatewayd.conf
want -rw-r--r-- ./usr/share/man/man8/gatewayd.8
want -rw-r--r-- ./usr/share/man/man8/gatewayctl.8
want -rw-r--r-- ./usr/share/man/man5/gatewayd.conf.5
want -rw-r--r-- ./usr/share/doc/gatewayd/examples/gatewayd.conf.example
# the message catalogs, where an installed gatewayd looks (common/i18n.h)
for po in "$SRC"/po/*.po; do
	want -rw-r--r-- "./usr/share/gatewayd/locale/C/LC_MESSAGES/gatewayd-$(basename "$po" .po).mo"
done
for guide in "$SRC"/docs/*.md; do
	[ -e "$guide" ] || continue
	want -rw-r--r-- "./usr/share/doc/gatewayd/$(basename "$guide")"
done
if grep -q ' \./usr/local\| \./home\| \./tmp\| \./work' "$T/contents"; then
	fail "the package holds files outside the system's directories"
fi
if dpkg-deb -c "$DEB" | awk '{ print $2 }' | grep -qv '^root/root$'; then
	fail "a file in the package is not root/root"
fi

# The unpacked files.
X=$T/x
dpkg-deb -x "$DEB" "$X"
grep -qx 'ExecStart=/usr/sbin/gatewayd -c /etc/gatewayd/gatewayd.conf' \
	"$X/lib/systemd/system/gatewayd.service" || fail "ExecStart is not /usr/sbin/gatewayd"
if grep -rq "$BUILD\|_CPack_Packages" "$X/lib/systemd/system" "$X/etc"; then
	fail "a unit or the config names a build path"
fi
if command -v systemd-analyze >/dev/null; then
	mkdir "$T/units"
	sed "s|^\(Exec[A-Za-z]*=[-+!@]*\)/usr/|\1$X/usr/|" \
		"$X/lib/systemd/system/gatewayd.service" >"$T/units/gatewayd.service"
	cp "$X/lib/systemd/system/gatewayd.socket" "$T/units/"
	if ! MANPATH=$X/usr/share/man systemd-analyze verify "$T/units/gatewayd.service" \
		"$T/units/gatewayd.socket" >"$T/verify.log" 2>&1 || [ -s "$T/verify.log" ]; then
		cat "$T/verify.log"
		fail "systemd-analyze verify on the packaged units"
	fi
fi

# The shipped config stops the daemon until the postmaster sets the two
# addresses; with them set, it loads.
conf=$X/etc/gatewayd/gatewayd.conf
rc=0
"$GATEWAYD" -c "$conf" --check-config >"$T/check.out" 2>"$T/check.err" || rc=$?
[ "$rc" = 78 ] || fail "gatewayd --check-config on the shipped config: exit $rc, want 78"
grep -q 'missing required value' "$T/check.err" || { cat "$T/check.err"; fail "no 'missing required value'"; }
sed -e 's/^# from = .*/from = chat@firm.example/' \
	-e 's/^# reply_domain = .*/reply_domain = reply.firm.example/' "$conf" >"$T/set.conf"
"$GATEWAYD" -c "$T/set.conf" --check-config >"$T/check.out" 2>"$T/check.err" || true
grep -q '^\[mail\] reply_domain = reply.firm.example' "$T/check.out" ||
	{ cat "$T/check.err"; fail "the shipped config does not load once from and reply_domain are set"; }
echo "ok: package contents, control data, units and config checked"
