#!/usr/bin/env bash
# Prints one line per System V object (kind, key, id), sorted: `make test` compares the
# snapshot taken before with the one taken after to prove nothing leaked.
set -euo pipefail
for kind in q m s; do
    ipcs -"$kind" | awk -v kind="$kind" '$1 ~ /^0x/ {print kind, $1, $2}'
done | sort
