//! The line editor for a person at a terminal: what they type is edited on the last line
//! of the screen, with history and completion, and the room's lines appear above it,
//! never inside it.
//!
//! [rustyline] does the terminal work. Three threads share the screen:
//!
//! - the **editor** thread runs [`Editor::readline`] with the prompt `NAME> ` and sends
//!   each entered line to the client's main loop; Ctrl-D is the end of input, Ctrl-C
//!   (which arrives as a key, the terminal being raw) leaves like SIGINT does;
//! - the **printer** thread shows the client's lines: through rustyline's
//!   [`ExternalPrinter`] while a line is being edited (rustyline clears the prompt,
//!   prints the line and draws the prompt again below it), directly otherwise;
//! - the **stderr** thread: while the editor runs, the client's messages on stderr (a
//!   refusal from the server, "leaving the room") go through a pipe to the printer too,
//!   so that they cannot split the line being typed either.
//!
//! A small gate, [`Phase`], says who may write: an entered line stays on the screen
//! after Enter and would come back from the ring as `[time] <me> text`, so the editor
//! erases it first, and no line may be printed in between.
//!
//! When the client ends while a line is being edited (the server stopped, SIGTERM), the
//! editor thread is still inside `readline` with the terminal raw, and nothing would give
//! it back: dropping the [`Output`] that [`start`] returns shows what is left to show,
//! then puts back the terminal mode saved at the start.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Context, Editor, EventContext,
    EventHandler, ExternalPrinter, Helper, KeyCode, KeyEvent, Modifiers, Prompt, RepeatCount,
};
use step04_chat::client::{self, Input, LEAVE_REQUESTED, Output, Stdout, Style};
use step04_chat::command::Command;
use step04_chat::objects::RoomObjects;
use step04_chat::{ChatError, Result};
use step06_integrated_chat::presence::present;
use unicode_width::UnicodeWidthChar;

/// How long the editor waits for a line being handed to rustyline when Enter is pressed.
const PRINT_GRACE: Duration = Duration::from_millis(50);
/// At the end, how long to wait for each thread to hand over the lines it still holds.
const FLUSH_TIMEOUT: Duration = Duration::from_millis(500);
/// At the end, how long to wait for the editor to show the last line handed to it.
const SETTLE_TIMEOUT: Duration = Duration::from_millis(300);
/// rustyline's default tab stop, to count the rows an entered line took.
const TAB_STOP: usize = 8;
/// Bracketed paste off: rustyline turns it on while it edits a line.
const BRACKETED_PASTE_OFF: &str = "\x1b[?2004l";

// ANCHOR: start
/// Starts the line editor: each entered line goes to `tx` as `wrap(Input::Line(line))`,
/// Ctrl-D as `wrap(Input::End)`, and Ctrl-C raises step 4's `LEAVE_REQUESTED` and sends
/// `interrupted()`, as the SIGINT handler would. Returns where the client's lines go:
/// above the line being edited. `objects` is the room, whose presence table gives the
/// prompt's name and the names that `/msg ` completes.
///
/// A terminal that rustyline cannot drive (`TERM=dumb`) is read line by line, as a pipe.
pub fn start<T: Send + 'static>(
    tx: Sender<T>,
    wrap: fn(Input) -> T,
    interrupted: fn() -> T,
    objects: Arc<RoomObjects>,
) -> anyhow::Result<Box<dyn Output>> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor: Editor<ChatHelper, DefaultHistory> = Editor::with_config(config)?;
    let printer = match editor.create_external_printer() {
        Ok(printer) => printer,
        Err(error) => {
            tracing::debug!("no line editor on this terminal ({error}): reading lines");
            client::spawn_stdin_reader_into(tx, wrap);
            return Ok(Box::new(Stdout));
        }
    };
    let colour = colour_wanted();
    let own_pid = std::process::id() as i32;
    let shared = Arc::new(Shared::default());
    let name = own_name(&objects, own_pid);
    let prompt = ChatPrompt::new(name.as_deref(), colour, Arc::clone(&shared));
    editor.set_helper(Some(ChatHelper { objects, own_pid }));
    for (key, ending) in [
        (KeyEvent(KeyCode::Enter, Modifiers::NONE), Ending::Enter),
        (KeyEvent::ctrl('J'), Ending::Enter),
        (KeyEvent::ctrl('C'), Ending::Interrupt),
        (KeyEvent::ctrl('D'), Ending::EndOfFile),
    ] {
        let handler = EndingKey {
            shared: Arc::clone(&shared),
            ending,
        };
        editor.bind_sequence(key, EventHandler::Conditional(Box::new(handler)));
    }

    let (lines, to_print) = mpsc::channel();
    let (printer_done_tx, printer_done) = mpsc::channel();
    let printer_shared = Arc::clone(&shared);
    thread::Builder::new()
        .name("ipc-chat printer".into())
        .spawn(move || print_lines(printer, &to_print, &printer_shared, printer_done_tx))?;
    let output = EditorOutput {
        stderr: StderrRedirect::start(lines.clone()),
        lines: Some(lines),
        colour,
        shared: Arc::clone(&shared),
        printer_done,
        original_mode: terminal_mode(),
    };
    thread::Builder::new()
        .name("ipc-chat editor".into())
        .spawn(move || {
            let ends = Ends {
                tx,
                wrap,
                interrupted,
            };
            edit_lines(editor, &prompt, &ends, &shared, colour);
        })
        .inspect_err(|_| output.shared.lock().phase = Phase::Stopped)?;
    Ok(Box::new(output))
}
// ANCHOR_END: start

