//! The `binaryllm` command line.

fn main() {}
