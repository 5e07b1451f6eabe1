#!/usr/bin/env bash
# Checks the built book in headless chromium: every page and print.html at 1280 px and
# 390 px wide; fails on a diagram that did not render, lost its label text or renders too
# small to read, a broken internal link or #anchor, a hidden heading, a table or code
# block that hides its content, or a hint left closed in the print version
# (scripts/browser-check/check.mjs says exactly what it checks).
#   scripts/check-book-in-browser.sh [BUILD_DIR]      (default book/build)
# Installs chromium and the pinned playwright-core first when they are missing
# (scripts/browser-check/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-book/build}"
scripts/browser-check/install.sh
exec node scripts/browser-check/check.mjs "$build"
