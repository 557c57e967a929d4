#!/bin/sh
# po_check.sh check|update SOURCE_DIR WORK_DIR
#
# Extracts every text marked for translation (_(), N_(), ngettext(),
# pgettext()) from the C sources into WORK_DIR/gatewayd.pot, then
#   check:  fails when a catalog po/LANG.po (po/LINGUAS) lacks a
#           translation of one of them or has a fuzzy one, naming each;
#           with GW_PO_STRICT=0 it only warns.
#   update: merges it into every po/LANG.po (`make po`), for translators
#           to fill in what is new.  The template stays in WORK_DIR: it is
#           made from the sources, never kept in git.
set -eu
mode=$1 src=$2 work=$3
for tool in xgettext msgmerge msgattrib msgfmt; do
	command -v $tool >/dev/null 2>&1 ||
		{ echo "skipped: $tool is not installed (package gettext)"; exit 77; }
done
mkdir -p "$work"
pot=$work/gatewayd.pot

cd "$src"
# File names without line numbers in the catalogs: a change elsewhere in a
# file does not rewrite every catalog (and branches merge).
find common store mta-hooks web-lite gatewayd -name '*.c' | LC_ALL=C sort > "$work/po-files"
xgettext --language=C --from-code=UTF-8 --no-wrap --sort-by-file --add-location=file \
	--keyword=_ --keyword=N_ --keyword=ngettext:1,2 --keyword=pgettext:1c,2 \
	--add-comments=TRANSLATORS: --package-name=gatewayd \
	--msgid-bugs-address=root@localhost \
	--files-from="$work/po-files" -o "$pot.new"
# The header's creation date changes every run: keep the old file when
# nothing else did.
if [ -f "$pot" ] && diff -q -I '^"POT-Creation-Date' "$pot" "$pot.new" >/dev/null; then
	rm -f "$pot.new"
else
	mv "$pot.new" "$pot"
fi

langs=$(grep -v '^#' po/LINGUAS | tr -s ' \n' ' ')
if [ "$mode" = update ]; then
	for l in $langs; do
		msgmerge --quiet --update --backup=none --no-wrap --add-location=file po/$l.po "$pot"
		msgfmt --statistics -o /dev/null po/$l.po
	done
	exit 0
fi

bad=0
for l in $langs; do
	merged=$work/$l.merged.po
	msgmerge --quiet --no-wrap -o "$merged" po/$l.po "$pot"
	missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$merged" | grep '^msgid "' | grep -v '^msgid ""$' || true)
	fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$merged" | grep '^msgid "' | grep -v '^msgid ""$' || true)
	if [ -n "$missing$fuzzy" ]; then
		bad=1
		echo "po/$l.po does not translate every text of the sources:" >&2
		[ -z "$missing" ] || { echo "  missing:" >&2; echo "$missing" | sed 's/^/    /' >&2; }
		[ -z "$fuzzy" ] || { echo "  fuzzy (check and remove the fuzzy flag):" >&2; echo "$fuzzy" | sed 's/^/    /' >&2; }
	fi
done
if [ $bad = 1 ]; then
	echo "run \`make po\` (or cmake --build BUILD --target po) to merge the new texts into po/*.po, translate them, and build again" >&2
	[ "${GW_PO_STRICT:-1}" = 0 ] || exit 1
fi
exit 0
