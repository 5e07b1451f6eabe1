#!/usr/bin/env bash
# Step 3: 100,000 random and mutated inputs thrown at both decoders (a fixed seed, so the
# book's numbers are reproducible). Shown in book/src/step03-architecture.md.
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec fuzz --cases 100000 --seed 1'
