#!/usr/bin/env bash
# Step 1: CreationMode::get against a scripted kernel. `step01-probe creation-mode` plays
# the kernel: --answers says what each *get call returns (an id or an errno), and the tool
# prints every call the code asked for. Shown in book/src/step01-message-queue.md
# (exercise 1.2).
source "$(dirname "$0")/lib.sh"
build_solutions step01-message-queue

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step01-probe creation-mode --mode create-exclusive --answers EEXIST'
run 'step01-probe creation-mode --mode open-or-create --answers 4'
run 'step01-probe creation-mode --mode open-or-create --answers EEXIST,5'
run 'step01-probe creation-mode --mode open-or-create --answers EEXIST,ENOENT,6'
run 'step01-probe creation-mode --mode open-or-create --answers EEXIST,EACCES'
