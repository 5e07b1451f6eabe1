# Shared by setup.sh and run_autograder (sourced, not run): where everything is, the
# toolchain on PATH, and the grading work copy.
#
# Every path is Gradescope's by default and can be moved with an environment variable, so
# that the package can be tried anywhere (scripts/test-gradescope.sh does):
#
#   AUTOGRADER_ROOT        /autograder                 the root of the others
#   AUTOGRADER_SOURCE      $AUTOGRADER_ROOT/source      the unzipped package (this file's dir)
#   AUTOGRADER_SUBMISSION  $AUTOGRADER_ROOT/submission  the student's submission
#   AUTOGRADER_RESULTS     $AUTOGRADER_ROOT/results     where results.json is written
#   AUTOGRADER_WORK        $AUTOGRADER_ROOT/work        the course copy that is graded
#   AUTOGRADER_TARGET      $AUTOGRADER_ROOT/cargo-target  Cargo's target directory
#   AUTOGRADER_STEP_TIMEOUT  1500                       seconds one step's grader may take
#   AUTOGRADER_VISIBILITY  the package's (visible)      Gradescope visibility of each test
#   AUTOGRADER_TEST_THREADS  (the graders' default: one per CPU)  tests run at once

AUTOGRADER_ROOT=${AUTOGRADER_ROOT:-/autograder}
AUTOGRADER_SOURCE=${AUTOGRADER_SOURCE:-$AUTOGRADER_ROOT/source}
AUTOGRADER_SUBMISSION=${AUTOGRADER_SUBMISSION:-$AUTOGRADER_ROOT/submission}
AUTOGRADER_RESULTS=${AUTOGRADER_RESULTS:-$AUTOGRADER_ROOT/results}
AUTOGRADER_WORK=${AUTOGRADER_WORK:-$AUTOGRADER_ROOT/work}
AUTOGRADER_TARGET=${AUTOGRADER_TARGET:-$AUTOGRADER_ROOT/cargo-target}
AUTOGRADER_STEP_TIMEOUT=${AUTOGRADER_STEP_TIMEOUT:-1500}
# The package's choice (VISIBILITY=... make gradescope), unless the environment overrides it.
AUTOGRADER_VISIBILITY=${AUTOGRADER_VISIBILITY:-$(cat "$AUTOGRADER_SOURCE/visibility" 2>/dev/null || echo visible)}

# The pristine course (the repository at the packaged commit) and the copy that is graded.
# The copy always sits at the same path, so that what setup.sh compiled there stays fresh.
PRISTINE=$AUTOGRADER_SOURCE/course
COURSE=$AUTOGRADER_WORK/course

# rustup's default installation directory, wherever setup.sh put the toolchain.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Both the graders (cargo test) and the builds they start (GRADE_TARGET_DIR) use one
# target directory outside the work copy, so that it survives the copy being renewed.
export CARGO_TARGET_DIR=$AUTOGRADER_TARGET
export GRADE_TARGET_DIR=$AUTOGRADER_TARGET

# The steps this package grades (written by scripts/build-gradescope.sh).
graded_steps() {
    cat "$AUTOGRADER_SOURCE/steps"
}

# The Rust version the package was built and tested with.
rust_version() {
    cat "$AUTOGRADER_SOURCE/rust-version"
}

# Renews the work copy from the pristine course, keeping the files' modification times
# (Cargo decides what to rebuild by them: unchanged files must look unchanged).
fresh_work_copy() {
    rm -rf "$COURSE"
    mkdir -p "$AUTOGRADER_WORK"
    cp -a "$PRISTINE" "$COURSE"
}
