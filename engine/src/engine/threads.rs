//! The rayon pools, built once per checked worker-thread count ([`check`], from
//! `binaryllm_formats::threads`, is the one validation behind every `--threads` flag).
//!
//! Commands call [`pool`] for their count before any work, so a refused count or a pool the
//! operating system cannot start is an error naming the option (never a panic, a hang or a
//! silent fallback); the engine's [`super::with_threads`] then finds that pool in the cache and
//! starts no thread of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

pub use binaryllm_formats::threads::{
    MAX_THREADS, PER_CORE, ThreadsError, available_cores, check, max_threads,
};

fn cache() -> &'static Mutex<HashMap<usize, Arc<rayon::ThreadPool>>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    POOLS.get_or_init(Mutex::default)
}

/// The pool of `threads` threads (0 = all cores): checked with [`check`], built on first use
/// and kept for the life of the process.
pub fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, ThreadsError> {
    let n = check(threads)?;
    let mut pools = cache().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = pools.get(&n) {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(build(threads, n, spawn)?);
    pools.insert(n, Arc::clone(&p));
    Ok(p)
}

/// Starts one worker as rayon's default does (`std::thread::Builder`, its name and stack).
fn spawn(t: rayon::ThreadBuilder) -> std::io::Result<()> {
    let mut b = std::thread::Builder::new();
    if let Some(name) = t.name() {
        b = b.name(name.to_owned());
    }
    if let Some(size) = t.stack_size() {
        b = b.stack_size(size);
    }
    b.spawn(|| t.run()).map(drop)
}

/// Builds a pool of `n` threads started by `spawn` (`requested` is the count as given, for
/// the error).
fn build(
    requested: usize,
    n: usize,
    spawn: impl FnMut(rayon::ThreadBuilder) -> std::io::Result<()>,
) -> Result<rayon::ThreadPool, ThreadsError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .spawn_handler(spawn)
        .build()
        .map_err(|e| ThreadsError::Pool {
            requested,
            threads: n,
            message: e.to_string(),
        })
}

/// Whether the calling thread is a worker of a pool of exactly the resolved `threads`.
pub(crate) fn inside_pool_of(threads: usize) -> bool {
    let want = if threads == 0 {
        available_cores()
    } else {
        threads
    };
    rayon::current_thread_index().is_some() && rayon::current_num_threads() == want
}

/// Runs `f` on the pool of `threads` threads ([`pool`]); errors instead of running it when the
/// count is refused or the pool cannot start.
pub fn try_with_threads<T: Send>(
    threads: usize,
    f: impl FnOnce() -> T + Send,
) -> Result<T, ThreadsError> {
    if inside_pool_of(threads) {
        return Ok(f());
    }
    Ok(pool(threads)?.install(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_that_cannot_start_is_an_error_not_a_panic() {
        let refuse = |_| Err(std::io::Error::other("no threads today"));
        let e = build(0, 3, refuse).unwrap_err();
        let msg = e.for_option("--threads");
        assert!(
            msg.starts_with("--threads 0: cannot start 3 worker threads: "),
            "{msg}"
        );
        assert!(msg.contains("no threads today"), "{msg}");
    }

    #[test]
    fn pools_are_built_once_and_reused() {
        let a = pool(1).unwrap();
        let b = pool(1).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(try_with_threads(1, rayon::current_num_threads), Ok(1));
        assert!(try_with_threads(100_000, || ()).is_err());
    }

    #[test]
    fn work_runs_on_a_pool_of_the_count_asked_for() {
        // From outside any pool, even a count equal to the global pool's runs on a pool.
        let cores = available_cores();
        assert_eq!(
            try_with_threads(cores, || (
                rayon::current_thread_index().is_some(),
                rayon::current_num_threads()
            )),
            Ok((true, cores))
        );
        // From inside a pool of 3, another count gets its own pool; the same count stays.
        let inner = pool(3).unwrap().install(|| {
            (
                try_with_threads(2, rayon::current_num_threads),
                inside_pool_of(3),
            )
        });
        assert_eq!(inner, (Ok(2), true));
        assert!(!inside_pool_of(3));
    }
}
