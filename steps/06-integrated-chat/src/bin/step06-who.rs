//! Lists who is online in a room, from its presence table in shared memory: no request
//! to the server, so it answers even when the server is busy or stopped.

use std::process::ExitCode;

use clap::Parser;
use step01_message_queue::cli::run_main;
use step04_chat::cli::RoomArg;
use step04_chat::format::clock;
use step06_integrated_chat::who::online;

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
        let room = args.room.room();
        let present = online(&room)?;
        println!("{} online in room {room}", present.len());
        for member in present {
            println!(
                "  {} (pid {}, since {})",
                member.name,
                member.pid,
                clock(member.joined_ms)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
