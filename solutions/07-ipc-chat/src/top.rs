//! `ipc-chat top` (being written).

/// The arguments of `ipc-chat top`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub room: step04_chat::cli::RoomArg,
}

/// Runs `ipc-chat top`.
pub fn run(_args: &Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("ipc-chat top is not built yet")
}
