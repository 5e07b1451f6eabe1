#!/usr/bin/env bash
# Step 3: who receives a message of each mtype, and a pid that cannot be a mailbox.
# Shown in book/src/step03-architecture.md ("Routing").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec route 1'
run 'step03-codec route 4242'
run 'step03-codec route 0'
run 'step03-codec route -7'
run 'step03-codec route 2147483648'
run 'step03-codec encode who --pid 1'
run 'step03-codec decode --hex "$(step03-codec encode who --pid 1)"'
