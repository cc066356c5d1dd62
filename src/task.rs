//! Starting work now rather than on the next tick.

use std::future::Future;
use std::task::Context;

use leptos::prelude::untrack;

/// Runs `work` up to its first wait before returning, then hands the rest
/// to the page's task queue like any spawned task.
///
/// A load started while the page is being built sends its first requests
/// at once, so the network works while the page finishes building instead
/// of after. The first step runs untracked: nothing it reads subscribes
/// whoever started it. Every later step is polled by the queue with its
/// own waker (a future registers the waker of its latest poll), so
/// nothing woken meanwhile is lost: the queue's first poll comes after.
pub fn start_now(work: impl Future<Output = ()> + 'static) {
    let mut work = Box::pin(work);
    let waker = futures::task::noop_waker();
    let first = untrack(|| work.as_mut().poll(&mut Context::from_waker(&waker)));
    if first.is_pending() {
        leptos::task::spawn_local(work);
    }
}
