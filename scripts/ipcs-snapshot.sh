#!/usr/bin/env bash
# The System V objects of the course, one line each (kind, key, id, the path the key comes
# from), sorted. `make test` and `.ci/run` take a snapshot before and after and fail if the
# second has objects the first did not; `make demo` lists its own room's objects with it.
#
# Usage: scripts/ipcs-snapshot.sh                 objects of the course's leftovers
#        scripts/ipcs-snapshot.sh PATH...          objects keyed from these paths
#        scripts/ipcs-snapshot.sh --left-since BEFORE
#                                                  print the leftovers' objects that are not
#                                                  in the snapshot BEFORE; exit 1 if any
#
# Which objects are "the course's": only those whose key is ftok(PATH, any project id) of
# a path the course made. Nothing else on the machine is ever looked at, so another
# program's queue, segment or semaphore set, made or removed while the course runs, cannot
# raise a false alarm (a plain before/after diff of `ipcs` could). Where the course's
# objects live:
#
# - The graders move into a private IPC namespace when the system allows it (as root, or
#   with unprivileged user namespaces; tests/harness/isolation.rs); so do the book's
#   transcripts (scripts/transcripts/lib.sh). Whatever they make is invisible here and is
#   destroyed by the kernel when they exit: they cannot leak into this namespace at all.
# - Otherwise every test works in a sandbox directory `ipc-course-*` under the temporary
#   directory and keys its objects from it or from paths inside it; the demo's room is an
#   `ipc-course-demo-*` directory too. A sandbox removes its objects before its directory,
#   so an object can only be left behind by a run that was killed or failed to clean up,
#   and then its directory is left behind with it. Such a leftover is a directory whose
#   owner (the pid in its `.owner-pid`) is gone: the same rule as `make clean-ipc`
#   (xtask/src/clean.rs). A directory whose owner still runs (a grader or demo running at
#   the same time, the course's or anybody's) is in use, not leftover, and is skipped.
#   The snapshot is the objects keyed from the leftovers, and from the paths in them down
#   to 4 levels, as the graders' cleanup does.
# - The demo checks its own room: it records the objects of its room's keys (project ids
#   'Q', 'M' and 'S' of the room directory, among all 256) while the server runs, and
#   checks that those very objects (same key and id) are gone after it stopped, before it
#   removes the directory.
#
# A new line after a run is an object of a course directory that was left behind during it:
# a course leak (`make clean-ipc` removes it). Objects that were already left over before
# the run are in both snapshots and are not counted. The key is computed as ftok(3) does
# (project id, then the low 8 bits of the device and the low 16 bits of the inode), so two
# paths can share a key; a leftover's key is only counted while its directory exists.
set -euo pipefail
export LC_ALL=C

# The course's leftover directories, and the paths in them (see above).
leftover_paths() {
    local tmp dir pid
    printf '%s\n' "${TMPDIR:-/tmp}" /tmp | sed 's|/*$||' | sort -u | while IFS= read -r tmp; do
        for dir in "$tmp"/ipc-course-*; do
            [ -d "$dir" ] || continue
            pid=$(cat "$dir/.owner-pid" 2>/dev/null || true)
            if [[ "$pid" =~ ^[1-9][0-9]*$ ]] && [ -d "/proc/$pid" ]; then
                continue # in use
            fi
            find "$dir" -maxdepth 4 2>/dev/null || true
        done
    done
}

# "KEY PATH" for every project id (0 to 255) of every path on stdin that exists.
key_table() {
    while IFS= read -r path; do
        stat -L -c '%d %i %n' -- "$path" 2>/dev/null || true
    done | awk '{
        dev = $1; ino = $2; path = $0; sub(/^[^ ]+ [^ ]+ /, "", path)
        for (proj = 0; proj < 256; proj++)
            printf "0x%02x%02x%04x %s\n", proj, dev % 256, ino % 65536, path
    }'
}

# "KIND KEY ID" for every object on the machine (this IPC namespace).
all_objects() {
    for kind in q m s; do
        ipcs -"$kind" | awk -v kind="$kind" '$1 ~ /^0x/ {print kind, $1, $2}'
    done
}

# The objects whose key is in the key table on stdin.
snapshot() {
    awk 'NR == FNR { key = $1; sub(/^[^ ]+ /, ""); path[key] = $0; next }
         ($2 in path) { print $1, $2, $3, path[$2] }' - <(all_objects) | sort -u
}

case "${1:-}" in
--left-since)
    before="${2:?usage: $0 --left-since BEFORE}"
    left=$(leftover_paths | key_table | snapshot | comm -13 <(sort -u "$before") -)
    if [ -n "$left" ]; then
        echo "IPC objects of the course were left behind (kind, key, id, key path):" >&2
        echo "$left" | sed 's/^/  /' >&2
        echo "(make clean-ipc removes them)" >&2
        exit 1
    fi
    ;;
"") leftover_paths | key_table | snapshot ;;
*) printf '%s\n' "$@" | key_table | snapshot ;;
esac
