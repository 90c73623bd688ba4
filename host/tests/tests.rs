//! The host integration tests: one test binary (`cargo test -p binaryllm --test tests`) with
//! a module per topic, each in its own file beside this one; `common` holds the helpers they
//! share (run the real binary, make small data files). Golden files live in `tests/golden/`
//! and device captures in `tests/data/`.
//!
//! One binary means one process for all of them: a test must not change the process's
//! environment, working directory or other global state (pass `env`/`current_dir` to the
//! child `Command` instead). `cargo test -p binaryllm --test tests MODULE::` runs one topic.

mod common;

mod bad_input;
mod bench_smoke;
mod careless_codes;
mod careless_eval;
mod careless_misc;
mod careless_outputs;
mod crash_safety;
mod default_eval_digest;
mod eval_run;
mod firmware;
mod golden;
mod inspect;
mod judged;
mod projections;
mod wordnet;
mod wordnet_fast_paths;
