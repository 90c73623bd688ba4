#!/usr/bin/env bash
# The prerequisites of scripts/test.sh, checked before it runs anything:
#
#   bash scripts/prereqs.sh       # exit 0 when all are there; else the install commands, exit 1
#
# Required: rustup with cargo, the toolchain, targets and components of rust-toolchain.toml
# (read from that file, never listed here), and qemu-system-arm. Optional (their steps are
# skipped with a notice): qemu-aarch64 with the aarch64 cross gcc (NEON tests), nightly with
# cargo-fuzz (fuzz smoke). scripts/test.sh and .ci/run source this file for `toolchain_list`
# and `check_prereqs`; it uses only bash, sed, tr, grep and rustup.

prereqs_root=${BASH_SOURCE[0]%/*}
[ "$prereqs_root" = "${BASH_SOURCE[0]}" ] && prereqs_root=.
prereqs_root="$prereqs_root/.."

# The values of `KEY = ["a", "b"]` (or `KEY = "a"`) in rust-toolchain.toml, space-separated.
toolchain_list() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\(.*\)$/\1/p" "$prereqs_root/rust-toolchain.toml" \
    | tr -d '[]" ' | tr ',' ' '
}

# The words of $2 not among the lines of $1 (`rustup … list --installed` output, where a
# component line is `NAME-<host triple>`).
not_installed() {
  local have=$1 w out=()
  shift
  for w in "$@"; do
    grep -qx -e "$w" -e "$w-.*" <<<"$have" || out+=("$w")
  done
  echo "${out[*]}"
}

# Prints what is missing and how to install it (stderr), returns 1; returns 0 when nothing
# required is missing (and prints a notice per missing optional tool). `--no-targets` and
# `--no-qemu` leave out the rustup targets and qemu-system-arm (for a run of scripts/test.sh
# steps that need neither).
check_prereqs() {
  local missing=() cmds=() sudo="" channel targets components have t c want_targets=1 want_qemu=1
  for t in "$@"; do
    case "$t" in
      --no-targets) want_targets="" ;;
      --no-qemu) want_qemu="" ;;
    esac
  done
  [ "${EUID:-0}" -ne 0 ] && sudo="sudo "
  channel=$(toolchain_list channel)
  targets=$(toolchain_list targets)
  components=$(toolchain_list components)
  if ! command -v rustup >/dev/null 2>&1 || ! command -v cargo >/dev/null 2>&1; then
    missing+=("rustup and cargo (https://rustup.rs)")
    cmds+=("curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y && . \"\$HOME/.cargo/env\"")
    cmds+=("rustup target add $targets && rustup component add $components")
  elif ! have=$(cd "$prereqs_root" && rustup target list --installed 2>/dev/null); then
    missing+=("the $channel toolchain of rust-toolchain.toml")
    cmds+=("rustup toolchain install $channel --profile minimal --target $(tr ' ' ',' <<<"$targets") --component $(tr ' ' ',' <<<"$components")")
  else
    t=""
    [ -n "$want_targets" ] && t=$(not_installed "$have" $targets)
    [ -n "$t" ] && missing+=("rustup targets $t (rust-toolchain.toml)") && cmds+=("rustup target add $t")
    have=$(cd "$prereqs_root" && rustup component list --installed 2>/dev/null)
    c=$(not_installed "$have" $components)
    [ -n "$c" ] && missing+=("rustup components $c (rust-toolchain.toml)") && cmds+=("rustup component add $c")
  fi
  if [ -n "$want_qemu" ] && ! command -v qemu-system-arm >/dev/null 2>&1; then
    missing+=("qemu-system-arm (the firmware tests run under QEMU)")
    cmds+=("${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends qemu-system-arm")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    {
      echo "scripts/test.sh: missing prerequisites (nothing was run):"
      printf '  - %s\n' "${missing[@]}"
      echo "install them with:"
      printf '  %s\n' "${cmds[@]}"
      echo "or run \`bash .ci/run\`, which installs them (Debian/Ubuntu) and then runs scripts/test.sh."
    } >&2
    return 1
  fi
  if ! command -v qemu-aarch64 >/dev/null 2>&1 || ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
    echo "notice: optional qemu-aarch64 / aarch64-linux-gnu-gcc missing: the NEON tests will be skipped" \
      "(${sudo}apt-get install -y qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
  fi
  if ! command -v cargo-fuzz >/dev/null 2>&1 || ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "notice: optional nightly / cargo-fuzz missing: the fuzz smoke will be skipped" \
      "(rustup toolchain install nightly --profile minimal && cargo install cargo-fuzz --locked)"
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  check_prereqs
fi
