//! The table of a run: every figure, the raw figure it is compared with, the ratio, the
//! target and whether it was met; then what bounds the targets that were not. Written
//! for the terminal and as Markdown for the book, from the same rows.

use std::fmt::Write as _;
use std::time::Duration;

use super::chat::{Flood, ReaderCost};
use super::lab::Machine;
use super::raw::RawFigures;
use super::stats::{Samples, duration, rate, ratio};
use super::wake::WakeCost;

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The machine.
    pub machine: Machine,
    /// Whether it was a `--quick` run.
    pub quick: bool,
    /// How long the run took.
    pub elapsed: Duration,
    /// The raw queue.
    pub raw: RawFigures,
    /// Step 7's end-to-end latencies (futex), in nanoseconds.
    pub step7: Samples,
    /// Step 4's end-to-end latencies (polling), in nanoseconds.
    pub step4: Samples,
    /// The flood.
    pub flood: Flood,
    /// The server's cost with 1, 8 and 64 readers.
    pub readers: Vec<ReaderCost>,
    /// What one FUTEX_WAKE costs with 1 and with 64 sleepers.
    pub wakes: Vec<WakeCost>,
    /// An idle client's wake-ups per second.
    pub idle_wakeups: f64,
    /// Over how long they were counted.
    pub idle: Duration,
}

/// The targets of the issue.
const P50_TARGET: f64 = 2.0;
/// The p99 target, as a ratio to the raw p99.
const P99_TARGET: f64 = 10.0;
/// The throughput target, as a ratio to the raw stream.
const THROUGHPUT_TARGET: f64 = 0.6;
/// The most 64 readers may cost the server per line, as a ratio to 1 reader.
const READERS_TARGET: f64 = 1.1;
/// The most wake-ups per second of an idle client.
const IDLE_TARGET: f64 = 2.0;

/// One line of the table.
struct Row {
    /// What it is.
    figure: String,
    /// The measurement.
    measured: String,
    /// The raw figure it is compared with.
    raw: String,
    /// Measured / raw.
    ratio: String,
    /// The target, if any.
    target: String,
    /// Whether the target was met (`None`: no target).
    met: Option<bool>,
    /// The ratio the target is about, when it is not the ratio column.
    about: Option<f64>,
}

impl Row {
    /// A row without a target.
    fn info(figure: &str, measured: String, raw: String, ratio: String) -> Row {
        Row {
            figure: figure.to_string(),
            measured,
            raw,
            ratio,
            target: String::new(),
            met: None,
            about: None,
        }
    }

    /// The row's verdict.
    fn result(&self) -> String {
        let verdict = match self.met {
            None => return String::new(),
            Some(true) => "pass",
            Some(false) => "MISS",
        };
        match self.about {
            Some(value) => format!("{verdict} ({})", ratio(value)),
            None => verdict.to_string(),
        }
    }
}

impl Figures {
    /// The cost with `readers` readers, if measured.
    fn cost(&self, readers: usize) -> Option<&ReaderCost> {
        self.readers.iter().find(|cost| cost.readers == readers)
    }

    /// The ratio of the cost with 64 readers to that with 1.
    fn readers_ratio(&self) -> Option<f64> {
        Some(self.cost(64)?.server_cpu_ns / self.cost(1)?.server_cpu_ns)
    }

