#!/usr/bin/env bash
# Builds the book and fails on any warning or error, including a broken {{#include}}:
# the book is part of the product, so it must build clean.
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
