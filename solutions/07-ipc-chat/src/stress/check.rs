//! The agreement test: what the log says happened, against what each client saw and sent.
//!
//! Every line a stress client sends is unique (`NAME I`, its name and the line's number),
//! so a line in a view or in the log says exactly who sent it and where it belongs.

use std::fmt;

use step04_chat::ring::Entry;

/// How a stress client's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It sent all its lines, saw them come back, left, and exited with status 0.
    Finished,
    /// It typed `/quit` part way, and exited with status 0.
    Quit,
    /// It was killed (SIGKILL), or its server was: it may have lost lines it sent.
    Killed,
}

/// One client of a stress run: what it sent, what it printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRun {
    /// Its name in the room.
    pub name: String,
    /// The texts it sent, in order (before any `/quit`).
    pub sent: Vec<String>,
    /// Every line it printed on stdout, in order.
    pub view: Vec<String>,
    /// How it ended.
    pub fate: Fate,
}

/// One way the views, the senders and the log disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discrepancy {
    /// A line its sender sent (and saw come back, or finished without error) is not in
    /// the log.
    Lost {
        /// The sender.
        name: String,
        /// The text.
        text: String,
    },
    /// A sender's lines are in the log out of order, or one of them twice.
    SenderOrder {
        /// The sender.
        name: String,
        /// What the log holds from it, where it differs from what it sent.
        detail: String,
    },
    /// A client printed an entry that is not in the log.
    NotInLog {
        /// The client.
        view: String,
        /// The line.
        line: String,
    },
    /// A client's entries are not consecutive entries of the log: something missing,
    /// repeated or out of order.
    ViewGap {
        /// The client.
        view: String,
        /// The line after which the view and the log part.
        after: String,
        /// The line the view has next.
        found: String,
        /// The line the log has next.
        expected: String,
    },
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Discrepancy::Lost { name, text } => {
                write!(f, "lost: {name} sent {text:?}, which is not in the log")
            }
            Discrepancy::SenderOrder { name, detail } => {
                write!(f, "sender order: the log's lines of {name} {detail}")
            }
            Discrepancy::NotInLog { view, line } => {
                write!(f, "not in the log: {view} printed {line:?}")
            }
            Discrepancy::ViewGap {
                view,
                after,
                found,
                expected,
            } => write!(
                f,
                "view gap: after {after:?}, {view} printed {found:?} where the log has {expected:?}"
            ),
        }
    }
}

/// Whether a printed line is an entry of the ring (`[HH:MM:SS] <name> text` or
/// `[HH:MM:SS] * name joined` ...), as opposed to a notice of the client's own.
pub fn is_entry_line(line: &str) -> bool {
    line.starts_with('[') && line.get(9..11) == Some("] ")
}

