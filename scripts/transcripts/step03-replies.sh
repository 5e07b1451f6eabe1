#!/usr/bin/env bash
# Step 3: server-to-client replies decoded from their bytes (Welcome, Rejected, Private,
# Who, Bye), and a request's bytes that are not a reply. Shown in
# book/src/step03-architecture.md ("The queue protocol").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec decode --reply --hex "01 81 05 61 6c 69 63 65"'
run 'step03-codec decode --reply --hex "01 82 01 0e 00 61 6c 69 63 65 20 69 73 20 74 61 6b 65 6e"'
run 'step03-codec decode --reply --hex "01 83 05 61 6c 69 63 65 00 68 e5 cf 8b 01 00 00 04 00 70 73 73 74"'
run 'step03-codec decode --reply --hex "01 84 02 05 61 6c 69 63 65 03 62 6f 62"'
run 'step03-codec decode --reply --hex "01 85 0f 00 73 65 72 76 65 72 20 73 74 6f 70 70 69 6e 67"'
run 'step03-codec decode --reply --hex "01 82 07 00 00"'
run 'step03-codec decode --reply --hex "01 84 41"'
run 'step03-codec decode --reply --hex "01 01 92 10 00 00 05 61 6c 69 63 65"'