/// Who may write on the screen, as the editor goes from one line to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The editor is about to edit a line: no prompt on the screen yet, so lines are
    /// written directly (the terminal may already be raw; its output is still cooked).
    Starting,
    /// rustyline edits a line (it has asked for the prompt, so the terminal is raw):
    /// lines go through its external printer.
    Editing,
    /// A line was entered, or editing ended: lines wait until the editor has erased the
    /// entered line and answered it.
    Closing,
    /// The editor has stopped for good (Ctrl-D, Ctrl-C, `/quit`): lines are written
    /// directly.
    Stopped,
}

/// The gate's state; see [`Phase`].
#[derive(Debug)]
struct Gate {
    /// Where the editor is.
    phase: Phase,
    /// The printer thread is inside [`ExternalPrinter::print`].
    in_print: bool,
    /// A line was handed to rustyline and the prompt has not been drawn since.
    unshown: bool,
    /// The output was dropped: the editor must not edit another line.
    stopping: bool,
}

/// The gate and its condition variable, shared by the threads and the output.
#[derive(Debug)]
struct Shared {
    /// The state.
    gate: Mutex<Gate>,
    /// Notified at every change of the state.
    changed: Condvar,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            gate: Mutex::new(Gate {
                phase: Phase::Starting,
                in_print: false,
                unshown: false,
                stopping: false,
            }),
            changed: Condvar::new(),
        }
    }
}

impl Shared {
    /// Takes the gate (a thread that panicked while holding it left a usable state).
    fn lock(&self) -> MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits while `condition` holds, for at most `timeout` if one is given.
    fn wait_while<'a>(
        &self,
        gate: MutexGuard<'a, Gate>,
        timeout: Option<Duration>,
        condition: impl FnMut(&mut Gate) -> bool,
    ) -> MutexGuard<'a, Gate> {
        match timeout {
            None => self
                .changed
                .wait_while(gate, condition)
                .unwrap_or_else(PoisonError::into_inner),
            Some(timeout) => {
                self.changed
                    .wait_timeout_while(gate, timeout, condition)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        }
    }

    /// The editor stops editing: no line goes to rustyline any more, and a line being
    /// handed to it is given a moment to get there (it then shows at the next prompt).
    fn close(&self) {
        let mut gate = self.lock();
        gate.phase = Phase::Closing;
        self.changed.notify_all();
        drop(self.wait_while(gate, Some(PRINT_GRACE), |gate| gate.in_print));
    }

    /// Moves the editor to `phase`.
    fn set(&self, phase: Phase) {
        self.lock().phase = phase;
        self.changed.notify_all();
    }
}

