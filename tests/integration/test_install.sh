#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR - install the build into a DESTDIR
# temp root and check what a postmaster would find there: the programs,
# man pages, guides, example config, units, sysusers and tmpfiles
# snippets.  The snippets are applied to a scratch root (the user and the
# directories appear there), and the units pass `systemd-analyze verify`
# with their Exec paths pointed at the DESTDIR copies (verify insists that
# the programs exist) and MANPATH at the installed man pages (it checks
# Documentation=).  Exit 0 pass, 1 fail, 77 when systemd-analyze is missing
# (the file checks ran).  KEEP=1 keeps the temp directory.
set -eu

BUILD=$(cd "${1:?usage: test_install.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: test_install.sh BUILD_DIR SOURCE_DIR}" && pwd)
PATH=$PATH:/usr/sbin:/sbin
T=$(mktemp -d /tmp/gw-install-test.XXXXXX)
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$T/root cmake --install "$BUILD" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "cmake --install"; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
P=$T/root$prefix
if [ "$prefix" = /usr ]; then UNITDIR=$T/root/lib/systemd/system; else UNITDIR=$P/lib/systemd/system; fi
echo "prefix $prefix"

for f in sbin/gatewayd sbin/gatewayctl libexec/gatewayd/gatewayd-pipe \
	libexec/gatewayd/gatewayd-pipe-local; do
	[ -x "$P/$f" ] || fail "$prefix/$f is missing or not executable"
done
# Every man page in docs/, and those the postmaster is promised.
for page in "$SRC"/docs/*.[58]; do
	[ -e "$page" ] || continue
	sec=${page##*.}
	[ -f "$P/share/man/man$sec/$(basename "$page")" ] ||
		fail "man page $(basename "$page") not installed"
done
for page in man8/gatewayd.8 man8/gatewayctl.8 man5/gatewayd.conf.5; do
	[ -f "$P/share/man/$page" ] || fail "man page $page missing"
done
[ -f "$P/share/doc/gatewayd/examples/gatewayd.conf.example" ] || fail "example config missing"
for po in "$SRC"/po/*.po; do
	l=$(basename "$po" .po)
	[ -f "$P/share/gatewayd/locale/C/LC_MESSAGES/gatewayd-$l.mo" ] || fail "catalog $l not installed"
done
for guide in "$SRC"/docs/*.md; do
	[ -e "$guide" ] || continue
	[ -f "$P/share/doc/gatewayd/$(basename "$guide")" ] ||
		fail "guide $(basename "$guide") not installed"
done
for f in lib/sysusers.d/gatewayd.conf lib/tmpfiles.d/gatewayd.conf; do
	[ -f "$P/$f" ] || fail "$prefix/$f missing"
done
for u in gatewayd.service gatewayd.socket; do
	[ -f "$UNITDIR/$u" ] || fail "unit $u not in ${UNITDIR#"$T"/root}"
done
grep -qx "ExecStart=$prefix/sbin/gatewayd -c /etc/gatewayd/gatewayd.conf" \
	"$UNITDIR/gatewayd.service" || fail "ExecStart does not name $prefix/sbin/gatewayd"
if grep -q "$T\|$BUILD" "$UNITDIR/gatewayd.service"; then
	fail "the unit names a build or staging path"
fi
if [ "$prefix" != /usr ] && [ -e "$T/root/etc" ]; then
	fail "a $prefix install wrote to /etc"
fi

# The snippets, applied to a scratch root.
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	S=$T/sys
	mkdir -p "$S/etc" "$S/var/lib"
	systemd-sysusers --root="$S" "$P/lib/sysusers.d/gatewayd.conf" >"$T/sysusers.log" 2>&1 ||
		{ cat "$T/sysusers.log"; fail "systemd-sysusers rejects the snippet"; }
	grep -q '^gatewayd:' "$S/etc/passwd" || fail "sysusers made no user gatewayd"
	systemd-tmpfiles --root="$S" --create "$P/lib/tmpfiles.d/gatewayd.conf" ||
		fail "systemd-tmpfiles rejects the snippet"
	for d in var/lib/gatewayd var/lib/gatewayd/attachments etc/gatewayd; do
		[ -d "$S/$d" ] || fail "tmpfiles made no /$d"
	done
	[ "$(stat -c %a "$S/var/lib/gatewayd")" = 750 ] || fail "/var/lib/gatewayd is not 0750"
	[ "$(stat -c %a "$S/etc/gatewayd")" = 750 ] || fail "/etc/gatewayd is not 0750"
fi

if ! command -v systemd-analyze >/dev/null; then
	echo "skipped: systemd-analyze is not installed (the files are in place)"
	exit 77
fi
mkdir "$T/units"
sed "s|^\(Exec[A-Za-z]*=[-+!@]*\)$prefix/|\1$P/|" "$UNITDIR/gatewayd.service" \
	>"$T/units/gatewayd.service"
cp "$UNITDIR/gatewayd.socket" "$T/units/"
if ! MANPATH=$P/share/man systemd-analyze verify "$T/units/gatewayd.service" \
	"$T/units/gatewayd.socket" >"$T/verify.log" 2>&1 || [ -s "$T/verify.log" ]; then
	cat "$T/verify.log"
	fail "systemd-analyze verify"
fi
echo "ok: installed files in place, units verified"
