# Shared by the step 4 transcripts (sourced after lib.sh; not a transcript itself, hence
# not named *.sh). It gives the script a private temporary directory and shows paths as if
# they were directly under /tmp:
#
# - `mktemp -d -t ipc-course-XXXXXX` then makes the room inside that private directory, so
#   no `make clean-ipc` running elsewhere on the machine (which removes leftover
#   `ipc-course-*` directories under the temporary directory) can take it away mid-run;
# - `make clean-ipc` and `cargo xtask clean-ipc` in the transcript then only look at this
#   script's own directories, never at those of a grader running at the same time;
# - the output replaces the private directory's path with /tmp, which is what a reader who
#   types the same commands sees (refresh-book-output.sh then blanks the random part).

step04_private_tmp() {
    step04_tmp=$(mktemp -d -t step04-transcript-XXXXXX)
    export TMPDIR="$step04_tmp"
    # Everything the script prints from now on goes through the path fix.
    exec > >(sed -u -e "s|$step04_tmp/|/tmp/|g" -e "s|$step04_tmp|/tmp|g") 2>&1
}

# Removes the private directory (call it from the script's EXIT trap, last).
step04_remove_private_tmp() {
    [ -n "${step04_tmp:-}" ] && rm -rf "$step04_tmp"
    return 0
}

# Removes the IPC objects of room $1 (any project id) without touching any other
# directory: `cargo xtask clean-ipc ROOM` with the private temporary directory.
step04_remove_room_objects() {
    [ -n "${1:-}" ] || return 0
    TMPDIR="$step04_tmp" cargo xtask clean-ipc "$1" >/dev/null 2>&1 || true
}

# Waits up to 10 s until file $1 contains the text $2 (a server's "serving room" line...).
step04_wait_for() {
    for _ in $(seq 200); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "transcript: \"$2\" never appeared in $1" >&2
    return 1
}
