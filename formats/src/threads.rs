//! Worker-thread counts: the one validation behind every `--threads` flag and `threads =` key.
//! (The engine builds its rayon pools for checked counts: `binaryllm_engine::engine::threads`.)
//!
//! A count is `0` (all cores: [`available_cores`]) or at most [`max_threads`]: 4 × the
//! available cores, and never more than [`MAX_THREADS`]. Commands call the engine's `pool` for their
//! count before any work, so a refused count or a pool the operating system cannot start is an
//! error naming the option (never a panic, a hang or a silent fallback); the engine's
//! `with_threads` then finds that pool in the cache and starts no thread of its own.

/// The hard cap on worker threads, whatever the machine.
pub const MAX_THREADS: usize = 1024;

/// Worker threads allowed per available core.
pub const PER_CORE: usize = 4;

/// The cores this process may use ([`std::thread::available_parallelism`]; 1 when unknown).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The largest accepted count on this machine: `min(4 × cores, MAX_THREADS)`.
pub fn max_threads() -> usize {
    (PER_CORE * available_cores()).min(MAX_THREADS)
}

/// A thread count that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadsError {
    /// More threads than [`max_threads`].
    #[error("{}", too_many(*requested, *cores, *limit))]
    TooMany {
        /// The count asked for.
        requested: usize,
        /// The available cores.
        cores: usize,
        /// The largest accepted count.
        limit: usize,
    },
    /// The operating system refused to start the pool's threads.
    #[error("cannot start {threads} worker threads: {message}")]
    Pool {
        /// The count asked for.
        requested: usize,
        /// Threads the pool needed (the count, or the cores for 0).
        threads: usize,
        /// Why (rayon's error, with the OS error).
        message: String,
    },
}

fn too_many(requested: usize, cores: usize, limit: usize) -> String {
    // `limit` is 4 × cores unless that is above the hard cap.
    if PER_CORE * cores <= MAX_THREADS {
        format!(
            "{requested} is more than {PER_CORE} × the {cores} available cores ({limit}); use 0 for all cores"
        )
    } else {
        format!(
            "{requested} is more than the hard cap of {MAX_THREADS} threads; use 0 for all cores"
        )
    }
}

impl ThreadsError {
    /// The message for a command-line option, e.g. `--threads 100000 is more than …`.
    pub fn for_option(&self, option: &str) -> String {
        match self {
            ThreadsError::TooMany { .. } => format!("{option} {self}"),
            ThreadsError::Pool { requested, .. } => format!("{option} {requested}: {self}"),
        }
    }
}

/// Checks `threads` and resolves it: `0` → [`available_cores`], else `threads` itself.
pub fn check(threads: usize) -> Result<usize, ThreadsError> {
    let cores = available_cores();
    let limit = max_threads();
    match threads {
        0 => Ok(cores),
        t if t > limit => Err(ThreadsError::TooMany {
            requested: t,
            cores,
            limit,
        }),
        t => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_all_cores_and_the_limit_is_four_per_core() {
        let cores = available_cores();
        assert_eq!(check(0), Ok(cores));
        assert_eq!(check(1), Ok(1));
        assert_eq!(check(max_threads()), Ok(max_threads()));
        let e = check(100_000).unwrap_err();
        assert_eq!(
            e,
            ThreadsError::TooMany {
                requested: 100_000,
                cores,
                limit: max_threads()
            }
        );
        let msg = e.for_option("--threads");
        assert!(msg.starts_with("--threads 100000 is more than "), "{msg}");
        assert!(msg.ends_with("; use 0 for all cores"), "{msg}");
    }

    #[test]
    fn the_message_names_the_hard_cap_on_big_machines() {
        assert_eq!(
            too_many(5000, 300, MAX_THREADS),
            "5000 is more than the hard cap of 1024 threads; use 0 for all cores"
        );
        assert_eq!(
            too_many(100_000, 2, 8),
            "100000 is more than 4 × the 2 available cores (8); use 0 for all cores"
        );
    }
}