/// The prompt, `NAME> `. rustyline asks for it once the terminal is raw and whenever it
/// draws the line again, which is how the gate learns that editing has begun and that a
/// line handed to the printer has been shown.
struct ChatPrompt {
    /// The prompt as typed.
    plain: String,
    /// The prompt in bold (same width), if colours are wanted.
    styled: String,
    /// The gate.
    shared: Arc<Shared>,
}

impl ChatPrompt {
    /// The prompt for `name` (`> ` if we could not find it), telling `shared`.
    fn new(name: Option<&str>, colour: bool, shared: Arc<Shared>) -> ChatPrompt {
        let plain = name.map_or_else(|| "> ".to_string(), |name| format!("{name}> "));
        let styled = if colour {
            format!("\x1b[1m{}\x1b[0m ", plain.trim_end())
        } else {
            plain.clone()
        };
        ChatPrompt {
            plain,
            styled,
            shared,
        }
    }

    /// Called whenever rustyline uses the prompt.
    fn drawn(&self) {
        let mut gate = self.shared.lock();
        if gate.phase == Phase::Starting {
            gate.phase = Phase::Editing;
        }
        gate.unshown = false;
        self.shared.changed.notify_all();
    }
}

impl Prompt for ChatPrompt {
    fn raw(&self) -> &str {
        self.drawn();
        &self.plain
    }

    fn styled(&self) -> &str {
        self.drawn();
        &self.styled
    }
}

/// Which key a [`EndingKey`] watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Enter (or Ctrl-J): the line is entered.
    Enter,
    /// Ctrl-C.
    Interrupt,
    /// Ctrl-D, which ends the input only on an empty line.
    EndOfFile,
}

/// Closes the gate as soon as a key that ends the editing is read, while the terminal is
/// still raw, so that no line is printed between the end of `readline` and the erasing of
/// the entered line. The key then does what it always does.
struct EndingKey {
    /// The gate.
    shared: Arc<Shared>,
    /// The key.
    ending: Ending,
}

impl ConditionalEventHandler for EndingKey {
    fn handle(
        &self,
        _event: &rustyline::Event,
        _count: RepeatCount,
        _positive: bool,
        context: &EventContext,
    ) -> Option<Cmd> {
        if self.ending != Ending::EndOfFile || context.line().is_empty() {
            self.shared.close();
        }
        None
    }
}

/// Completion of commands and of the names of who is online.
struct ChatHelper {
    /// The room, for its presence table.
    objects: Arc<RoomObjects>,
    /// Our pid, left out of the names.
    own_pid: i32,
}

impl ChatHelper {
    /// The names of who is online but us, read now under the room's lock; none if the
    /// room cannot be read (its server is gone).
    fn names(&self) -> Vec<String> {
        match self.objects.lock() {
            Ok(held) => present(&held)
                .into_iter()
                .filter(|member| member.pid != self.own_pid)
                .map(|member| member.name)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Completer for ChatHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _context: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or(line);
        if let Some(found) = complete_command(before) {
            return Ok(found);
        }
        if let Some((start, partial)) = name_to_complete(before) {
            return Ok((start, complete_name(partial, self.names())));
        }
        Ok((pos, Vec::new()))
    }
}

impl Hinter for ChatHelper {
    type Hint = String;
}

impl Highlighter for ChatHelper {}

impl Validator for ChatHelper {}

impl Helper for ChatHelper {}

/// The commands as they complete (`/msg ` with its space, ready for the name).
const COMMAND_WORDS: [&str; 3] = ["/who", "/msg ", "/quit"];

/// Completes a command word: `before` (the line up to the cursor) is `/` and letters.
fn complete_command(before: &str) -> Option<(usize, Vec<Pair>)> {
    if !before.starts_with('/') || before.starts_with("//") || before.contains(char::is_whitespace)
    {
        return None;
    }
    let candidates = COMMAND_WORDS
        .iter()
        .filter(|word| word.starts_with(before))
        .map(|word| Pair {
            display: word.trim_end().to_string(),
            replacement: word.to_string(),
        })
        .collect();
    Some((0, candidates))
}

/// The start and the text of the name being typed after `/msg `, if that is where the
/// cursor is.
fn name_to_complete(before: &str) -> Option<(usize, &str)> {
    let rest = before.strip_prefix("/msg")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let partial = rest.trim_start();
    if partial.contains(char::is_whitespace) {
        return None;
    }
    Some((before.len() - partial.len(), partial))
}

/// The names that begin with `partial`, sorted, each followed by a space for the text.
fn complete_name(partial: &str, mut names: Vec<String>) -> Vec<Pair> {
    names.retain(|name| name.starts_with(partial));
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| Pair {
            replacement: format!("{name} "),
            display: name,
        })
        .collect()
}

