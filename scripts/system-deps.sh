#!/usr/bin/env bash
# System packages the test suites need, installed with apt-get when running as root (CI runs as
# root on a fresh machine); otherwise this says exactly what to install.
# - Java's own Hessian (Caucho, Debian's libhessian-java): the Java type-fidelity oracle.
# - redis-server: the Redis registry suites start their own servers (single, Sentinel, Cluster).
# - zookeeper: the ZooKeeper registry suites run Debian's ZooKeeper (/usr/share/java/zookeeper.jar,
#   from libzookeeper-java) as a plain JVM; nothing is started as a service.
# - maven: the fleet suite (test/fleet) builds its Java peers (Apache Dubbo, SOFARPC, motan) from
#   Maven Central.
# - Go (not from Debian, whose Go is too old for motan-go's modules): the fleet suite builds its Go
#   peers (motan-go and its agent) from the Go module proxy.
# - chromium: the admin dashboard test (test/admin) drives Debian's Chromium headless with
#   playwright-core, which downloads no browser of its own.
set -euo pipefail
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "The fleet suite needs Go >= 1.22 on PATH (the official linux-amd64 tarball unpacked into /usr/local/go, then PATH=\$PATH:/usr/local/go/bin)." >&2
  exit 1
fi
missing=()
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[ -f /usr/share/java/hessian.jar ] || missing+=(libhessian-java)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update -qq >/dev/null
  # policy-rc.d 101: packages that ship a service (redis-server) must not start it; the tests
  # start their own servers on free ports.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
else
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
