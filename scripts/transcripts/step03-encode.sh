#!/usr/bin/env bash
# Step 3: one request of each kind encoded to bytes, decoded back, and the largest request.
# Shown in book/src/step03-architecture.md ("The queue protocol").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec encode join --pid 4242 --name alice'
run 'step03-codec encode say --pid 4242 --text "héllo"'
run 'step03-codec encode private --pid 4242 --to bob --text "hi"'
run 'step03-codec encode who --pid 4242'
run 'step03-codec encode leave --pid 4242'
run 'step03-codec decode --hex "01 01 92 10 00 00 05 61 6c 69 63 65"'
run 'step03-codec encode private --pid 4242 --to bob --text "hi" --raw | step03-codec decode'
run 'step03-codec encode private --to 0123456789abcdef --text "$(printf "%0472d" 0)" --raw | wc -c'