/// What the editor sends to the main loop.
struct Ends<T> {
    /// The main loop's channel.
    tx: Sender<T>,
    /// Makes an input into the main loop's event.
    wrap: fn(Input) -> T,
    /// The event that makes the main loop look at `LEAVE_REQUESTED`.
    interrupted: fn() -> T,
}

/// What the editor does after a line.
#[derive(Debug, PartialEq, Eq)]
enum After {
    /// Edit the next one, starting with this text (a line that could not be sent).
    Next(String),
    /// Stop: `/quit` was sent, or the main loop is gone.
    Stop,
}

/// The editor thread: edits lines until the input ends, then says so and stops.
fn edit_lines<T>(
    mut editor: Editor<ChatHelper, DefaultHistory>,
    prompt: &ChatPrompt,
    ends: &Ends<T>,
    shared: &Arc<Shared>,
    colour: bool,
) {
    block_client_signals();
    let mut initial = String::new();
    loop {
        {
            let mut gate = shared.lock();
            if gate.stopping {
                break;
            }
            gate.phase = Phase::Starting;
            shared.changed.notify_all();
        }
        let read = editor.readline_with_initial(prompt, (initial.as_str(), ""));
        shared.close();
        let columns = editor
            .dimensions()
            .map_or(80, |(columns, _)| usize::from(columns));
        match read {
            Ok(typed) => {
                // The entered line stays on the screen: erase it, it comes back from
                // the room (or its answer does).
                let _ = erase_rows(rows_taken(&prompt.plain, &typed, columns));
                if !typed.trim().is_empty() {
                    let _ = editor.add_history_entry(typed.as_str());
                }
                match send_typed(&typed, ends, colour) {
                    After::Next(text) => initial = text,
                    After::Stop => break,
                }
            }
            Err(ReadlineError::Eof) => {
                let _ = erase_rows(rows_taken(&prompt.plain, "", columns));
                let _ = ends.tx.send((ends.wrap)(Input::End));
                break;
            }
            Err(ReadlineError::Interrupted) => {
                // The terminal is raw, so Ctrl-C is a key, not SIGINT: do what the
                // handler of SIGINT does, then wake the main loop as its watcher would.
                LEAVE_REQUESTED.store(true, Ordering::Relaxed);
                let _ = ends.tx.send((ends.interrupted)());
                break;
            }
            Err(error) => {
                eprintln!("the line editor failed ({error}): leaving the room");
                let _ = ends.tx.send((ends.wrap)(Input::End));
                break;
            }
        }
    }
    shared.set(Phase::Stopped);
}

/// Sends the lines of an entered text (a paste may hold several) to the main loop; a line
/// that is no valid command is explained here and offered again for editing.
fn send_typed<T>(typed: &str, ends: &Ends<T>, colour: bool) -> After {
    let lines: Vec<&str> = typed
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let mut again = String::new();
    for line in &lines {
        let quit = match Command::parse(line) {
            Ok(None) => continue,
            Ok(Some(command)) => command == Command::Quit,
            Err(error) => {
                let notice = paint(&format!("not sent: {error}"), Style::Notice, colour);
                let _ = write_line(&notice);
                if lines.len() == 1 {
                    again = line.to_string();
                }
                continue;
            }
        };
        if ends
            .tx
            .send((ends.wrap)(Input::Line(line.to_string())))
            .is_err()
            || quit
        {
            return After::Stop;
        }
    }
    After::Next(again)
}

/// The rows of the screen that `prompt` and `text` took, as rustyline laid them out on
/// `columns` columns (a row that is exactly full puts the cursor on the next one).
fn rows_taken(prompt: &str, text: &str, columns: usize) -> usize {
    let columns = columns.max(1);
    let (mut row, mut column) = (0, 0);
    for c in prompt.chars().chain(text.chars()) {
        if c == '\n' {
            row += 1;
            column = 0;
            continue;
        }
        let width = if c == '\t' {
            TAB_STOP - column % TAB_STOP
        } else {
            c.width().unwrap_or(0)
        };
        column += width;
        if column > columns {
            row += 1;
            column = width;
        }
    }
    if column == columns {
        row += 1;
    }
    row + 1
}

