//! Project automation, so a fresh machine needs only `cargo`:
//!
//! - `cargo xtask demo`: set up, build the app, run the gateway in demo mode.
//! - `cargo xtask test`: set up and run every test (what CI runs).
//! - `cargo xtask bench`: set up and run the benchmarks.
//! - `cargo xtask setup`: only the set-up.
//!
//! Set-up installs what `shared/TOOLCHAIN.md` lists, skipping whatever is
//! already there at the right version. Every step says what it runs; any
//! failure stops with a message and a non-zero exit.

mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("setup") => setup::run(&root()).map(|_| ()),
        Some("build") => setup::run(&root()).and_then(|tools| build_app(&tools).map(|_| ())),
        _ => Err("usage: cargo xtask <demo [gateway flags] | test | bench | build | setup>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this crate lives in `crates/xtask`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A command in the workspace root with the tools on `PATH`.
fn command(program: &str, env: &setup::Tools) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env("PATH", &env.path);
    command
}

/// Runs a command to completion; fails with what was run.
fn run(mut command: Command) -> Result<(), String> {
    eprintln!("\n==> {}", describe(&command));
    let status = command
        .status()
        .map_err(|error| format!("cannot run {}: {error}", describe(&command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(&command)))
    }
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The production gateway knows only remote upstreams: nothing of the
/// simulator (its data generator, its fault injection) is among the crates
/// its release binary is built from. The demo wiring lives in `audit-demo`.
fn gateway_ships_no_simulator(tools: &setup::Tools) -> Result<(), String> {
    let mut tree = command("cargo", tools);
    tree.args([
        "tree",
        "--package",
        "audit-gateway",
        "--edges",
        "normal,build",
        "--prefix",
        "none",
    ]);
    eprintln!("\n==> {}", describe(&tree));
    let output = tree
        .output()
        .map_err(|error| format!("cannot run {}: {error}", describe(&tree)))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            describe(&tree),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let listing = String::from_utf8_lossy(&output.stdout);
    let crates = listing.lines().count();
    if let Some(line) = listing
        .lines()
        .find(|line| line.starts_with("simulated-upstreams") || line.starts_with("audit-demo"))
    {
        return Err(format!(
            "the gateway's release build depends on demo code ({line}); demo wiring belongs in crates/audit-demo"
        ));
    }
    eprintln!("the gateway is built from {crates} crates, none of them demo code");
    Ok(())
}

fn build_app(tools: &setup::Tools) -> Result<Sizes, String> {
    let mut trunk = command("trunk", tools);
    trunk.args(["build", "--release", "--offline"]);
    run(trunk)?;
    precompress(&root().join("dist"))
}

/// The built app's text and wasm files, in bytes: as built, and as the
/// gateway sends them (brotli or gzip).
#[derive(Debug, Clone, Copy, Default)]
struct Sizes {
    raw: usize,
    brotli: usize,
    gzip: usize,
}

/// Writes a brotli (`.br`) and a gzip (`.gz`) copy of every text and wasm
/// file of the built app beside it, at the strongest settings (brotli 11;
/// gzip by zopfli, a standard gzip stream about 4% smaller than level 9
/// gives), once per build: the gateway serves these to browsers that
/// accept them, so no request pays for compressing the app.
fn precompress(dist: &Path) -> Result<Sizes, String> {
    let entries = std::fs::read_dir(dist)
        .map_err(|error| format!("cannot read {}: {error}", dist.display()))?;
    let (mut raw, mut br, mut gz) = (0usize, 0usize, 0usize);
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        let compressible = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css" | "html" | "svg" | "json")
        );
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let mut brotli_bytes = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli_bytes, &params)
            .map_err(|error| format!("brotli {}: {error}", path.display()))?;
        let mut gzip_bytes = Vec::new();
        zopfli::compress(
            zopfli::Options::default(),
            zopfli::Format::Gzip,
            bytes.as_slice(),
            &mut gzip_bytes,
        )
        .map_err(|error| format!("gzip {}: {error}", path.display()))?;
        let with = |suffix: &str| {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            std::path::PathBuf::from(name)
        };
        for (target, data) in [(with(".br"), &brotli_bytes), (with(".gz"), &gzip_bytes)] {
            std::fs::write(&target, data)
                .map_err(|error| format!("cannot write {}: {error}", target.display()))?;
        }
        raw += bytes.len();
        br += brotli_bytes.len();
        gz += gzip_bytes.len();
    }
    eprintln!(
        "precompressed the app: {} KB, {} KB as brotli, {} KB as gzip",
        raw / 1024,
        br / 1024,
        gz / 1024
    );
    Ok(Sizes {
        raw,
        brotli: br,
        gzip: gz,
    })
}

