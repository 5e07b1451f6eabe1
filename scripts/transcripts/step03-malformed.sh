#!/usr/bin/env bash
# Step 3: every class of malformed request and the error the decoder names (exit status 1).
# Shown in book/src/step03-architecture.md ("Validation").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec decode --hex ""; echo "exit status $?"'
run 'step03-codec decode --hex "02 01 92 10 00 00 01 61"'
run 'step03-codec decode --hex "01 09 92 10 00 00"'
run 'step03-codec decode --hex "01 81 05 61 6c 69 63 65"'
run 'step03-codec decode --hex "01 01 92 10"'
run 'step03-codec decode --hex "01 01 92 10 00 00 09 61 6c 69 63 65"'
run 'step03-codec decode --hex "01 01 92 10 00 00 03 61 6c 69 63 65"'
run 'step03-codec decode --hex "01 02 92 10 00 00 02 00 c3 28"'
run 'step03-codec decode --hex "01 01 92 10 00 00 03 62 2f 62"'
run 'step03-codec decode --hex "01 02 92 10 00 00 04 00 1b 5b 32 4a"'
run 'step03-codec decode --hex "01 02 92 10 00 00 d9 01 $(printf "61 %.0s" $(seq 473))"'
run 'step03-codec decode --hex "01 04 01 00 00 00"'
