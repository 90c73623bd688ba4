#!/usr/bin/env bash
# Trains and exports the learned projection the firmware stores in flash (see README.md here).
#
#   bash firmware/learned/make.sh OUT_DIR      (from the repository root, after
#                                               `cargo build --release -p binaryllm`)
#
# writes OUT_DIR/itq-64/ (the artefact: projection.json, matrix.npy, thresholds.npy, mean.npy,
# and binaryllm's run-directory marker .binaryllm-run) and OUT_DIR/itq-64.rs (its Rust export,
# which the firmware `include!`s, with its sidecar itq-64.rs.json). With OUT_DIR =
# firmware/learned it regenerates the committed files (--force replaces them: they carry the
# marker and the sidecar); CI runs it into a scratch folder and requires identical bytes (the
# marker's creation time aside), so the committed projection cannot drift from the host tooling.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: make.sh OUT_DIR}
bin=${BINARYLLM:-target/release/binaryllm}
mkdir -p "$out"
# ITQ (PCA to 64 dims + 50 iterations of the learned rotation), seed 42, zero thresholds on the
# centred projection, trained on the 5,000 base vectors of the shipped WordNet x MiniLM sample.
"$bin" projection train --projection itq --input data/sample/wordnet_minilm_sample_base.npy \
  --bits 64 --seed 42 --iterations 50 --threshold zero --out "$out/itq-64" --force
"$bin" projection export --input "$out/itq-64" --format rust --out "$out/itq-64.rs" --force
