#!/usr/bin/env bash
# Builds the Gradescope autograder package (`make gradescope`):
#
#   scripts/build-gradescope.sh [STEPS]    e.g. "" (every step), "3", "3 4"
#
# The package is target/gradescope/autograder.zip (autograder-stepNN.zip for one step):
# Gradescope's setup.sh and run_autograder (from scripts/gradescope/) at its root, and
# course/, the repository at the last commit (git archive; REV=... picks another), from
# which run_autograder takes the graders and everything else but the student's crates.
# Uncommitted changes to the course are not in the package (the package's own scripts are
# taken from scripts/gradescope/ as they are). The Rust version setup.sh installs is the
# repository's rust-toolchain file's if it has one, else RUST_VERSION, else the rustc on
# PATH here (the toolchain the package is tested with: scripts/test-gradescope.sh).
# VISIBILITY=after_due_date (or hidden, after_published; default visible) sets when
# students see each exercise's result.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${REV:-HEAD}
commit=$(git rev-parse --verify "$rev^{commit}")
out=target/gradescope
stage=$out/package
rm -rf "$stage"
mkdir -p "$stage/course"
git archive "$commit" | tar -x -C "$stage/course"

# The steps that have both a crate and a grader at that commit.
available=()
for grader in "$stage"/course/tests/step[0-9][0-9].rs; do
    nn=$(basename "$grader" .rs)
    nn=${nn#step}
    if compgen -G "$stage/course/steps/$nn-*/Cargo.toml" >/dev/null; then
        available+=("$((10#$nn))")
    fi
done
arg=${1:-}
wanted=(${arg//,/ })
[ ${#wanted[@]} -gt 0 ] || wanted=("${available[@]}")
for step in "${wanted[@]}"; do
    if [[ ! " ${available[*]} " == *" $((10#$step)) "* ]]; then
        echo "build-gradescope: step $step has no crate and grader at $rev (there are: ${available[*]})" >&2
        exit 2
    fi
done
printf '%s\n' "${wanted[@]}" | sed 's/^0*//' >"$stage/steps"

# The solutions of a step with no crate or grader at that commit (a step being built) are
# left out: nothing grades them, and the given-code check reads every solution, so an
# unfinished one (its exercises not yet worth 100) would stop that check for every step.
left_out=()
for dir in "$stage"/course/solutions/[0-9][0-9]-*/; do
    nn=$(basename "$dir")
    if [[ ! " ${available[*]} " == *" $((10#${nn:0:2})) "* ]]; then
        rm -rf "$dir"
        left_out+=("solutions/$nn")
    fi
done

# The toolchain.
toolchain_file=""
for name in rust-toolchain.toml rust-toolchain; do
    [ -f "$stage/course/$name" ] && toolchain_file=$stage/course/$name && break
done
if [ -n "$toolchain_file" ]; then
    rust=$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$toolchain_file")
    [ -n "$rust" ] || rust=$(head -n 1 "$toolchain_file")
else
    rust=${RUST_VERSION:-$(rustc --version | awk '{print $2}')}
fi
echo "$rust" >"$stage/rust-version"

# When students see each exercise's result (Gradescope's test visibility).
visibility=${VISIBILITY:-visible}
case $visibility in
    visible | hidden | after_due_date | after_published) echo "$visibility" >"$stage/visibility" ;;
    *) echo "build-gradescope: VISIBILITY must be visible, hidden, after_due_date or after_published" >&2; exit 2 ;;
esac

cp scripts/gradescope/setup.sh scripts/gradescope/run_autograder scripts/gradescope/lib.sh \
    scripts/gradescope/results.py "$stage/"
chmod 755 "$stage/setup.sh" "$stage/run_autograder" "$stage/results.py"
cat >"$stage/package.txt" <<EOF
course commit $commit ($(git log -1 --format='%cs %s' "$commit" | cut -c1-100))
steps graded: $(tr '\n' ' ' <"$stage/steps")
left out (no crate and grader at that commit): ${left_out[*]:-nothing}
Rust $rust
test visibility: $visibility
built $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/build-gradescope.sh
EOF

if [ ${#wanted[@]} -eq 1 ] && [ -n "${1:-}" ]; then
    zip=$out/autograder-step$(printf '%02d' "$((10#${wanted[0]}))").zip
else
    zip=$out/autograder.zip
fi
# setup.sh and run_autograder at the root of the archive, with their execute bits.
python3 - "$stage" "$zip" <<'EOF'
import os, sys, zipfile
stage, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target + ".tmp", "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, stage))
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read())
os.replace(target + ".tmp", target)
EOF

# A Cargo.lock that does not match the manifests of its commit makes setup.sh update it.
lock_check=$(cd "$stage/course" && cargo metadata --locked --offline --format-version 1 2>&1 >/dev/null || true)
if [[ $lock_check == *"cannot update the lock file"* ]]; then
    echo "warning: the Cargo.lock of commit ${commit:0:12} does not match its Cargo.toml files:" \
        "setup.sh will update it (the newest versions that fit, not the tested ones); commit an up-to-date Cargo.lock"
fi
if [ -n "$(git status --porcelain -- tests steps solutions course-tools grading-report Cargo.toml Cargo.lock)" ]; then
    echo "note: the working tree has uncommitted changes there; the package holds commit ${commit:0:12} only"
fi
echo "Gradescope package: $zip ($(du -h "$zip" | cut -f1); steps $(tr '\n' ' ' <"$stage/steps" | sed 's/ $//'); Rust $rust; commit ${commit:0:12})"
echo "Upload it as the assignment's autograder (Configure Autograder, Ubuntu base image); see the book's instructor guide."
