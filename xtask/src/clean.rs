//! `make clean-ipc`: removes what a killed grader or demo left behind.
//!
//! Graders and the demo work in directories named `ipc-course-*` under the temporary
//! directory, and make their keys with ftok from those directories. A grader that was
//! killed (say with Ctrl-C twice) cannot clean up, so this finds those directories whose
//! owner (the pid in their `.owner-pid` file) is gone, removes every System V object keyed
//! from them or from the paths inside them (any project id), then the directories.
//!
//! A directory without a `.owner-pid` file is never one of them, whatever its name: a room
//! that a person made by hand (`mktemp -d -t ipc-course-XXXXXX`, as chapter 4 does) holds
//! its history in `chat.log` from step 5 on, and only `make clean-ipc ROOM=DIR` touches it,
//! and then only its IPC objects.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Result;

/// Removes the IPC objects keyed from `path` (any project id); returns how many.
pub fn remove_objects_of(path: &Path) -> usize {
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return 0;
    };
    let mut removed = 0;
    for proj in 0..=255 {
        // SAFETY: `c_path` is a valid NUL-terminated string for the duration of the call.
        let key = unsafe { libc::ftok(c_path.as_ptr(), proj) };
        if key == -1 {
            return removed;
        }
        // SAFETY: the *get calls with flags 0 only look objects up; IPC_RMID ignores the
        // buffer argument, so passing null is allowed.
        unsafe {
            let id = libc::msgget(key, 0);
            if id != -1 && libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()) == 0 {
                removed += 1;
            }
            let id = libc::shmget(key, 0, 0);
            if id != -1 && libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) == 0 {
                removed += 1;
            }
            let id = libc::semget(key, 0, 0);
            if id != -1 && libc::semctl(id, 0, libc::IPC_RMID) == 0 {
                removed += 1;
            }
        }
    }
    removed
}

/// Removes the IPC objects keyed from `dir` or from any path below it, down to 4 levels
/// (as the graders' own cleanup does: a test may key a room inside its sandbox).
pub fn remove_objects_below(dir: &Path) -> usize {
    fn walk(path: &Path, depth: usize, removed: &mut usize) {
        *removed += remove_objects_of(path);
        if depth == 0 || !path.is_dir() || path.is_symlink() {
            return;
        }
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&entry.path(), depth - 1, removed);
        }
    }
    let mut removed = 0;
    walk(dir, 4, &mut removed);
    removed
}

/// Whether the process that made `dir` (its pid is in `dir/.owner-pid`) still runs: a
/// running grader's or demo's directory is in use, not left over.
fn owner_is_alive(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join(".owner-pid")) else {
        return false;
    };
    let Ok(pid) = text.trim().parse::<libc::pid_t>() else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks that the process exists; it sends nothing.
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0
}

/// The `ipc-course-*` directories, each with whether its owner still runs. With `since`,
/// only those whose owner claimed them at that time or later (`watch` cleans up after the
/// grading run that Ctrl-C interrupted, and nothing older).
pub fn course_dirs(since: Option<SystemTime>) -> Result<Vec<(PathBuf, bool)>> {
    Ok(std::fs::read_dir(std::env::temp_dir())?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("ipc-course-"))
        .map(|e| e.path())
        // Made by a grader or the demo (see the module's documentation).
        .filter(|dir| dir.join(".owner-pid").is_file())
        .filter(|dir| {
            since.is_none_or(|since| {
                std::fs::metadata(dir.join(".owner-pid"))
                    .and_then(|m| m.modified())
                    .is_ok_and(|claimed| claimed >= since)
            })
        })
        .map(|dir| {
            let alive = owner_is_alive(&dir);
            (dir, alive)
        })
        .collect())
}

/// The leftover `ipc-course-*` directories: those whose owner has exited (see
/// [`course_dirs`] for `since`).
pub fn leftover_dirs(since: Option<SystemTime>) -> Result<Vec<PathBuf>> {
    Ok(course_dirs(since)?
        .into_iter()
        .filter(|(_, alive)| !alive)
        .map(|(dir, _)| dir)
        .collect())
}

/// Removes the IPC objects keyed from each of `dirs`, then the directories; returns how
/// many objects there were.
pub fn remove_dirs(dirs: &[PathBuf]) -> usize {
    let objects = dirs.iter().map(|dir| remove_objects_below(dir)).sum();
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    objects
}

/// Cleans the leftover `ipc-course-*` directories (those whose owner has exited) and the
/// given extra paths (the objects keyed from each path itself only: it may be any
/// directory, not one of the course's).
pub fn clean(extra: &[PathBuf]) -> Result<()> {
    let dirs = leftover_dirs(None)?;
    let leftovers = dirs.len();
    let objects = remove_dirs(&dirs) + extra.iter().map(|p| remove_objects_of(p)).sum::<usize>();
    println!(
        "removed {objects} IPC object(s) and {leftovers} leftover director{} of the course",
        if leftovers == 1 { "y" } else { "ies" }
    );
    Ok(())
}
