//! Exercises 2.1 to 2.3: creating and opening a segment (2.1), attaching, detaching and
//! removing it (2.2), and viewing its bytes as a typed struct (2.3), checked against
//! `shmctl(IPC_STAT)` and `/proc/PID/maps`.

use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::common::{
    COUNTER_PROJ, COUNTER_SIZE, MAILBOX_PROJ, command, eventually, fails, info, ok, read_segment,
    run, run_cmd, segment_id, spawn,
};
use crate::harness::{Proc, Sandbox, ipc};

/// The permissions (`rw-s`, `r--s`) of process `pid`'s mapping of the segment with `key`,
/// from `/proc/PID/maps`, where the kernel names it `/SYSVKEY`.
fn mapping_permissions(pid: i32, key: libc::key_t) -> Result<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .with_context(|| format!("cannot read /proc/{pid}/maps"))?;
    let name = format!("SYSV{:08x}", key as u32);
    maps.lines()
        .find(|line| line.contains(&name))
        .and_then(|line| line.split_whitespace().nth(1))
        .map(str::to_string)
        .with_context(|| {
            format!("process {pid} has no mapping of the segment ({name}) in /proc/{pid}/maps")
        })
}

/// Starts `step02-shm hold` and waits until it says it is attached.
fn hold(sb: &Sandbox, extra: &[&str]) -> Result<Proc> {
    let mut proc = spawn(sb, "step02-shm", "hold", extra)?;
    proc.wait_for_stdout(Duration::from_secs(5), "\"attached segment ...\"", |out| {
        out.contains("attached")
    })?;
    Ok(proc)
}

/// Makes `hold` detach (a line on stdin) and waits until it says so.
fn let_go(proc: &mut Proc) -> Result<()> {
    proc.write(b"\n")?;
    proc.wait_for_stdout(Duration::from_secs(5), "\"detached segment ...\"", |out| {
        out.contains("detached")
    })?;
    Ok(())
}

// ---------------------------------------------------------------- 2.1

pub fn create_makes_a_segment_of_the_given_size_and_mode(sb: &mut Sandbox) -> Result<()> {
    ok(
        sb,
        "step02-shm",
        "create",
        &["--size", "1000", "--mode", "640"],
    )?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    let segment = info(id)?;
    ensure!(
        segment.size == 1000 && segment.mode == 0o640,
        "`step02-shm create --size 1000 --mode 640` made a segment of {} bytes with mode {:o}",
        segment.size,
        segment.mode
    );
    ensure!(
        segment.attached == 0,
        "creating must not leave the segment attached ({} attachments)",
        segment.attached
    );
    let stderr = fails(
        sb,
        "step02-shm",
        "create",
        &["--size", "1000"],
        "the key has a segment already",
    )?;
    ensure!(
        stderr.contains("File exists"),
        "creating a segment for a key that has one must fail with EEXIST (\"File exists\"); stderr: {stderr}"
    );
    ensure!(
        segment_id(sb, MAILBOX_PROJ)? == id && info(id)?.size == 1000,
        "the failed second create must leave the first segment as it was"
    );
    ok(
        sb,
        "step02-shm",
        "create",
        &["--size", "64", "--proj-id", "7"],
    )?;
    let other = segment_id(sb, 7)?;
    ensure!(
        other != id && info(other)?.size == 64,
        "project id 7 must name a second segment (of 64 bytes), not segment {id} again"
    );
    Ok(())
}

pub fn opening_a_segment_of_another_size_is_refused(sb: &mut Sandbox) -> Result<()> {
    // A segment bigger than a mailbox: a typed view would fit, but the layout is unknown.
    ok(sb, "step02-shm", "create", &["--size", "8192"])?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    let stderr = fails(
        sb,
        "step02-msg",
        "write",
        &["--create", "must not land"],
        "the segment is 8192 bytes, a mailbox is 4096",
    )?;
    ensure!(
        stderr.contains("8192") && stderr.contains("4096"),
        "the error must give the segment's size (8192) and the expected one (4096); stderr: {stderr}"
    );
    ensure!(
        read_segment(id)?.iter().all(|&b| b == 0),
        "the refused write changed the bytes of the 8192-byte segment"
    );
    // Smaller than a mailbox, bigger than a counter.
    ok(
        sb,
        "step02-shm",
        "create",
        &["--size", "100", "--proj-id", "3"],
    )?;
    let stderr = fails(
        sb,
        "step02-counter",
        "get",
        &[],
        "the segment is 100 bytes, a counter is 16",
    )?;
    ensure!(
        stderr.contains("100") && stderr.contains("16"),
        "the error must give the segment's size (100) and the expected one (16); stderr: {stderr}"
    );
    let stderr = fails(
        sb,
        "step02-msg",
        "read",
        &["--proj-id", "3"],
        "the segment is 100 bytes, a mailbox is 4096",
    )?;
    ensure!(
        stderr.contains("100") && stderr.contains("4096"),
        "the error must give the segment's size (100) and the expected one (4096); stderr: {stderr}"
    );
    Ok(())
}