fn demo(gateway_args: &[String]) -> Result<(), String> {
    let tools = setup::run(&root())?;
    build_app(&tools)?;
    let mut gateway = command("cargo", &tools);
    gateway.args([
        "run",
        "--release",
        "--package",
        "audit-demo",
        "--",
        "--dist",
    ]);
    gateway.arg(root().join("dist"));
    // The demo keeps recording, so a live view moves.
    if !gateway_args.iter().any(|arg| arg == "--demo-live") {
        gateway.arg("--demo-live");
    }
    gateway.args(gateway_args);
    eprintln!("\nStarting the demo (simulated upstreams and the gateway); open the URL it prints (Ctrl-C stops it).");
    run(gateway)
}

/// Totals of the `test result:` lines seen so far.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    /// Reads one line of test output (`test result: ok. 5 passed; 0 failed; 1 ignored; ...`).
    fn read(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(name), Some(number)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            match name {
                "passed" => self.passed += number,
                "failed" => self.failed += number,
                "ignored" => self.ignored += number,
                _ => {}
            }
        }
    }
}

/// Runs a test command, echoing its output and counting its results.
fn run_tests(mut command: Command, tally: &mut Tally) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    eprintln!("\n==> {}", describe(&command));
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", describe(&command)))?;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            tally.read(&line);
        }
    }
    let status = child.wait().map_err(|error| error.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(&command)))
    }
}

fn test() -> Result<(), String> {
    let tools = setup::run(&root())?;
    let mut fmt = command("cargo", &tools);
    fmt.args(["fmt", "--all", "--", "--check"]);
    run(fmt)?;
    let mut clippy = command("cargo", &tools);
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    let mut clippy_wasm = command("cargo", &tools);
    clippy_wasm.args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "audit-dashboard",
        "--package",
        "audit-core",
        "--lib",
        "--bins",
        "--tests",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy_wasm)?;
    gateway_ships_no_simulator(&tools)?;
    build_app(&tools)?;

    let mut tally = Tally::default();
    // Every suite runs even when one fails (`--no-fail-fast`, and the wasm
    // suite after a failed native one), so one failure never hides another;
    // the tally covers them all.
    let mut failures = Vec::new();
    let browsers_before = browser_processes();
    // Native: core, simulated upstreams, gateway, app logic, and the
    // end-to-end tests (the built app, through the gateway, in Chromium).
    let mut native = command("cargo", &tools);
    native
        .args([
            "test",
            "--workspace",
            "--no-fail-fast",
            "--",
            "--test-threads=2",
        ])
        .env("AUDIT_DASHBOARD_DIST", root().join("dist"))
        .env("AUDIT_AXE_JS", &tools.axe)
        .env("CHROMEDRIVER", &tools.chromedriver);
    if let Err(failure) = run_tests(native, &mut tally) {
        failures.push(failure);
    }
    // Component and storage tests in headless Chromium.
    let mut wasm = command("cargo", &tools);
    wasm.args([
        "test",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "audit-dashboard",
        "--test",
        "browser",
    ])
    .env("CHROMEDRIVER", &tools.chromedriver);
    // Its runner starts chromedriver and a browser of its own, which leave
    // a profile and other temporary files behind: they go in a directory
    // of their own, removed afterwards.
    let wasm_tmp = root().join("target").join("tmp").join("wasm-browser-tests");
    let _ = std::fs::remove_dir_all(&wasm_tmp);
    match std::fs::create_dir_all(&wasm_tmp) {
        Ok(()) => {
            wasm.env("TMPDIR", &wasm_tmp);
        }
        Err(error) => failures.push(format!("cannot make {}: {error}", wasm_tmp.display())),
    }
    if let Err(failure) = run_tests(wasm, &mut tally) {
        failures.push(failure);
    }
    let _ = std::fs::remove_dir_all(&wasm_tmp);

    if let Some(left) = leftover_browsers(&browsers_before) {
        failures.push(left);
    }

    println!(
        "\nxtask test: {} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.ignored
    );
    if tally.passed == 0 {
        return Err("no test ran".into());
    }
    if tally.failed > 0 || !failures.is_empty() {
        // A suite can fail without a failed test (it did not build, or a
        // test binary crashed): say that too.
        return Err(format!(
            "{} tests failed; {}",
            tally.failed,
            failures.join("; ")
        ));
    }
    Ok(())
}

