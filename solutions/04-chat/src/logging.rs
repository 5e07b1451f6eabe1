//! The servers' log: one line per event on stderr, `step04-server: message`, with the
//! level named for anything but `info` (`step04-server: warn: ...`), filtered by `RUST_LOG`
//! (default `info`; `debug` shows every request, `trace` also private lines).
//!
//! The lines look like those of every other program of the course (`PROGRAM: ...`), so
//! that a transcript or a test reads them the same way; `tracing` does the filtering.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats an event as `PROGRAM: [level: ]message`.
struct Prefixed {
    /// The program's name, e.g. `step04-server`.
    program: &'static str,
}

impl<S, N> FormatEvent<S, N> for Prefixed
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "{}: ", self.program)?;
        let level = *event.metadata().level();
        if level != Level::INFO {
            write!(writer, "{}: ", level.as_str().to_lowercase())?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Sends `tracing`'s events to stderr as `PROGRAM: message`, at the level `RUST_LOG`
/// asks for (`info` when it is unset or invalid). Call it once, early in `main`.
pub fn init(program: &'static str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(Prefixed { program })
        .init();
}
