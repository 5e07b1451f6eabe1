#!/usr/bin/env bash
# Installs what the browser check of the book needs, when it is missing:
#   - Debian's chromium (/usr/bin/chromium), with apt-get (through sudo unless root);
#   - playwright-core, the version pinned in package-lock.json, into node_modules/ here
#     (npm ci: nothing outside this directory; it drives the system's chromium and
#     downloads no browser of its own).
# Needs Node.js 20 or later and npm. Safe to run again: it does nothing when all is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x /usr/bin/chromium ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    echo "browser check: installing Debian's chromium with apt-get (once) ..."
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq chromium > /dev/null
    /usr/bin/chromium --version 2> /dev/null || true
fi

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "browser check: Node.js 20 or later and npm are needed (apt-get install nodejs npm)" >&2
    exit 2
fi
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    echo "browser check: Node.js $(node --version) is too old; 20 or later is needed" >&2
    exit 2
fi

wanted=$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' \
    "$here/package-lock.json")
have=$(node -p 'try { require(process.argv[1]).version } catch { "" }' \
    "$here/node_modules/playwright-core/package.json")
if [ "$have" != "$wanted" ]; then
    echo "browser check: installing playwright-core $wanted into scripts/browser-check/node_modules ..."
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
