#!/usr/bin/env bash
# Makes this machine able to run Spotlight's whole test suite: Node packages,
# Open vSwitch, Mininet and the capture tools the integration tests use,
# Debian's chromium for the web view's browser test, and a running OVS.
# Installs from Debian's packages when run as root; says what is missing
# otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openvswitch-switch mininet iputils-ping arping tcpdump tshark iproute2 openssl python3 chromium etcd-server)
commands=(ovs-vsctl ovs-ofctl mn ping arping tcpdump tshark ip openssl /usr/bin/python3 /usr/bin/chromium /usr/bin/etcd)

missing=()
for c in "${commands[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "spotlight: missing ${missing[*]}; run as root to install them (apt-get), or install: ${packages[*]}" >&2
    exit 1
  fi
  echo "spotlight: installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# OVS runs in userspace here (datapath_type=netdev); start it when it is not up.
if [ "$(id -u)" -eq 0 ] && ! ovs-vsctl --timeout=3 show >/dev/null 2>&1; then
  /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do ovs-vsctl --timeout=3 show >/dev/null 2>&1 && break; sleep 0.5; done
  ovs-vsctl --timeout=3 show >/dev/null || { echo "spotlight: Open vSwitch did not start" >&2; exit 1; }
fi
