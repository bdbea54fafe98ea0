#!/usr/bin/env bash
# System packages the test suites need: Java's own Hessian (Caucho, Debian's libhessian-java) as
# the Java type-fidelity oracle. Installed with apt-get when running as root; otherwise this says
# exactly what to install.
set -euo pipefail
missing=()
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
[ -f /usr/share/java/hessian.jar ] || missing+=(libhessian-java)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
