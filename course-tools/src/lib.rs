//! What xtask and the graders both need to know about the course's trees: the exercise
//! regions of the solutions, the skeleton generated from them, and whether a student's
//! `steps/` changed given code. One implementation, used by `cargo xtask` (sync, check,
//! reset, hint, ...) and by the grader harness (the "given code was changed" note), which
//! calls it in-process instead of running `cargo xtask`.
//!
//! ## Layout
//!
//! - [`exercises`]: the exercise markers in a source file and the stubs that replace them.
//! - [`course`]: the `solutions/` tree, its exercises, and the `steps/` tree generated
//!   from it.
//! - [`integrity`]: the files of a step in `steps/` whose given code was changed.

pub mod course;
pub mod exercises;
pub mod integrity;

pub use course::{Course, Tree, existing_files, id_key, read_text};
pub use exercises::{Exercise, Part, Source};
