#!/bin/sh
# run.sh [SCRIPT] - the web view in a real browser: installs playwright-core
# and axe-core (npm, cached in the build directory; lib.cjs runs axe-core's
# accessibility rules on the pages) and runs SCRIPT (default web.cjs)
# against the built gatewayd and gatewayctl with Debian's headless
# Chromium.  Each script holds one scenario; lib.cjs starts and stops
# the daemon and the browser around it.
#
# Usage: run.sh [SCRIPT] (default web.cjs, in this folder).
# Environment: GATEWAYD, GATEWAYCTL (programs), GW_BUILD_DIR (npm cache and
# screenshots), CHROMIUM (default /usr/bin/chromium).
# Exits 77 (skipped) only when node or chromium is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1; then
	echo "browser test skipped: node is not installed"
	exit 77
fi
if [ ! -x "$chromium" ]; then
	echo "browser test skipped: $chromium is not installed"
	exit 77
fi
node_dir=$GW_BUILD_DIR/node
if [ ! -f "$node_dir/node_modules/playwright-core/package.json" ] ||
   [ ! -f "$node_dir/node_modules/axe-core/axe.min.js" ]; then
	mkdir -p "$node_dir"
	# No browser download: playwright-core drives the system Chromium.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$node_dir" \
		--no-audit --no-fund --loglevel=error playwright-core@1.57 axe-core@4.10
fi
export PLAYWRIGHT_CORE="$node_dir/node_modules/playwright-core"
export AXE_CORE="$node_dir/node_modules/axe-core/axe.min.js"
export CHROMIUM="$chromium"
export SCREENSHOT_DIR="$GW_BUILD_DIR/screenshots"
exec node "$here/${1:-web.cjs}"
