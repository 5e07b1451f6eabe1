# Shared by the transcript scripts (sourced, never run on its own). A transcript prints each
# command as `$ COMMAND` and then runs it, so that the book shows exactly what was typed and
# what it printed. scripts/refresh-book-output.sh runs the scripts and tidies their output.

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# Re-runs the calling script in a private IPC namespace when the system allows it, so that
# `ipcs` shows the script's own objects only (not those of a grader running at the same
# time) and queue ids start at 0 on every run. Falls back to the shared namespace.
private_ipc_namespace() {
    [ -n "${TRANSCRIPT_PRIVATE_IPC:-}" ] && return 0
    export TRANSCRIPT_PRIVATE_IPC=1
    if unshare --ipc true 2>/dev/null; then
        exec unshare --ipc bash "$0" "$@"
    elif unshare --user --map-root-user --ipc true 2>/dev/null; then
        exec unshare --user --map-root-user --ipc bash "$0" "$@"
    fi
}

# Builds the solutions' binaries quietly (only the packages named, if any, so that a step
# being written elsewhere in the workspace does not stop the others' transcripts);
# transcripts run them from solutions/target/debug.
build_solutions() {
    local packages=()
    for package in "$@"; do packages+=(--package "$package"); done
    cargo build -q --manifest-path solutions/Cargo.toml "${packages[@]}" >/dev/null 2>&1 \
        || { echo "transcript: cannot build the solutions ($*)" >&2; exit 1; }
}

# Prints `$ COMMAND` and runs COMMAND in this shell, so that variables, `cd`, pipes and `&`
# behave as typed. Its output is flushed before the next command is printed.
run() {
    echo "\$ $1"
    eval "$1"
}
