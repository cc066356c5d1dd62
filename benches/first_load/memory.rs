//! The tab's memory: as the performance issue counts it (the JS heap and
//! the wasm memory, read through the DevTools protocol and the module's
//! exports) and the renderer process's private memory, read from /proc;
//! and how they are printed beside the JSON received.

use crate::support::Browser;

/// The renderer processes among the descendants of `root` (read from
/// `/proc`: each process's parent and command line).
fn renderers_of(root: u32) -> Vec<u32> {
    let processes: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The parent is the second field after the parenthesised name.
            let parent = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let command = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).ok()?;
            Some((pid, parent, command))
        })
        .collect();
    let mut family = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, parent, _) in &processes {
            if family.contains(parent) && !family.contains(pid) {
                family.push(*pid);
                grew = true;
            }
        }
    }
    processes
        .into_iter()
        .filter(|(pid, _, command)| family.contains(pid) && command.contains("--type=renderer"))
        .map(|(pid, ..)| pid)
        .collect()
}

/// A process's private memory (`RssAnon`), in bytes.
fn private_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("RssAnon:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A DevTools protocol command with its parameters, sent through
/// chromedriver's passthrough.
#[derive(Debug)]
struct Devtools(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Devtools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.0, "params": self.1 });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Keeps the app's wasm memory where the bench can read it, in every page
/// the tab opens from now on (trunk's loader hands the module's exports
/// to a `TrunkApplicationStarted` event).
pub async fn keep_wasm_memory(browser: &Browser) {
    let source = "addEventListener('TrunkApplicationStarted', (e) => { window.__benchWasmMemory = e.detail.wasm.memory; });";
    browser
        .client
        .issue_cmd(Devtools(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": source }),
        ))
        .await
        .expect("a script for every new page");
}

/// The tab's memory after a full garbage collection, in bytes: the
/// private memory (`RssAnon`) of the renderer process showing it, the
/// largest of the browser's renderers (the others are spares), which holds
/// the JS heap, the wasm memory's pages written and the page itself; the
/// JS heap in use; and the wasm memory's size (as [`keep_wasm_memory`]
/// keeps it; it never shrinks, so it is the load's peak).
pub async fn tab_memory(browser: &Browser) -> TabMemory {
    browser
        .client
        .issue_cmd(Devtools(
            "HeapProfiler.collectGarbage",
            serde_json::json!({}),
        ))
        .await
        .expect("a garbage collection");
    let heap = browser
        .client
        .issue_cmd(Devtools("Runtime.getHeapUsage", serde_json::json!({})))
        .await
        .expect("the heap's usage")["usedSize"]
        .as_f64()
        .expect("the heap in use") as u64;
    let private = renderers_of(browser.driver_pid())
        .into_iter()
        .filter_map(private_bytes)
        .max()
        .expect("a renderer's memory in /proc");
    let wasm = browser
        .number("window.__benchWasmMemory.buffer.byteLength")
        .await;
    TabMemory {
        private,
        heap,
        wasm,
    }
}

/// A tab's memory, in bytes (see [`tab_memory`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TabMemory {
    private: u64,
    heap: u64,
    wasm: u64,
}

/// The median of `memory` beside the `json_bytes` the same window's pages
/// hold: as the performance issue counts it (the JS heap and the wasm
/// memory) against `budget`, and the renderer's private memory, which also
/// counts the page itself.
pub fn print(memory: &[TabMemory], json_bytes: u64, budget: &str) {
    let json_bytes = json_bytes as f64;
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let middle = |pick: &dyn Fn(&TabMemory) -> u64| {
        let mut values: Vec<u64> = memory.iter().map(pick).collect();
        values.sort_unstable();
        values[values.len() / 2]
    };
    let counted = middle(&|m| m.heap + m.wasm);
    let (heap, wasm, private) = (
        middle(&|m| m.heap),
        middle(&|m| m.wasm),
        middle(&|m| m.private),
    );
    println!(
        "| tab memory with the window loaded, after a collection: the JS heap in use plus the wasm memory (its size, the load's peak; {:.1} + {:.1} MB), median of 3, against the {:.1} MB of JSON received | {:.1} MB = {:.2}x the JSON | {budget} |",
        mb(heap),
        mb(wasm),
        json_bytes / 1e6,
        mb(counted),
        counted as f64 / json_bytes
    );
    println!(
        "| the same tab's renderer process, its private memory (`RssAnon`: the heap and the wasm pages written, and the page itself: DOM, layout, canvases, code), median of 3 | {:.1} MB = {:.2}x the JSON | none set |",
        mb(private),
        private as f64 / json_bytes
    );
}