/// The running chromedriver and Chromium processes: `(pid, command name)`.
fn browser_processes() -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (head, rest) = stat.rsplit_once(')')?;
            let state = rest.split_whitespace().next()?;
            let name = head.split_once('(')?.1.to_owned();
            (name.starts_with("chrom") && state != "Z" && state != "X").then_some((pid, name))
        })
        .collect()
}

/// Browser processes that started during the run and are still running a
/// few seconds after it (a test harness that did not end what it started):
/// ended here, and reported as a failure.
fn leftover_browsers(before: &[(u32, String)]) -> Option<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left: Vec<(u32, String)> = browser_processes()
            .into_iter()
            .filter(|process| !before.contains(process))
            .collect();
        if left.is_empty() {
            return None;
        }
        if std::time::Instant::now() > deadline {
            for (pid, _) in &left {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let named: Vec<String> = left
                .iter()
                .map(|(pid, name)| format!("{name} ({pid})"))
                .collect();
            return Some(format!(
                "{} browser processes started by the tests were still running afterwards (now ended): {}",
                left.len(),
                named.join(", ")
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn bench() -> Result<(), String> {
    let tools = setup::run(&root())?;
    let sizes = build_app(&tools)?;
    let mut core = command("cargo", &tools);
    core.args([
        "bench",
        "--package",
        "simulated-upstreams",
        "--bench",
        "core",
    ]);
    run(core)?;
    // The gateway's overhead and its memory under 200 sessions, with wrk.
    let mut load = command("cargo", &tools);
    load.args(["bench", "--package", "audit-gateway", "--bench", "load"]);
    run(load)?;
    let mut browser = command("cargo", &tools);
    browser
        .args([
            "bench",
            "--package",
            "audit-dashboard",
            "--bench",
            "first_load",
        ])
        .env("AUDIT_DASHBOARD_DIST", root().join("dist"))
        .env("CHROMEDRIVER", &tools.chromedriver);
    run(browser)?;
    // Every file the first view loads is in dist/ (trunk does not split
    // the wasm; no later view loads more).
    println!("\n| first view's download | size | budget |\n|---|---|---|");
    println!(
        "| page, JS, CSS, icon and wasm, gzip (brotli; as built) | {} KB ({} KB; {} KB) | <= 300 KB gzip |",
        sizes.gzip / 1024,
        sizes.brotli / 1024,
        sizes.raw / 1024
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn tally_reads_cargo_and_wasm_bindgen_result_lines() {
        let mut tally = Tally::default();
        tally.read("test result: ok. 20 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s");
        tally.read("test result: FAILED. 6 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.70s");
        tally.read(
            "test result: ok. 2 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.06s",
        );
        tally.read("running 3 tests");
        assert_eq!((tally.passed, tally.failed, tally.ignored), (28, 1, 2));
    }

    #[test]
    fn the_app_is_precompressed_to_copies_that_decode_to_it() {
        use std::io::Read;
        let dir = std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text: String = (0..4000)
            .map(|n| format!("fn f{n}() {{ {} }}\n", n % 97))
            .collect();
        std::fs::write(dir.join("app.js"), &text).unwrap();
        std::fs::write(dir.join("app.png"), b"not compressed").unwrap();
        let sizes = super::precompress(&dir).unwrap();
        let gz = std::fs::read(dir.join("app.js.gz")).unwrap();
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text, "a standard gzip stream");
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(
            &mut std::fs::read(dir.join("app.js.br")).unwrap().as_slice(),
            &mut unbrotli,
        )
        .unwrap();
        assert_eq!(unbrotli, text.as_bytes());
        assert!(!dir.join("app.png.gz").exists(), "only text and wasm");
        assert_eq!(sizes.raw, text.len());
        assert!(sizes.gzip < text.len() / 4 && sizes.brotli < text.len() / 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
