//! The chart of a run's latency distributions, as a hand-written SVG: the cumulative
//! distribution (the share of lines delivered within a time) of step 4's polling and
//! step 7's futex wake-ups, from the same run, with the raw queue's one-way latency for
//! reference, on a logarithmic time axis (the three are orders of magnitude apart).

use std::fmt::Write as _;

use super::report::Figures;
use super::stats::{Samples, duration};

/// The size of the picture.
const WIDTH: f64 = 860.0;
/// The height of the picture.
const HEIGHT: f64 = 560.0;
/// The plot area: left, right, top, bottom.
const PLOT: (f64, f64, f64, f64) = (80.0, 830.0, 78.0, 400.0);
/// The most points a curve is drawn with.
const POINTS: usize = 600;

/// One curve.
struct Series<'a> {
    /// Its name in the legend.
    name: &'a str,
    /// The samples, in nanoseconds.
    samples: &'a Samples,
    /// Its colour.
    colour: &'a str,
    /// Its dash pattern (empty: solid).
    dash: &'a str,
}

/// Text made safe for XML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The label of the decade 10^`exponent` ns.
fn decade_label(exponent: i32) -> String {
    duration(10f64.powi(exponent)).replace(".0 ", " ")
}

/// The SVG of the latency distributions of `figures`.
pub fn svg(figures: &Figures) -> String {
    let series = [
        Series {
            name: "raw queue, one way (msgsnd → msgrcv)",
            samples: &figures.raw.one_way,
            colour: "#7f7f7f",
            dash: "6 4",
        },
        Series {
            name: "step 7: futex wake-up, end to end",
            samples: &figures.step7,
            colour: "#1f5fbf",
            dash: "",
        },
        Series {
            name: "step 4: 50 ms polling, end to end",
            samples: &figures.step4,
            colour: "#c8321e",
            dash: "",
        },
    ];
    let values = series
        .iter()
        .flat_map(|s| s.samples.sorted().iter().copied());
    let (low, high) = values.fold((u64::MAX, 1u64), |(lo, hi), v| {
        (lo.min(v.max(1)), hi.max(v))
    });
    let low = if low == u64::MAX { 1 } else { low };
    let first = (low as f64).log10().floor() as i32;
    let last = ((high as f64).log10().ceil() as i32).max(first + 1);
    let (left, right, top, bottom) = PLOT;
    let x = |ns: f64| {
        let t = (ns.max(1.0).log10() - f64::from(first)) / f64::from(last - first);
        left + t * (right - left)
    };
    let y = |share: f64| bottom - share * (bottom - top);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="14">"#
    );
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="30" text-anchor="middle" font-size="19" font-weight="bold">Delivery latency: step 4's polling against step 7's futex</text>"#,
        WIDTH / 2.0
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="54" text-anchor="middle" font-size="13" fill="#444444">one run of ipc-chat bench ({}), {}</text>"##,
        WIDTH / 2.0,
        if figures.quick { "quick" } else { "full" },
        escape(&figures.machine.to_string())
    );
    // Grid: every decade, with lighter lines at 2..9 × each; and every 10 %.
    for exponent in first..=last {
        let at = x(10f64.powi(exponent));
        let _ = writeln!(
            out,
            r##"<line x1="{at:.1}" y1="{top}" x2="{at:.1}" y2="{bottom}" stroke="#cccccc"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text x="{at:.1}" y="{}" text-anchor="middle">{}</text>"#,
            bottom + 20.0,
            decade_label(exponent)
        );
        if exponent < last {
            for step in 2..10 {
                let at = x(f64::from(step) * 10f64.powi(exponent));
                let _ = writeln!(
                    out,
                    r##"<line x1="{at:.1}" y1="{top}" x2="{at:.1}" y2="{bottom}" stroke="#eeeeee"/>"##
                );
            }
        }
    }
    for tenth in 0..=10u32 {
        let share = f64::from(tenth) / 10.0;
        let at = y(share);
        let colour = if tenth.is_multiple_of(5) {
            "#cccccc"
        } else {
            "#eeeeee"
        };
        let _ = writeln!(
            out,
            r#"<line x1="{left}" y1="{at:.1}" x2="{right}" y2="{at:.1}" stroke="{colour}"/>"#
        );
        if tenth.is_multiple_of(2) {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}%</text>"#,
                left - 8.0,
                at + 5.0,
                tenth * 10
            );
        }
    }
    let _ = writeln!(
        out,
        r##"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="#333333"/>"##,
        right - left,
        bottom - top
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">latency, from the sender's msgsnd until the reader has the line (log scale)</text>"#,
        (left + right) / 2.0,
        bottom + 44.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(24 {}) rotate(-90)" text-anchor="middle">lines delivered within that time</text>"#,
        (top + bottom) / 2.0
    );
    for (i, s) in series.iter().enumerate() {
        let sorted = s.samples.sorted();
        if !sorted.is_empty() {
            let n = sorted.len();
            let mut points = String::new();
            for j in 0..=POINTS.min(n - 1) {
                let index = j * (n - 1) / POINTS.min(n - 1).max(1);
                let share = (index + 1) as f64 / n as f64;
                let _ = write!(points, "{:.1},{:.1} ", x(sorted[index] as f64), y(share));
            }
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/>"#,
                points.trim_end(),
                s.colour,
                s.dash
            );
            for (percentile, share) in [(s.samples.p50(), 0.5), (s.samples.p99(), 0.99)] {
                let _ = writeln!(
                    out,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="4.5" fill="{}" stroke="#ffffff"/>"##,
                    x(percentile as f64),
                    y(share),
                    s.colour
                );
            }
        }
        let row = bottom + 80.0 + 24.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="{}" stroke-width="3" stroke-dasharray="{}"/>"#,
            left + 10.0,
            row - 5.0,
            left + 50.0,
            row - 5.0,
            s.colour,
            s.dash
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{row:.1}">{}: p50 {}, p99 {} ({} samples)</text>"#,
            left + 60.0,
            escape(s.name),
            duration(s.samples.p50() as f64),
            duration(s.samples.p99() as f64),
            s.samples.len()
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{:.1}" font-size="13" fill="#444444">The dots mark each curve's p50 and p99.</text>"##,
        left + 10.0,
        bottom + 80.0 + 24.0 * series.len() as f64
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_are_labelled_in_round_units() {
        assert_eq!(decade_label(3), "1 µs");
        assert_eq!(decade_label(4), "10 µs");
        assert_eq!(decade_label(7), "10 ms");
        assert_eq!(decade_label(2), "100 ns");
    }
}
