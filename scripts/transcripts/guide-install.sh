#!/usr/bin/env bash
# The user guide's installation: building ipc-chat from the repository with cargo (debug
# and release), where the binary lands, and `cargo install` into a directory of the
# transcript's own (offline: the dependencies are those of solutions/Cargo.lock, already
# downloaded), then `cargo uninstall`. Build times change from run to run. Shown in
# book/src/user-guide.md ("Installing").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/step04-common.bash"
build_solutions step07-ipc-chat
step04_private_tmp
trap step04_remove_private_tmp EXIT

run '(cd solutions && cargo build -p step07-ipc-chat)'
run 'ls solutions/target/debug/ipc-chat'
run '(cd solutions && cargo build --release -p step07-ipc-chat)'
run 'ls solutions/target/release/ipc-chat'
run 'solutions/target/release/ipc-chat --version'
run 'cargo install --locked --offline --path solutions/07-ipc-chat --root "$TMPDIR/inst"'
run '"$TMPDIR/inst/bin/ipc-chat" --version'
run 'cargo uninstall --root "$TMPDIR/inst" step07-ipc-chat'
