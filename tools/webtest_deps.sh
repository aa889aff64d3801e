#!/bin/sh
# What the browser test (tests/e2e/85_web.sh) needs beyond tools/deps.sh's
# Debian packages: puppeteer-core from npm, installed into the build tree
# (DIR/node_modules), never a browser of its own — it drives Debian's
# /usr/bin/chromium. tools/webtest_deps.sh DIR installs it when missing;
# when npm cannot reach its registry it stops with the exact command and
# exits 1, so the test fails rather than passes without a browser.
set -u
dir=$1
version=24.43.1	# works with node 20 and Debian's chromium 156
[ -f "$dir/node_modules/puppeteer-core/package.json" ] &&
	grep -q "\"version\": \"$version\"" "$dir/node_modules/puppeteer-core/package.json" && exit 0
cmd="PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --prefix $dir puppeteer-core@$version"
if ! command -v npm >/dev/null 2>&1; then
	echo "webtest: npm is missing; run as root: apt-get install -y nodejs npm, then: $cmd" >&2
	exit 1
fi
mkdir -p "$dir"
echo "webtest: installing puppeteer-core $version into $dir (no browser download)" >&2
if ! PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --prefix "$dir" \
	"puppeteer-core@$version" >&2; then
	echo "webtest: could not install puppeteer-core; run: $cmd" >&2
	exit 1
fi