pub fn missing_key_file_and_missing_segment_are_clear_errors(sb: &mut Sandbox) -> Result<()> {
    let missing = sb.join("no-such-file");
    let out = run_cmd(
        sb,
        sb.cmd("step02-msg")
            .args(["write", "--create", "--path"])
            .arg(&missing)
            .arg("hello"),
    )?;
    ensure!(
        !out.success()
            && !out.stderr_text().contains("panicked")
            && out.stderr_text().contains(&*missing.to_string_lossy())
            && out.stderr_text().contains("No such file"),
        "with a missing key file the error must name the path and say \"No such file or directory\": {}",
        out.describe()
    );
    let stderr = fails(sb, "step02-msg", "read", &[], "no segment exists yet")?;
    ensure!(
        stderr.contains("shmget") && stderr.contains("No such file"),
        "opening a missing segment must fail naming the call (shmget) and its errno (No such file \
         or directory); stderr: {stderr}"
    );
    fails(sb, "step02-counter", "get", &[], "no segment exists yet")?;
    for proj in [MAILBOX_PROJ, COUNTER_PROJ] {
        ensure!(
            ipc::find(ipc::Kind::Segment, sb.key(proj)).is_none(),
            "opening without --create must not create a segment (project id {proj})"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- 2.2

pub fn segment_persists_until_removed(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    // `hold` with stdin at its end attaches, detaches and exits.
    for _ in 0..2 {
        let out = ok(sb, "step02-shm", "hold", &[])?;
        ensure!(
            out.stdout_text().contains("attached") && out.stdout_text().contains("detached"),
            "`step02-shm hold` must attach, then detach: {}",
            out.describe()
        );
    }
    let segment = info(id)?;
    ensure!(
        segment.attached == 0 && !segment.marked_for_removal,
        "after its users exit the segment must stay, unattached and not marked for removal \
         ({} attached, marked: {})",
        segment.attached,
        segment.marked_for_removal
    );
    ok(sb, "step02-shm", "rm", &[])?;
    ensure!(
        ipc::find(ipc::Kind::Segment, sb.key(MAILBOX_PROJ)).is_none(),
        "after `step02-shm rm`, shmget still finds a segment under the key"
    );
    ensure!(
        ipc::segment_info(id).is_none(),
        "with nobody attached, IPC_RMID must destroy segment {id} at once, but IPC_STAT still finds it"
    );
    let stderr = fails(sb, "step02-shm", "rm", &[], "the segment is gone")?;
    ensure!(
        stderr.contains("No such file"),
        "removing a segment that is gone must say so (ENOENT); stderr: {stderr}"
    );
    Ok(())
}

pub fn a_removal_the_kernel_refuses_is_reported(sb: &mut Sandbox) -> Result<()> {
    if !sb.can_switch_user() {
        eprintln!("note: the grader cannot run a command as another user here; check skipped");
        return Ok(());
    }
    // Readable by others, so that `nobody` can open it and read its size, but not theirs
    // to remove.
    ok(
        sb,
        "step02-shm",
        "create",
        &["--size", "4096", "--mode", "644"],
    )?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    sb.open_to_other_users()?;
    let out = run_cmd(sb, command(sb, "step02-shm", "rm", &[]).user(65534))?;
    out.expect_failure_saying(
        "Operation not permitted",
        "`step02-shm rm` run by another user must fail and say why (\"Operation not \
         permitted\"), not claim the segment was removed",
    )?;
    ensure!(
        info(id).is_ok_and(|segment| !segment.marked_for_removal),
        "the segment must be untouched by a refused removal"
    );
    Ok(())
}

pub fn removal_while_attached_waits_for_the_last_detach(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    let mut first = hold(sb, &[])?;
    let mut second = hold(sb, &["--read-only"])?;
    ensure!(
        info(id)?.attached == 2,
        "two `hold` processes are attached, but shm_nattch is {}",
        info(id)?.attached
    );
    ok(sb, "step02-shm", "rm", &[])?;
    ensure!(
        ipc::find(ipc::Kind::Segment, sb.key(MAILBOX_PROJ)).is_none(),
        "after IPC_RMID the key must be free: shmget still finds a segment"
    );
    let segment = info(id)?;
    ensure!(
        segment.marked_for_removal && segment.attached == 2,
        "while two processes are attached, IPC_RMID must only mark segment {id} for removal \
         (IPC_STAT says: marked {}, {} attached)",
        segment.marked_for_removal,
        segment.attached
    );
    // The key is free: a new segment under it is another segment (a "split brain").
    ok(sb, "step02-shm", "create", &["--size", "64"])?;
    let fresh = segment_id(sb, MAILBOX_PROJ)?;
    ensure!(
        fresh != id,
        "a create after IPC_RMID must make a new segment, not find segment {id}"
    );
    let_go(&mut second)?;
    eventually(
        Duration::from_secs(5),
        "shm_nattch did not drop to 1",
        || ipc::segment_info(id).is_some_and(|s| s.attached == 1),
    )?;
    let_go(&mut first)?;
    eventually(
        Duration::from_secs(5),
        "the segment marked for removal was not destroyed at its last detach",
        || ipc::segment_info(id).is_none(),
    )?;
    ensure!(
        first.is_running(),
        "the segment must be destroyed by the detach itself, while the process still runs"
    );
    first.close_stdin();
    second.close_stdin();
    first
        .wait(Duration::from_secs(5))?
        .expect_success("the first hold")?;
    second
        .wait(Duration::from_secs(5))?
        .expect_success("the second hold")?;
    Ok(())
}

pub fn dropping_the_guard_detaches(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let id = segment_id(sb, MAILBOX_PROJ)?;
    let mut holder = hold(sb, &[])?;
    ensure!(
        info(id)?.attached == 1,
        "`step02-shm hold` says it is attached, but shm_nattch is {}",
        info(id)?.attached
    );
    let_go(&mut holder)?;
    ensure!(
        holder.is_running(),
        "`hold` must keep running after it detaches (until stdin ends)"
    );
    let attached = info(id)?.attached;
    ensure!(
        attached == 0,
        "after the guard was dropped (the process still runs) shm_nattch is {attached}, expected 0: \
         does the drop call shmdt?"
    );
    holder.close_stdin();
    holder
        .wait(Duration::from_secs(5))?
        .expect_success("`step02-shm hold`")?;
    Ok(())
}

pub fn read_only_attach_maps_the_segment_read_only(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let key = sb.key(MAILBOX_PROJ);
    let mut reader = hold(sb, &["--read-only"])?;
    let mut writer = hold(sb, &[])?;
    let read_only = mapping_permissions(reader.pid(), key)?;
    let read_write = mapping_permissions(writer.pid(), key)?;
    ensure!(
        read_only.starts_with("r-"),
        "`hold --read-only` must map the segment read-only (SHM_RDONLY): /proc/PID/maps says {read_only}"
    );
    ensure!(
        read_write.starts_with("rw"),
        "`hold` must map the segment readable and writable: /proc/PID/maps says {read_write}"
    );
    let_go(&mut reader)?;
    let_go(&mut writer)?;
    let out = ok(sb, "step02-shm", "dump", &["--bytes", "32"])?;
    ensure!(
        out.stdout_text().contains("00000010") && out.stdout_text().contains("00 00 00 00"),
        "`step02-shm dump` (a read-only attachment) must show the segment's first bytes: {}",
        out.describe()
    );
    Ok(())
}

// ---------------------------------------------------------------- 2.3

pub fn typed_view_refuses_a_segment_too_small(sb: &mut Sandbox) -> Result<()> {
    for (size, proj) in [("16", "2"), ("4095", "5")] {
        ok(
            sb,
            "step02-shm",
            "create",
            &["--size", size, "--proj-id", proj],
        )?;
        let out = run(
            sb,
            "step02-shm",
            "view",
            &["--as", "mailbox", "--proj-id", proj],
        )?;
        ensure!(
            out.code() == Some(1) && !out.stderr_text().contains("panicked"),
            "viewing a segment of {size} bytes as a 4096-byte Mailbox must fail with a clear error \
             (exit status 1), not read past the segment: {}",
            out.describe()
        );
        let stderr = out.stderr_text();
        ensure!(
            stderr.contains("Mailbox") && stderr.contains("4096") && stderr.contains(size),
            "the error must name the type (Mailbox), its size (4096) and the segment's ({size}); \
             stderr: {stderr}"
        );
    }
    Ok(())
}

pub fn typed_view_of_a_new_segment_reads_zero(sb: &mut Sandbox) -> Result<()> {
    ok(
        sb,
        "step02-shm",
        "create",
        &["--size", &COUNTER_SIZE.to_string(), "--proj-id", "3"],
    )?;
    let out = ok(sb, "step02-counter", "get", &[])?;
    ensure!(
        out.stdout_text().trim() == "0",
        "a new counter segment is all zeros, so `step02-counter get` must print 0: {}",
        out.describe()
    );
    let out = ok(
        sb,
        "step02-shm",
        "view",
        &["--as", "counter", "--proj-id", "3"],
    )?;
    out.expect_stdout(
        "value 0",
        "`step02-shm view --as counter` of a new segment must show value 0",
    )?;
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let out = ok(sb, "step02-shm", "view", &["--as", "counter"])?;
    out.expect_stdout(
        "value 0",
        "a 16-byte Counter fits at the start of a 4096-byte segment",
    )?;
    Ok(())
}
