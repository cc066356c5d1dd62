//! Installs the toolchain the project needs, idempotently: each piece is
//! checked first and installed only when missing or at the wrong version
//! (versions from `shared/TOOLCHAIN.md` and `Cargo.lock`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
/// axe-core, which the accessibility tests run inside the app.
pub const AXE_VERSION: &str = "4.10.3";

/// Where the tools are, for the commands that need them.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `PATH` with the tool folders first.
    pub path: std::ffi::OsString,
    pub chromedriver: PathBuf,
    /// axe-core's browser build (`axe.min.js`).
    pub axe: PathBuf,
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// Where npm-installed tools go (kept across clones on one machine).
fn tools_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache"))
        .join("audit-dashboard")
        .join("tools")
}

/// The first line a tool prints for `args`, if it runs at all.
fn output_of(program: &Path, args: &[&str], path: &std::ffi::OsStr) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .env("PATH", path)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn step(what: &str) {
    eprintln!("setup: {what}");
}

fn run_tool(program: &str, args: &[&str], path: &std::ffi::OsStr) -> Result<(), String> {
    eprintln!("setup: running {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .env("PATH", path)
        .status()
        .map_err(|error| format!("cannot run {program}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// The `wasm-bindgen` version pinned in Cargo.lock.
fn locked_wasm_bindgen(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn apt_install(packages: &[&str], path: &std::ffi::OsStr) -> Result<(), String> {
    let (program, prefix): (&str, Vec<&str>) = if is_root() {
        ("apt-get", vec![])
    } else {
        ("sudo", vec!["apt-get"])
    };
    let mut update = prefix.clone();
    update.extend(["update", "-q"]);
    run_tool(program, &update, path)?;
    let mut install = prefix;
    install.extend(["install", "-y", "-q", "--no-install-recommends"]);
    install.extend(packages);
    run_tool(program, &install, path)
}

/// Installs an npm package at an exact version into the tools folder.
fn npm_install(package: &str, path: &std::ffi::OsStr) -> Result<(), String> {
    std::fs::create_dir_all(tools_dir()).map_err(|error| error.to_string())?;
    let dir = tools_dir().display().to_string();
    run_tool(
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &dir,
            package,
        ],
        path,
    )
}

/// Checks and installs everything; returns where it all is.
pub fn run(root: &Path) -> Result<Tools, String> {
    let cargo_bin = home().join(".cargo").join("bin");
    let npm_bin = tools_dir().join("node_modules").join(".bin");
    let mut paths = vec![npm_bin.clone(), cargo_bin.clone()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(paths).map_err(|error| error.to_string())?;

    // 1. Rust pieces: the wasm target, rustfmt and clippy.
    let installed = output_of(
        Path::new("rustup"),
        &["target", "list", "--installed"],
        &path,
    )
    .unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        step("wasm32-unknown-unknown target present");
    } else {
        run_tool(
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
            &path,
        )?;
    }
    for (component, probe) in [("rustfmt", "cargo-fmt"), ("clippy", "cargo-clippy")] {
        if output_of(&cargo_bin.join(probe), &["--version"], &path).is_some()
            || output_of(Path::new(probe), &["--version"], &path).is_some()
        {
            step(&format!("{component} present"));
        } else {
            run_tool("rustup", &["component", "add", component], &path)?;
        }
    }

    // 2. Chromium and its driver, Node for binaryen, and the servers the
    // fleet tests and the load benchmark start (Redis, nginx, wrk): Debian
    // packages.
    let mut missing = Vec::new();
    for (binary, package) in [
        ("/usr/bin/redis-server", "redis-server"),
        ("/usr/sbin/nginx", "nginx-light"),
        ("/usr/bin/wrk", "wrk"),
    ] {
        if !Path::new(binary).exists() {
            missing.push(package);
        }
    }
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if !Path::new("/usr/bin/chromedriver").exists() {
        missing.push("chromium-driver");
    }
    if output_of(Path::new("npm"), &["--version"], &path).is_none() {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        step("chromium, chromedriver, npm, redis-server, nginx and wrk present");
    } else {
        apt_install(&missing, &path)?;
    }

    // 3. wasm-bindgen CLI at exactly Cargo.lock's version.
    let wanted = locked_wasm_bindgen(root)?;
    let have = output_of(Path::new("wasm-bindgen"), &["--version"], &path).unwrap_or_default();
    if have == format!("wasm-bindgen {wanted}") {
        step(&format!("wasm-bindgen {wanted} present"));
    } else {
        run_tool(
            "cargo",
            &[
                "install",
                "wasm-bindgen-cli",
                "--version",
                &wanted,
                "--locked",
            ],
            &path,
        )?;
    }

    // 4. trunk.
    let have = output_of(Path::new("trunk"), &["--version"], &path).unwrap_or_default();
    if have == format!("trunk {TRUNK_VERSION}") {
        step(&format!("trunk {TRUNK_VERSION} present"));
    } else {
        run_tool(
            "cargo",
            &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
            &path,
        )?;
    }

    // 5. wasm-opt from binaryen's npm package (Debian's is too old).
    let have = output_of(&npm_bin.join("wasm-opt"), &["--version"], &path).unwrap_or_default();
    if have.contains(&format!("version {BINARYEN_VERSION}")) {
        step(&format!("wasm-opt {BINARYEN_VERSION} present"));
    } else {
        npm_install(&format!("binaryen@{BINARYEN_VERSION}"), &path)?;
    }

    // 6. axe-core, for the accessibility tests.
    let axe_dir = tools_dir().join("node_modules").join("axe-core");
    let have = std::fs::read_to_string(axe_dir.join("package.json")).unwrap_or_default();
    if have.contains(&format!("\"version\": \"{AXE_VERSION}\"")) {
        step(&format!("axe-core {AXE_VERSION} present"));
    } else {
        npm_install(&format!("axe-core@{AXE_VERSION}"), &path)?;
    }

    Ok(Tools {
        path,
        chromedriver: PathBuf::from("/usr/bin/chromedriver"),
        axe: axe_dir.join("axe.min.js"),
    })
}
