//! Real servers the fleet tests start on loopback and stop again: Redis
//! (the replicas' shared store) and nginx (the load balancer in front of
//! them), from the system's packages. `cargo xtask setup` installs them;
//! a test that finds one missing fails and says so.
#![allow(dead_code)] // Each test binary uses part of it.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary(path: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(path);
    assert!(
        path.exists(),
        "{} is missing: install the Debian package {package} (`cargo xtask setup` does)",
        path.display()
    );
    path
}

/// A directory of a test's own files, removed with everything in it when
/// the test ends, however it ends (a panic included).
pub struct Scratch(PathBuf);

impl Scratch {
    /// A fresh directory named after `name`, the process and a free port.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "audit-{name}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening on {port}: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 15 s"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A Redis server with a password, on a loopback port, in memory only.
pub struct Redis {
    child: Child,
    pub port: u16,
    pub password: String,
    dir: Scratch,
}

impl Redis {
    pub fn start() -> Redis {
        let program = binary("/usr/bin/redis-server", "redis-server");
        let scratch = Scratch::new("redis");
        let dir = scratch.path();
        let port = free_port();
        let password = format!("test-{}-{port}", std::process::id());
        let mut child = Command::new(program)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--requirepass", &password])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, "redis-server", &mut child);
        Redis {
            child,
            port,
            password,
            dir: scratch,
        }
    }

    /// The URL to give `--redis-url` (without the password).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A file holding the password, for `--redis-password-file`.
    pub fn password_file(&self) -> PathBuf {
        let path = self.dir.path().join("password");
        std::fs::write(&path, format!("{}\n", self.password)).unwrap();
        path
    }

    /// Stops the server now (to act out a Redis that goes away).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// nginx balancing round-robin over `backends`, on a loopback port.
pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: Scratch,
}

impl Nginx {
    pub fn start(backends: &[SocketAddr]) -> Nginx {
        let program = binary("/usr/sbin/nginx", "nginx-light");
        let scratch = Scratch::new("nginx");
        let dir = scratch.path();
        let port = free_port();
        let servers: String = backends
            .iter()
            .map(|backend| format!("    server {backend} max_fails=1 fail_timeout=2s;\n"))
            .collect();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\n\
             error_log {dir}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
             fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
             upstream gateways {{\n{servers}  }}\n\
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
                   proxy_pass http://gateways;\n      proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                   proxy_next_upstream error timeout;\n      proxy_connect_timeout 2s;\n\
                   proxy_buffering off;\n    }}\n  }}\n}}\n",
            dir = dir.display()
        );
        let file = dir.join("nginx.conf");
        std::fs::write(&file, config).unwrap();
        let mut child = Command::new(program)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_port(port, "nginx", &mut child);
        Nginx {
            child,
            port,
            dir: scratch,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a session key file (current key first) and returns its path.
pub fn key_file(dir: &Path, keys: &[&str]) -> PathBuf {
    let path = dir.join("session-keys");
    std::fs::write(&path, keys.join("\n") + "\n").unwrap();
    path
}
