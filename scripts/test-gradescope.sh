#!/usr/bin/env bash
# Tests the Gradescope package end to end, on this machine, as Gradescope would run it:
# builds it (make gradescope), unzips it into a throwaway /autograder tree under
# target/gradescope/test/, runs its setup.sh, then its run_autograder on two submissions:
#
#   1. the solutions' crates, zipped as a bare crates directory: every exercise must have
#      full marks;
#   2. the repository at the packaged commit (a GitHub-style submission) with the untouched
#      skeleton in steps/, one of its graders edited and a comment added to given code:
#      every step must score below 50, the edit must be noted and the course's own
#      graders used, and the changed given code reported;
#
# and checks each results.json with python3's json module. It runs every grader twice:
# slow (several minutes) and CPU-heavy, so it is not part of `make test`.
#
#   scripts/test-gradescope.sh [STEPS]     e.g. "3" to try the one-step package
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
steps_arg=${1:-}
scripts/build-gradescope.sh "$steps_arg"
if [ -n "$steps_arg" ] && [ "$(wc -w <<<"$steps_arg")" -eq 1 ]; then
    zip=target/gradescope/autograder-step$(printf '%02d' "$((10#$steps_arg))").zip
else
    zip=target/gradescope/autograder.zip
fi

export AUTOGRADER_ROOT=$repo/target/gradescope/test
rm -rf "$AUTOGRADER_ROOT/source" "$AUTOGRADER_ROOT/submission" "$AUTOGRADER_ROOT/results" \
    "$AUTOGRADER_ROOT/work"
mkdir -p "$AUTOGRADER_ROOT/source" "$AUTOGRADER_ROOT/results"
unzip -q "$zip" -d "$AUTOGRADER_ROOT/source"
commit=$(sed -n 's/^course commit \([0-9a-f]*\).*/\1/p' "$AUTOGRADER_ROOT/source/package.txt")

echo "== setup.sh =="
bash "$AUTOGRADER_ROOT/source/setup.sh"

# Gradescope copies run_autograder to /autograder/ and runs it from there.
cp "$AUTOGRADER_ROOT/source/run_autograder" "$AUTOGRADER_ROOT/run_autograder"

run() {
    local label=$1
    echo "== run_autograder: $label =="
    local start=$SECONDS
    (cd "$AUTOGRADER_ROOT" && ./run_autograder) >"$AUTOGRADER_ROOT/$label.stdout" 2>&1 || {
        echo "run_autograder failed; its output: $AUTOGRADER_ROOT/$label.stdout" >&2
        tail -n 30 "$AUTOGRADER_ROOT/$label.stdout" >&2
        exit 1
    }
    cp "$AUTOGRADER_ROOT/results/results.json" "$AUTOGRADER_ROOT/$label.results.json"
    echo "($((SECONDS - start)) s; results: $AUTOGRADER_ROOT/$label.results.json)"
}

# 1. The solutions, as a zip of the crates would unpack (build output left out).
rm -rf "$AUTOGRADER_ROOT/submission"
mkdir -p "$AUTOGRADER_ROOT/submission"
git archive "$commit" solutions | tar -x -C "$AUTOGRADER_ROOT/submission" --strip-components=1
run solutions

# 2. The repository with the untouched skeleton, a grader edited, given code changed.
rm -rf "$AUTOGRADER_ROOT/submission"
mkdir -p "$AUTOGRADER_ROOT/submission"
git archive "$commit" | tar -x -C "$AUTOGRADER_ROOT/submission"
first=$(head -n 1 "$AUTOGRADER_ROOT/source/steps")
nn=$(printf '%02d' "$first")
echo "// a student's edit" >>"$AUTOGRADER_ROOT/submission/tests/step$nn.rs"
lib=$(echo "$AUTOGRADER_ROOT"/submission/steps/"$nn"-*/src/lib.rs)
echo "// a student's edit" >>"$lib"
run skeleton
# What was graded used the course's graders, not the submission's.
diff -r "$AUTOGRADER_ROOT/source/course/tests" "$AUTOGRADER_ROOT/work/course/tests"

python3 - "$AUTOGRADER_ROOT" "$first" <<'EOF'
import json, sys

root, first = sys.argv[1], int(sys.argv[2])
steps = [int(s) for s in open(f"{root}/source/steps").read().split()]
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def load(label):
    with open(f"{root}/{label}.results.json") as f:
        results = json.load(f)
    assert isinstance(results["score"], int), "score"
    assert isinstance(results["output"], str) and results["output"], "output"
    assert results["stdout_visibility"] in VISIBILITY
    for t in results["tests"]:
        for key, kind in [("name", str), ("number", str), ("score", int),
                          ("max_score", int), ("output", str), ("visibility", str),
                          ("status", str)]:
            assert isinstance(t.get(key), kind), f"{label}: {key} of {t.get('name')}"
        assert t["visibility"] in VISIBILITY, t
        assert t["status"] in ("passed", "failed"), t
        assert 0 <= t["score"] <= t["max_score"] or t["max_score"] == 0, t
        assert (t["status"] == "passed") == (t["score"] == t["max_score"] and t["max_score"] > 0), t
    assert results["score"] == sum(t["score"] for t in results["tests"]), "score is the tests' sum"
    per_step = {}
    for t in results["tests"]:
        step = int(t["number"].split(".")[0])
        assert step in steps, f"a test of step {step}, which is not graded"
        s = per_step.setdefault(step, [0, 0])
        s[0] += t["score"]
        s[1] += t["max_score"]
    for step in steps:
        assert per_step.get(step, [0, 0])[1] == 100, f"{label}: step {step} is not out of 100: {per_step}"
    return results, per_step


solutions, per_step = load("solutions")
exercises = [t for t in solutions["tests"] if not t["number"].endswith(".0")]
for t in exercises:
    assert t["status"] == "passed" and t["score"] == t["max_score"], (t["number"], t["output"][:2000])
assert len(exercises) == len(solutions["tests"]), "no notes about the solutions' given code"
assert solutions["score"] == 100 * len(steps), solutions["score"]
assert "Your tests/ differs" not in solutions["output"]
print(f"solutions: {solutions['score']}/{100 * len(steps)}, "
      f"{len(exercises)} exercises at full marks: "
      + ", ".join(f"step {s} {v[0]}/{v[1]}" for s, v in sorted(per_step.items())))

skeleton, per_step = load("skeleton")
for step, (score, possible) in per_step.items():
    assert score < 50, f"the skeleton's step {step} scores {score}/{possible}"
assert f"tests/step{first:02d}.rs" in skeleton["output"] and "Your tests/ differs" in skeleton["output"], \
    skeleton["output"]
notes = [t for t in skeleton["tests"] if t["number"] == f"{first}.0"]
assert len(notes) == 1 and "differs outside its exercise regions" in notes[0]["output"], notes
failing = sum(1 for t in skeleton["tests"] if t["status"] == "failed" and t["max_score"] > 0)
print(f"skeleton: {skeleton['score']}/{100 * len(steps)} ("
      + ", ".join(f"step {s} {v[0]}/{v[1]}" for s, v in sorted(per_step.items()))
      + f"), {failing} exercises failing; the edited grader was noted and not used, "
      f"the changed given code reported")
EOF
echo "test-gradescope: the package grades as expected"
