//! `ipc-chat bench` (being written).

/// The arguments of `ipc-chat bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub room: step04_chat::cli::RoomArg,
}

/// Runs `ipc-chat bench`.
pub fn run(_args: &Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("ipc-chat bench is not built yet")
}