// ANCHOR: check
/// Every way the log, the senders and the views disagree; empty if they all agree.
///
/// The rules: each client's chat lines are in the log in the order it sent them, each
/// once, and all of them if it finished (a client that quit or was killed may have lost
/// its last ones, never one in the middle); and the entries each client printed are
/// consecutive entries of the log, in the log's order, each once, and all in the log.
pub fn check(log: &[Entry], runs: &[ClientRun]) -> Vec<Discrepancy> {
    // EXERCISE 7.5 (20 points): Decide whether the log, what every client sent and what every client printed agree; report each disagreement.
    // HINT: compare formatted lines: step 4's `format::line` turns a log entry into exactly what a client prints; `is_entry_line` tells entries from notices.
    // HINT: for the senders, collect each name's chat texts in log order: they must be a prefix of what it sent (all of it when it finished).
    // HINT: for a view, find where its first entry sits in the log; from there on, each next entry it printed must be the log's next one.
    // BEGIN EXERCISE 7.5 (stub uses: log, runs)
    use std::collections::HashMap;
    use step03_protocol::layout::EntryKind;
    use step04_chat::format;

    let mut found = Vec::new();

    // The senders: each one's chat lines in log order must be a prefix of what it sent.
    let mut by_sender: HashMap<&str, Vec<&str>> = HashMap::new();
    for entry in log.iter().filter(|e| e.kind == EntryKind::Chat) {
        by_sender.entry(&entry.name).or_default().push(&entry.text);
    }
    for run in runs {
        let logged = by_sender
            .get(run.name.as_str())
            .cloned()
            .unwrap_or_default();
        let agree = logged.len() <= run.sent.len()
            && logged.iter().zip(&run.sent).all(|(l, s)| *l == s.as_str());
        if !agree {
            let first = logged
                .iter()
                .zip(&run.sent)
                .position(|(l, s)| *l != s.as_str())
                .unwrap_or(run.sent.len());
            found.push(Discrepancy::SenderOrder {
                name: run.name.clone(),
                detail: format!(
                    "differ from what it sent at line {first}: the log has {:?}, it sent {:?}",
                    logged.get(first),
                    run.sent.get(first)
                ),
            });
        } else if run.fate == Fate::Finished {
            for text in &run.sent[logged.len()..] {
                found.push(Discrepancy::Lost {
                    name: run.name.clone(),
                    text: text.clone(),
                });
            }
        }
    }

    // The views: consecutive entries of the log.
    let lines: Vec<String> = log.iter().map(format::line).collect();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (index, line) in lines.iter().enumerate() {
        at.entry(line.as_str()).or_insert(index);
    }
    for run in runs {
        let mut previous: Option<(usize, &str)> = None;
        for line in run.view.iter().filter(|l| is_entry_line(l)) {
            let expected = previous.map(|(index, _)| index + 1);
            let fits = expected.is_some_and(|index| lines.get(index) == Some(line));
            if fits {
                previous = expected.map(|index| (index, line.as_str()));
                continue;
            }
            match (at.get(line.as_str()), previous) {
                (None, _) => found.push(Discrepancy::NotInLog {
                    view: run.name.clone(),
                    line: line.clone(),
                }),
                (Some(&index), None) => previous = Some((index, line)),
                (Some(&index), Some((before, after))) => {
                    found.push(Discrepancy::ViewGap {
                        view: run.name.clone(),
                        after: after.to_owned(),
                        found: line.clone(),
                        expected: lines.get(before + 1).cloned().unwrap_or_default(),
                    });
                    previous = Some((index, line));
                }
            }
        }
    }
    found
    // END EXERCISE 7.5
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;
    use step03_protocol::layout::EntryKind;
    use step04_chat::format;

    fn entry(seq: u64, kind: EntryKind, name: &str, text: &str) -> Entry {
        Entry {
            seq,
            time_ms: 1_700_000_000_000 + seq as i64,
            pid: 100,
            kind,
            name: name.into(),
            text: text.into(),
        }
    }

    fn room() -> Vec<Entry> {
        vec![
            entry(1, EntryKind::Join, "a", ""),
            entry(2, EntryKind::Chat, "a", "a 0"),
            entry(3, EntryKind::Join, "b", ""),
            entry(4, EntryKind::Chat, "a", "a 1"),
            entry(5, EntryKind::Chat, "b", "b 0"),
        ]
    }

    fn run(name: &str, sent: &[&str], log: &[Entry], fate: Fate) -> ClientRun {
        ClientRun {
            name: name.into(),
            sent: sent.iter().map(|s| s.to_string()).collect(),
            view: log.iter().map(format::line).collect(),
            fate,
        }
    }

    #[test]
    fn agreeing_runs_have_no_discrepancy() {
        let log = room();
        let a = run("a", &["a 0", "a 1"], &log, Fate::Finished);
        let b = run("b", &["b 0"], &log[2..], Fate::Finished);
        assert_eq!(check(&log, &[a, b]), vec![]);
    }

    #[test]
    fn a_view_with_a_hole_is_a_gap() {
        let log = room();
        let mut b = run("b", &["b 0"], &log[2..], Fate::Finished);
        b.view.remove(1);
        assert!(matches!(
            check(&log, &[b])[..],
            [Discrepancy::ViewGap { .. }]
        ));
    }

    #[test]
    fn a_finished_sender_whose_line_is_missing_lost_it() {
        let log = room();
        let a = run("a", &["a 0", "a 1", "a 2"], &log, Fate::Finished);
        assert!(matches!(check(&log, &[a])[..], [Discrepancy::Lost { .. }]));
        let killed = run("a", &["a 0", "a 1", "a 2"], &log, Fate::Killed);
        assert_eq!(check(&log, &[killed]), vec![]);
    }
}