/// Erases the `rows` rows above the cursor (rustyline left it below the entered line).
fn erase_rows(rows: usize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b[{rows}A\r\x1b[J")?;
    out.flush()
}

/// Writes one line on the terminal, directly.
fn write_line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Whether to style lines with colours: unless `NO_COLOR` is set (https://no-color.org),
/// the rule rustyline follows for its own colours.
fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// `line` styled for the terminal: private lines bold magenta, notices dim, the rest
/// plain.
fn paint(line: &str, style: Style, colour: bool) -> String {
    match (colour, style) {
        (false, _) | (true, Style::Public) => line.to_string(),
        (true, Style::Private) => format!("\x1b[1;35m{line}\x1b[0m"),
        (true, Style::Notice) => format!("\x1b[2m{line}\x1b[0m"),
    }
}

/// The printer thread: shows each line as the gate allows, until every sender is gone.
fn print_lines(
    mut printer: impl ExternalPrinter,
    lines: &Receiver<String>,
    shared: &Shared,
    _done: Sender<()>,
) {
    block_client_signals();
    for text in lines {
        let gate = shared.lock();
        let mut gate = shared.wait_while(gate, None, |gate| gate.phase == Phase::Closing);
        if gate.phase == Phase::Editing {
            gate.in_print = true;
            drop(gate);
            // With its newline: rustyline writes the text as it is when its terminal is
            // not raw (any more), and adds none when there is one.
            let printed = printer.print(format!("{text}\n"));
            let mut gate = shared.lock();
            gate.in_print = false;
            gate.unshown = printed.is_ok();
            shared.changed.notify_all();
            if printed.is_err() && write_line(&text).is_err() {
                return;
            }
        } else if write_line(&text).is_err() {
            // The terminal is gone: the client's next line fails, and it leaves.
            return;
        }
    }
}

/// The name we joined as, from the presence table.
fn own_name(objects: &RoomObjects, own_pid: i32) -> Option<String> {
    let held = objects.lock().ok()?;
    let name = present(&held)
        .into_iter()
        .find(|member| member.pid == own_pid)?
        .name;
    Some(
        name.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect(),
    )
}

/// Blocks the client's signals in this thread: they are for its watcher (step 7's
/// client), whose futex wait they interrupt.
fn block_client_signals() {
    let mut signals = SigSet::from(Signal::SIGUSR1);
    for signal in client::leave_signals() {
        signals.add(signal);
    }
    let _ = signals.thread_block();
}

/// The terminal's mode now (the cooked mode rustyline gives back after each line).
fn terminal_mode() -> Option<libc::termios> {
    // SAFETY: termios is plain integers, so all-zero bytes are a valid value, and
    // tcgetattr only writes into the one we pass.
    let mut mode: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd 0 is ours to query; `mode` is a valid, writable termios.
    (unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut mode) } == 0).then_some(mode)
}

/// While the editor runs, stderr is a pipe whose lines the printer shows (a message on
/// stderr would otherwise land in the middle of the line being typed).
struct StderrRedirect {
    /// The real stderr, put back at the end.
    saved: OwnedFd,
    /// Closed when the forwarding thread has handed over everything.
    done: Receiver<()>,
}

impl StderrRedirect {
    /// Makes stderr a pipe into `lines`, if stderr is a terminal (one that is a file or
    /// a pipe is nobody's screen and is left alone).
    fn start(lines: Sender<String>) -> Option<StderrRedirect> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two new descriptors into the array of two we pass.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return None;
        }
        // SAFETY: pipe2 succeeded, so both are open descriptors that nothing else owns.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: duplicating fd 2, which is open (it is a terminal), into a new
        // descriptor; the result is checked before it is owned.
        let saved = unsafe { libc::fcntl(libc::STDERR_FILENO, libc::F_DUPFD_CLOEXEC, 3) };
        if saved < 0 {
            return None;
        }
        // SAFETY: fcntl returned a new descriptor that nothing else owns.
        let saved = unsafe { OwnedFd::from_raw_fd(saved) };
        let (done_tx, done) = mpsc::channel::<()>();
        let reader = File::from(read);
        let spawned = thread::Builder::new()
            .name("ipc-chat stderr".into())
            .spawn(move || forward_stderr(reader, &lines, done_tx));
        if spawned.is_err() {
            return None;
        }
        // SAFETY: dup2 makes fd 2 a copy of the pipe's write end, atomically; the pipe's
        // read end is open in the forwarding thread, so writes to stderr cannot fail.
        if unsafe { libc::dup2(write.as_raw_fd(), libc::STDERR_FILENO) } < 0 {
            // The thread ends when `write` closes, here.
            return None;
        }
        Some(StderrRedirect { saved, done })
    }

    /// Puts the real stderr back and waits (a little) until the pipe is empty.
    fn restore(self) {
        // SAFETY: dup2 makes fd 2 a copy of the saved stderr, atomically; the pipe's last
        // write end (the old fd 2) closes, so the forwarding thread reads to the end.
        unsafe { libc::dup2(self.saved.as_raw_fd(), libc::STDERR_FILENO) };
        let _ = self.done.recv_timeout(FLUSH_TIMEOUT);
    }
}

