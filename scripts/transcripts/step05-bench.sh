#!/usr/bin/env bash
# What the log costs the server: step05-bench hands the same requests to step 4's server
# (ring only) and to step 5's (log, then ring), taking turns, and compares the medians. A
# release build, on this machine; the numbers change from run to run. It runs in a private
# IPC namespace, so that its two throwaway rooms meet nobody else's objects. Shown in
# book/src/step05-mmap-log.md ("Measured: what the log costs").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
cargo build -q --release --manifest-path solutions/Cargo.toml --bin step05-bench >/dev/null 2>&1 \
    || { echo "transcript: cannot build step05-bench" >&2; exit 1; }

run 'stat -f -c "the temporary directory is on a file system of type %T" "${TMPDIR:-/tmp}"'
run 'cargo run --quiet --release --manifest-path solutions/Cargo.toml --bin step05-bench'