    /// The rows of the table.
    fn rows(&self) -> Vec<Row> {
        let raw = &self.raw;
        let (raw50, raw99) = (raw.one_way.p50() as f64, raw.one_way.p99() as f64);
        let dur = |ns: f64| duration(ns);
        let mut rows = vec![
            Row::info(
                "raw queue: one-way latency p50",
                dur(raw50),
                "baseline".into(),
                String::new(),
            ),
            Row::info(
                "raw queue: one-way latency p99",
                dur(raw99),
                "baseline".into(),
                String::new(),
            ),
            Row::info(
                "raw queue: stream throughput",
                format!("{} msg/s", rate(raw.stream_rate)),
                "baseline".into(),
                String::new(),
            ),
            Row::info(
                "raw queue: receiver CPU per message",
                dur(raw.receiver_cpu_ns),
                "baseline".into(),
                String::new(),
            ),
            Row::info(
                &format!(
                    "raw queue: receiver CPU per message, {} ms apart",
                    raw.paced_gap.as_millis()
                ),
                dur(raw.paced_cpu_ns),
                "baseline".into(),
                String::new(),
            ),
        ];
        let p50 = self.step7.p50() as f64 / raw50;
        let p99 = self.step7.p99() as f64 / raw99;
        rows.push(Row {
            target: format!("≤ {P50_TARGET:.1}×"),
            met: Some(p50 <= P50_TARGET),
            ..Row::info(
                "chat: end-to-end latency p50",
                dur(self.step7.p50() as f64),
                dur(raw50),
                ratio(p50),
            )
        });
        rows.push(Row {
            target: format!("≤ {P99_TARGET:.0}×"),
            met: Some(p99 <= P99_TARGET),
            ..Row::info(
                "chat: end-to-end latency p99",
                dur(self.step7.p99() as f64),
                dur(raw99),
                ratio(p99),
            )
        });
        let throughput = self.flood.rate / raw.stream_rate;
        rows.push(Row {
            target: format!("≥ {THROUGHPUT_TARGET:.2}×"),
            met: Some(throughput >= THROUGHPUT_TARGET),
            ..Row::info(
                "chat: server throughput",
                format!("{} lines/s", rate(self.flood.rate)),
                format!("{} msg/s", rate(raw.stream_rate)),
                ratio(throughput),
            )
        });
        rows.push(Row::info(
            "chat: server CPU per line, flooded",
            dur(self.flood.server_cpu_ns),
            dur(raw.receiver_cpu_ns),
            ratio(self.flood.server_cpu_ns / raw.receiver_cpu_ns),
        ));
        let readers_ratio = self.readers_ratio();
        for cost in &self.readers {
            let figure = format!(
                "chat: server CPU per line, {} reader{}",
                cost.readers,
                if cost.readers == 1 { "" } else { "s" }
            );
            let mut row = Row::info(
                &figure,
                dur(cost.server_cpu_ns),
                dur(raw.paced_cpu_ns),
                ratio(cost.server_cpu_ns / raw.paced_cpu_ns),
            );
            if cost.readers == 64
                && let Some(value) = readers_ratio
            {
                row.target = format!("≤ {READERS_TARGET:.1}× 1 reader");
                row.met = Some(value <= READERS_TARGET);
                row.about = Some(value);
            }
            rows.push(row);
        }
        rows.push(Row {
            target: format!("≤ {IDLE_TARGET:.0}/s"),
            met: Some(self.idle_wakeups <= IDLE_TARGET),
            ..Row::info(
                "chat: idle client wake-ups",
                format!("{:.1}/s", self.idle_wakeups),
                "—".into(),
                "—".into(),
            )
        });
        rows.push(Row::info(
            "step 4 (50 ms polling): latency p50",
            dur(self.step4.p50() as f64),
            dur(raw50),
            ratio(self.step4.p50() as f64 / raw50),
        ));
        rows.push(Row::info(
            "step 4 (50 ms polling): latency p99",
            dur(self.step4.p99() as f64),
            dur(raw99),
            ratio(self.step4.p99() as f64 / raw99),
        ));
        rows
    }