/// The stderr thread: each line of the pipe to the printer, until the pipe ends. It
/// reads to the end whatever happens, so that a write to stderr never fails.
fn forward_stderr(reader: File, lines: &Sender<String>, _done: Sender<()>) {
    block_client_signals();
    let mut reader = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buffer);
                let line = line.trim_end_matches(['\n', '\r']);
                let _ = lines.send(
                    line.chars()
                        .map(|c| if c.is_control() { '?' } else { c })
                        .collect(),
                );
            }
        }
    }
}

/// The client's lines at a terminal with a line editor: above the line being edited.
/// Dropping it shows what is left to show and gives the terminal back as it was.
struct EditorOutput {
    /// To the printer thread; taken at the end, which ends it.
    lines: Option<Sender<String>>,
    /// Whether lines are styled.
    colour: bool,
    /// The gate.
    shared: Arc<Shared>,
    /// Closed when the printer thread has ended.
    printer_done: Receiver<()>,
    /// Stderr's pipe, while it is one.
    stderr: Option<StderrRedirect>,
    /// The terminal's mode when the editor started.
    original_mode: Option<libc::termios>,
}

impl Output for EditorOutput {
    fn show(&mut self, line: &str, style: Style) -> Result<()> {
        let lines = self.lines.as_ref().ok_or(ChatError::StdoutClosed)?;
        // The printer thread ends only when the terminal is gone.
        lines
            .send(paint(line, style, self.colour))
            .map_err(|_| ChatError::StdoutClosed)
    }
}

