#!/usr/bin/env bash
# Makes sure this Debian/Ubuntu machine has what Flotilla needs, saying what it does:
#   setup-system.sh app    Docker engine running, busybox-static
#   setup-system.sh test   the same plus Chromium (the e2e browser), etcd and openssh-server
# It installs with apt-get and starts dockerd when none runs; it fails with an exact message when
# it cannot (no root and no sudo, no apt-get).
set -euo pipefail

want="${1:-app}"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  SUDO=(none)
fi
as_root() {
  [ "${SUDO[0]:-}" = none ] && die "need root to run: $* — run this script as root or give this user passwordless sudo, or do it by hand."
  "${SUDO[@]}" "$@"
}

packages=()
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
# A static busybox: Flotilla builds its images FROM scratch with it when no registry answers.
dpkg -s busybox-static >/dev/null 2>&1 || packages+=(busybox-static)
if [ "$want" = test ]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  # The reference etcd (conformance tests and benchmarks run against it too).
  command -v etcd >/dev/null 2>&1 || packages+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || packages+=(etcd-client)
  # Remote machines are tested against a real sshd the tests start on 127.0.0.1 (never the system's).
  [ -x /usr/sbin/sshd ] || packages+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || packages+=(openssh-client)
fi

if [ ${#packages[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${packages[*]} and there is no apt-get here: install them with your system's package manager."
  say "installing ${packages[*]} with apt-get"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ -S /var/run/docker.sock ] && [ "$(id -u)" -ne 0 ] && ! [ -w /var/run/docker.sock ]; then
    die "the Docker engine runs but $(id -un) may not use it: sudo usermod -aG docker $(id -un), then log in again."
  fi
  say "no Docker engine answers: starting dockerd (log: /var/log/flotilla-dockerd.log)"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl start docker || true
  fi
  if ! docker info >/dev/null 2>&1; then
    as_root sh -c 'nohup dockerd >/var/log/flotilla-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not come up within 60 s; see /var/log/flotilla-dockerd.log"
fi
say "Docker engine $(docker version --format '{{.Server.Version}}') is running"
