#!/usr/bin/env bash
# Builds the book and fails on any warning or error, including a broken {{#include}}:
# the book is part of the product, so it must build clean. Then checks the result in a
# browser (below).
set -uo pipefail
mdbook="$1"
tools="$2"
cargo xtask check-book || exit 1
output=$(PATH="$tools:$PATH" "$mdbook" build book 2>&1)
status=$?
echo "$output"
problems=$(echo "$output" | grep -Ei 'warn|error' || true)
if [ "$status" -ne 0 ] || [ -n "$problems" ]; then
    echo "the book did not build cleanly:" >&2
    echo "$problems" >&2
    exit 1
fi
echo "book built into book/build (open book/build/index.html)"
# Then the rendered pages, in headless chromium: diagrams that rendered, kept their text
# and are readable, links and anchors, headings, tables, code blocks, print.html's hints
# (scripts/browser-check/check.mjs). It installs chromium (apt-get) and playwright-core
# (npm, into scripts/browser-check/node_modules) the first time. BOOK_BROWSER_CHECK=0
# skips it, for a quick build to read.
if [ "${BOOK_BROWSER_CHECK:-1}" != 0 ]; then
    scripts/check-book-in-browser.sh book/build || exit 1
fi
