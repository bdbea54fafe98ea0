#!/usr/bin/env bash
# Builds the Nacos-protocol server the Nacos suites start: r-nacos 0.8.8 from crates.io (see
# packages/registry/src/testing/nacos-server.ts for why not Apache Nacos: its server is not on any
# registry this machine reaches). Installed outside the clone, so later clones on the machine reuse it.
#
# Its release profile (fat LTO, one codegen unit) takes 25 minutes on 2 cores; the overrides below
# (thin codegen, opt-level 1) take about 6, and the server's speed does not matter to the tests.
# scripts/test.js runs this in the background, niced, while the other suites run.
set -euo pipefail
root="$HOME/.cache/meshlet/rnacos"
[ -x "$root/bin/rnacos" ] && exit 0
if ! command -v cargo >/dev/null 2>&1; then
  echo "The Nacos suites need Rust's cargo (https://rustup.rs) to build r-nacos; they are skipped without it." >&2
  exit 3
fi
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0
exec cargo install rnacos --version 0.8.8 --locked --root "$root"