impl Drop for EditorOutput {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        if let Some(stderr) = self.stderr.take() {
            stderr.restore();
        }
        self.lines = None;
        let _ = self.printer_done.recv_timeout(FLUSH_TIMEOUT);
        // Let the editor finish a line it is answering, or show the last line handed to
        // it (it draws the prompt again after each), for a moment at most.
        let gate = self.shared.lock();
        let gate = self.shared.wait_while(gate, Some(SETTLE_TIMEOUT), |gate| {
            matches!(gate.phase, Phase::Starting | Phase::Closing)
                || (gate.phase == Phase::Editing && gate.unshown)
        });
        let editing = gate.phase != Phase::Stopped;
        drop(gate);
        if !editing {
            // rustyline gave the terminal back itself after its last line.
            return;
        }
        // The editor is still inside readline, with the terminal raw, and the process is
        // about to end without it: give the terminal its mode back, and a fresh line.
        if let Some(mode) = self.original_mode {
            // SAFETY: `mode` is the termios tcgetattr filled for this terminal at start.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, &mode) };
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{BRACKETED_PASTE_OFF}");
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replacements(found: Option<(usize, Vec<Pair>)>) -> Option<(usize, Vec<String>)> {
        found.map(|(start, pairs)| (start, pairs.into_iter().map(|p| p.replacement).collect()))
    }

    #[test]
    fn command_words_complete_from_their_first_letters() {
        assert_eq!(
            replacements(complete_command("/w")),
            Some((0, vec!["/who".into()]))
        );
        assert_eq!(
            replacements(complete_command("/m")),
            Some((0, vec!["/msg ".into()]))
        );
        assert_eq!(
            replacements(complete_command("/q")),
            Some((0, vec!["/quit".into()]))
        );
        assert_eq!(
            replacements(complete_command("/")).map(|(_, r)| r.len()),
            Some(3)
        );
        assert_eq!(replacements(complete_command("/x")), Some((0, vec![])));
        assert!(complete_command("hello").is_none());
        assert!(complete_command("//w").is_none());
        assert!(complete_command("/msg bo").is_none());
    }

    #[test]
    fn the_name_after_msg_completes_from_who_is_online() {
        assert_eq!(name_to_complete("/msg "), Some((5, "")));
        assert_eq!(name_to_complete("/msg  bo"), Some((6, "bo")));
        assert_eq!(name_to_complete("/msg bob hi"), None);
        assert_eq!(name_to_complete("/msgbob"), None);
        assert_eq!(name_to_complete("hello"), None);
        let names = vec!["carol".into(), "bob".into(), "bill".into(), "bob".into()];
        let found: Vec<String> = complete_name("b", names)
            .into_iter()
            .map(|p| p.replacement)
            .collect();
        assert_eq!(found, ["bill ", "bob "]);
        assert!(complete_name("z", vec!["bob".into()]).is_empty());
    }

    #[test]
    fn rows_follow_rustylines_layout() {
        assert_eq!(rows_taken("alice> ", "", 80), 1);
        assert_eq!(rows_taken("alice> ", "hello", 80), 1);
        // 7 + 73 = 80 columns exactly: the cursor goes to the next row.
        assert_eq!(rows_taken("alice> ", &"x".repeat(73), 80), 2);
        assert_eq!(rows_taken("alice> ", &"x".repeat(72), 80), 1);
        assert_eq!(rows_taken("alice> ", &"x".repeat(74), 80), 2);
        assert_eq!(rows_taken("> ", "one\ntwo", 80), 2);
        // Wide characters take two columns: 2 + 2 * 39 = 80 fills the row exactly, and
        // with a prompt of 3 the 39th does not fit and goes to the next row.
        assert_eq!(rows_taken("> ", &"字".repeat(38), 80), 1);
        assert_eq!(rows_taken("> ", &"字".repeat(39), 80), 2);
        assert_eq!(rows_taken("x> ", &"字".repeat(39), 80), 2);
    }

    #[test]
    fn private_lines_and_notices_look_different_unless_no_colour() {
        assert_eq!(paint("hi", Style::Public, true), "hi");
        assert_eq!(paint("hi", Style::Private, true), "\x1b[1;35mhi\x1b[0m");
        assert_eq!(paint("hi", Style::Notice, true), "\x1b[2mhi\x1b[0m");
        for style in [Style::Public, Style::Private, Style::Notice] {
            assert_eq!(paint("hi", style, false), "hi");
        }
    }

    #[test]
    fn entered_lines_are_sent_one_by_one_and_bad_ones_offered_again() {
        let (tx, rx) = mpsc::channel();
        let ends = Ends {
            tx,
            wrap: |input| input,
            interrupted: || Input::End,
        };
        assert_eq!(
            send_typed("hello", &ends, false),
            After::Next(String::new())
        );
        assert_eq!(rx.try_recv(), Ok(Input::Line("hello".into())));
        assert_eq!(send_typed("   ", &ends, false), After::Next(String::new()));
        assert!(rx.try_recv().is_err());
        assert_eq!(
            send_typed("/mgs bob hi", &ends, false),
            After::Next("/mgs bob hi".into())
        );
        assert!(rx.try_recv().is_err());
        assert_eq!(
            send_typed("one\r\ntwo\n/quit\nthree", &ends, false),
            After::Stop
        );
        let sent: Vec<Input> = rx.try_iter().collect();
        assert_eq!(
            sent,
            [
                Input::Line("one".into()),
                Input::Line("two".into()),
                Input::Line("/quit".into())
            ]
        );
    }
}
