//! Lists who is online in a room, from its presence table in shared memory: no request
//! to the server, so it answers even when the server is busy or stopped.

use std::process::ExitCode;

use clap::Parser;
use step01_message_queue::cli::run_main;
use step04_chat::cli::RoomArg;
use step06_integrated_chat::who::listing;

/// List who is online in a room, from the presence table in shared memory.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    room: RoomArg,
}

fn main() -> ExitCode {
    run_main("step06-who", || {
        let args = Args::parse();
        print!("{}", listing(&args.room.room())?);
        Ok(ExitCode::SUCCESS)
    })
}
