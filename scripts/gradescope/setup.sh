#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. It installs
# what is missing (a C compiler, curl, python3; the Rust toolchain the package was tested
# with, through rustup), then compiles the course's graders and dependencies in the work
# copy, so that grading a submission compiles only the student's crates.
#
# Run anywhere else, it installs nothing that is already there: with cargo of the right
# version, a C compiler and python3 on PATH it only compiles. The paths can be moved with
# the variables listed in lib.sh.
set -euo pipefail
AUTOGRADER_SOURCE=${AUTOGRADER_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=lib.sh
source "$AUTOGRADER_SOURCE/lib.sh"

want=$(rust_version)
echo "setup: the course's graders, Rust $want, steps $(graded_steps | tr '\n' ' ')"

# System packages, only those missing (apt-get, as on Gradescope's Ubuntu images).
missing=()
command -v cc >/dev/null || missing+=(build-essential)
command -v curl >/dev/null || missing+=(curl ca-certificates)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "setup: missing ${missing[*]}, and this is not root with apt-get: install them" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Rust toolchain, at the version the package was tested with.
have=$(rustc --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
    if ! command -v rustup >/dev/null; then
        echo "setup: installing rustup and Rust $want"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
            sh -s -- -y --no-modify-path --profile minimal --default-toolchain "$want"
    else
        echo "setup: installing Rust $want with rustup (found: ${have:-none})"
        rustup toolchain install "$want" --profile minimal
        rustup default "$want"
    fi
fi
rustc --version

# Compile the graders and the skeleton (and with them every dependency) where grading
# will compile them again, so that only what a submission changes is rebuilt later.
# The dependencies, at the versions of the course's Cargo.lock. A lock file that does not
# match the manifests of its commit is brought up to date in the pristine copy (with a
# warning: the versions are then the newest that fit, not the ones the course was tested
# with); scripts/build-gradescope.sh warns about it before the package is uploaded.
if ! (cd "$PRISTINE" && cargo fetch --locked); then
    echo "setup: warning: the course's Cargo.lock does not match its Cargo.toml files; updating it" >&2
    (cd "$PRISTINE" && cargo fetch)
fi
fresh_work_copy
cd "$COURSE"
for step in $(graded_steps); do
    cargo test --locked --quiet --no-run --test "step$(printf '%02d' "$step")"
done
cargo build --locked --quiet --bins
echo "setup: done"