    /// What was measured how, and what bounds each target that was missed.
    fn notes(&self) -> Vec<String> {
        let raw = &self.raw;
        let (raw50, raw99) = (raw.one_way.p50() as f64, raw.one_way.p99() as f64);
        let mut notes = vec![format!(
            "Counts: {} raw round trips, a stream of {} messages and {} more one at a \
             time, of {} bytes each (a Say request's size); {} paced lines for step 7's \
             latency and {} for step 4's; a flood of {} lines; {} lines, {} ms apart, for \
             each count of readers; {} s of idleness. Ratios compare like with like: p50 \
             with the raw p50, p99 with the raw p99 (against the raw p50, step 7's p99 is \
             {}); the server's CPU per line with readers, paced, with the raw receiver's \
             CPU per message at the same pace.",
            raw.one_way.len(),
            raw.stream,
            raw.paced,
            raw.payload,
            self.step7.len(),
            self.step4.len(),
            self.flood.lines,
            self.readers.first().map_or(0, |cost| cost.lines),
            raw.paced_gap.as_millis(),
            self.idle.as_secs(),
            ratio(self.step7.p99() as f64 / raw50),
        )];
        if self.flood.missed > 0 {
            notes.push(format!(
                "During the flood the bench's reader found {} of the {} lines overwritten \
                 before it read them (the ring holds 256); a client would take them from \
                 the log.",
                self.flood.missed, self.flood.lines
            ));
        }
        let server_ns = self.flood.server_cpu_ns;
        if (self.step7.p50() as f64) > P50_TARGET * raw50 {
            let rest = self.step7.p50() as f64 - raw50;
            let wake = self.wakes.first().map_or_else(String::new, |one| {
                format!(
                    "; the FUTEX_WAKE call alone costs it {}",
                    duration(one.cpu_ns)
                )
            });
            notes.push(format!(
                "Latency p50 misses its target, and the design bounds it: a chat line makes \
                 the raw hop (the sender's msgsnd until the server has the request), then \
                 the server's work on the line and a second hop (its FUTEX_WAKE until the \
                 reader runs). A target of {P50_TARGET:.1}× leaves the work and the second hop \
                 the time of one raw hop, {}; they took {} here ({} a raw hop). The server's \
                 work alone is {} of CPU per line even amortised over a flood{wake}: the \
                 futex hop would have to beat a message-queue hop by that much.",
                duration(raw50),
                duration(rest),
                ratio(rest / raw50),
                duration(server_ns)
            ));
        }
        if (self.step7.p99() as f64) > P99_TARGET * raw99 {
            notes.push(format!(
                "Latency p99 misses its target: {} against {} for the raw queue; the tail \
                 is scheduling on a shared machine (three processes take turns on {} CPUs \
                 for every line, where the raw ping-pong needs two).",
                duration(self.step7.p99() as f64),
                duration(raw99),
                self.machine.cpus
            ));
        }
        if self.flood.rate < THROUGHPUT_TARGET * raw.stream_rate {
            let most = 1e9 / server_ns;
            notes.push(format!(
                "Throughput misses its target, bounded by the server's work per line: {} \
                 of CPU per line against {} for the raw receiver per message, so one \
                 server thread can publish at most {} lines/s ({} the raw stream), however \
                 many senders there are; the rest of the gap is the senders and readers \
                 sharing {} CPUs with it.",
                duration(server_ns),
                duration(raw.receiver_cpu_ns),
                rate(most),
                ratio(most / raw.stream_rate),
                self.machine.cpus
            ));
        }
        if let (Some(value), Some(one), Some(many)) =
            (self.readers_ratio(), self.cost(1), self.cost(64))
            && value > READERS_TARGET
        {
            let kernel = match (self.wakes.first(), self.wakes.last()) {
                (Some(one), Some(many)) if many.sleepers > one.sleepers => format!(
                    " The kernel alone, measured in the same run: one FUTEX_WAKE costs the \
                     waker {} with {} sleeper and {} with {} (it woke {:.0} of them on \
                     average), {} per extra sleeper.",
                    duration(one.cpu_ns),
                    one.sleepers,
                    duration(many.cpu_ns),
                    many.sleepers,
                    many.woken,
                    duration((many.cpu_ns - one.cpu_ns) / (many.sleepers - one.sleepers) as f64)
                ),
                _ => String::new(),
            };
            notes.push(format!(
                "The cost of 64 readers misses its target, and the futex bounds it: \
                 FUTEX_WAKE wakes every sleeper inside the server's own system call, so each \
                 reader asleep on the word adds to the server's time per line: ({} - {}) / \
                 63 = {} per extra reader per line, measured with 64 real clients all \
                 asleep when each line came (the case where a wake-up costs the most; the \
                 once-a-second sweep of 64 members is in it too).{kernel} Only a design \
                 that wakes fewer sleepers per line (readers that batch, or a wake-up \
                 handed on from reader to reader) would bring it down.",
                duration(many.server_cpu_ns),
                duration(one.server_cpu_ns),
                duration((many.server_cpu_ns - one.server_cpu_ns) / 63.0)
            ));
        }
        if self.idle_wakeups > IDLE_TARGET {
            notes.push(format!(
                "An idle client woke {:.1} times per second (all its threads, voluntary and \
                 involuntary switches), more than the target of {IDLE_TARGET:.0}.",
                self.idle_wakeups
            ));
        }
        notes
    }

    /// The first line: what ran where.
    fn heading(&self) -> String {
        format!(
            "ipc-chat bench, a {} run of {:.0} s on {}",
            if self.quick { "quick" } else { "full" },
            self.elapsed.as_secs_f64(),
            self.machine
        )
    }

    /// The table for a terminal, with the notes after it.
    pub fn text(&self) -> String {
        let rows = self.rows();
        let header = [
            "figure",
            "measured",
            "raw figure",
            "ratio",
            "target",
            "result",
        ];
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|row| {
                [
                    row.figure.clone(),
                    row.measured.clone(),
                    row.raw.clone(),
                    row.ratio.clone(),
                    row.target.clone(),
                    row.result(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                let pad = width - cell.chars().count();
                // Names and verdicts to the left, numbers to the right.
                if i == 0 || i >= 4 {
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                } else {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                }
                out.push_str("  ");
            }
            out.trim_end().to_string()
        };
        let mut out = format!("{}\n\n", self.heading());
        let _ = writeln!(out, "{}", line(&header.map(String::from)));
        for row in &cells {
            let _ = writeln!(out, "{}", line(row));
        }
        for note in self.notes() {
            let _ = write!(out, "\n{}\n", wrap(&note, 92));
        }
        out
    }

    /// The table as Markdown, for the book.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "<!-- Written by `make bench` (ipc-chat bench --markdown): do not edit by hand. -->\n\n",
        );
        let _ = writeln!(out, "{}.\n", self.heading());
        out.push_str("| figure | measured | raw figure | ratio | target | result |\n");
        out.push_str("| --- | ---: | ---: | ---: | --- | --- |\n");
        for row in self.rows() {
            let result = match row.met {
                Some(false) => format!("**{}**", row.result()),
                _ => row.result(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                row.figure, row.measured, row.raw, row.ratio, row.target, result
            );
        }
        out.push('\n');
        for note in self.notes() {
            let _ = writeln!(out, "- {note}");
        }
        out
    }
}

/// `text` broken into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}
