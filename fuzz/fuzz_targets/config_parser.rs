//! Arbitrary text through the config parser and validator (the `eval --config` path).
//!
//! Every error names the file; a line/column it reports lies inside the source; key lookup
//! for error messages never panics on any key.
#![no_main]

use std::path::Path;

use binaryllm_fuzz::config::{Overrides, locate_key, parse, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let lines = source.split('\n').count();
    let check = |e: &binaryllm_fuzz::config::ConfigError| {
        assert_eq!(e.file, "fuzz.toml");
        if let Some(l) = e.line {
            assert!(l >= 1 && l <= lines, "line {l} of {lines}: {e}");
        }
        let _ = e.to_string();
    };
    match parse(source, Some(Path::new("fuzz.toml"))) {
        Ok(loaded) => {
            for cli in [
                Overrides::default(),
                Overrides {
                    k: Some(0),
                    bits: Some(vec![]),
                    ..Overrides::default()
                },
            ] {
                let mut l = loaded.clone();
                cli.apply(&mut l.config);
                if let Err(e) = validate(&l, &cli) {
                    if e.file != "command line" {
                        check(&e);
                    }
                }
            }
        }
        Err(e) => check(&e),
    }
    // Keys as the validator builds them, and the source's own lines as keys.
    for key in ["metrics.k", "projection[1].kind", "h1.criteria[0].metric", "bits", ""] {
        let _ = locate_key(source, key);
    }
    for line in source.lines().take(8) {
        let _ = locate_key(source, line);
    }
});
