//! A browser test that fails leaves nothing behind: the harness ends
//! chromedriver and the whole browser it started however the test ends,
//! and removes the browser's profile and the test's scratch files.
//!
//! The one test here plays two parts. Run by the suite, it runs this same
//! test binary again as a child, with `AUDIT_HARNESS_PROBE_FILE` set; the
//! child starts a browser, writes down chromedriver's and the browser's
//! process ids and the directories it made, and panics on purpose. The
//! parent then checks that the child failed as planned and that none of
//! those processes is still running, nor any of those directories there.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

const PROBE: &str = "AUDIT_HARNESS_PROBE_FILE";
const TEST_NAME: &str = "a_test_that_panics_with_a_browser_running_leaves_nothing_behind";
const ON_PURPOSE: &str = "panicking on purpose with the browser running";

#[tokio::test]
async fn a_test_that_panics_with_a_browser_running_leaves_nothing_behind() {
    if let Ok(file) = std::env::var(PROBE) {
        // The child: a browser with a page open and a scratch directory
        // with a file in it, then a panic midway.
        let scratch = support::servers::Scratch::new("probe");
        std::fs::write(scratch.path().join("kept"), "until the test ends").unwrap();
        let browser = support::Browser::start().await;
        browser.client.goto("about:blank").await.unwrap();
        let driver = browser.driver_pid();
        // One line a process: its id, a tab, its command line.
        let lines: Vec<String> = std::iter::once(driver)
            .chain(support::descendants(driver))
            .map(|pid| {
                let line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                format!(
                    "{pid}\t{}",
                    String::from_utf8_lossy(&line).replace('\0', " ")
                )
            })
            .collect();
        std::fs::write(&file, lines.join("\n")).unwrap();
        let dirs = [browser.scratch_dir(), scratch.path()];
        assert!(dirs.iter().all(|dir| dir.is_dir()), "{dirs:?}");
        let dirs: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        std::fs::write(dirs_file(file.as_ref()), dirs.join("\n")).unwrap();
        panic!("{ON_PURPOSE}");
    }

    let file = std::env::temp_dir().join(format!("audit-harness-probe-{}", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(PROBE, &file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !output.status.success() && said.contains(ON_PURPOSE),
        "the child test should have panicked on purpose: {said}"
    );
    let recorded = std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("the child wrote no process ids ({error}): {said}"));
    let _ = std::fs::remove_file(&file);
    let dirs = std::fs::read_to_string(dirs_file(&file))
        .unwrap_or_else(|error| panic!("the child wrote no directories ({error}): {said}"));
    let _ = std::fs::remove_file(dirs_file(&file));
    let left_dirs: Vec<&str> = dirs
        .lines()
        .filter(|dir| std::path::Path::new(dir).exists())
        .collect();
    assert!(
        dirs.lines().count() == 2 && left_dirs.is_empty(),
        "directories left after the failed test: {left_dirs:?} (of {dirs:?})"
    );
    let processes: Vec<(u32, &str)> = recorded
        .lines()
        .map(|line| {
            let (pid, command) = line.split_once('\t').unwrap();
            (pid.parse().unwrap(), command)
        })
        .collect();
    let pids: Vec<u32> = processes.iter().map(|(pid, _)| *pid).collect();
    // The first is chromedriver; the browser and its helpers follow.
    let browser_processes = processes
        .iter()
        .skip(1)
        .filter(|(_, command)| command.contains("chrom") && !command.contains("chromedriver"))
        .count();
    assert!(
        processes[0].1.contains("chromedriver") && browser_processes >= 3,
        "chromedriver and a browser with its helper processes should have been running: {processes:#?}"
    );
    // The child has exited; its processes were sent SIGKILL as it unwound.
    // Give the kernel a moment to finish them.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|pid| support::is_running(*pid))
        .collect();
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left.retain(|pid| support::is_running(*pid));
    }
    let described: Vec<String> = left
        .iter()
        .map(|pid| {
            let line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            format!(
                "{pid}: {}",
                String::from_utf8_lossy(&line).replace('\0', " ")
            )
        })
        .collect();
    // Leave nothing behind even when this fails.
    for pid in &left {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        described.is_empty(),
        "still running after the failed test: {described:#?}"
    );
}

/// Where the child writes down the directories it made.
fn dirs_file(probe: &std::path::Path) -> std::path::PathBuf {
    probe.with_extension("dirs")
}
