#!/usr/bin/env bash
# A container runtime for container mode (tserver.mode: container, recorder.container), made from
# Debian's packages: podman serving the Docker-compatible API on a unix socket, which testcontainers
# reaches through DOCKER_HOST. No container registry is needed: `base-image` builds a Node image
# from this machine's own node.
#
#   eval "$(scripts/container-runtime.sh start)"   # install, configure, serve; prints the exports
#   scripts/container-runtime.sh base-image        # the offline Node base image (SCREENCAP_BASE_IMAGE)
#   scripts/container-runtime.sh stop              # stop the API service
#
# Every step that fails says why on stderr and exits non-zero; the container tests then skip.
# The state (settings, socket, service pid and log) lives in SCREENCAP_RUNTIME_DIR.
set -euo pipefail

dir=${SCREENCAP_RUNTIME_DIR:-${TMPDIR:-/tmp}/screencap-cert-podman}
sock="$dir/podman.sock"
# Tagged with the machine's node version, so an upgraded node gets a new base image.
base_image=localhost/screencap-cert-node:$(node --version | tr -d v)
export CONTAINERS_CONF="$dir/containers.conf"

fail() {
  echo "container runtime: $*" >&2
  exit 1
}

install_podman() {
  command -v podman >/dev/null && command -v runc >/dev/null && return
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    fail "podman and runc are not installed, and this is not a root Debian machine to apt-get them"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null; } ||
    fail "apt-get install podman runc failed"
}

# crun (podman's default) refuses here: "cgroups in hybrid mode not supported", and raising
# RLIMIT_NOFILE is not permitted. runc with cgroupfs and no default ulimits works.
write_settings() {
  mkdir -p "$dir"
  cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

serve() {
  [ -S "$sock" ] && podman --url "unix://$sock" version >/dev/null 2>&1 && return
  rm -f "$sock"
  setsid podman --runtime runc --cgroup-manager cgroupfs system service --time=0 "unix://$sock" \
    >"$dir/service.log" 2>&1 </dev/null &
  echo $! >"$dir/service.pid"
  for _ in $(seq 100); do
    podman --url "unix://$sock" version >/dev/null 2>&1 && return
    kill -0 "$(cat "$dir/service.pid")" 2>/dev/null || break
    sleep 0.1
  done
  fail "podman system service did not answer on $sock: $(tail -3 "$dir/service.log" 2>/dev/null)"
}

case "${1:-}" in
start)
  install_podman
  write_settings
  serve
  cat <<EOF
export CONTAINERS_CONF='$CONTAINERS_CONF'
export DOCKER_HOST='unix://$sock'
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export SCREENCAP_BASE_IMAGE='$base_image'
EOF
  ;;
base-image)
  # The machine's node (and npm, and a shell for RUN steps) with the shared libraries they load.
  podman image exists "$base_image" && exit 0
  node=$(readlink -f "$(command -v node)")
  npm=$(readlink -f "$(command -v npm)")
  npm_root=${npm%/bin/npm-cli.js}
  [ -d "$npm_root" ] || fail "cannot find npm's folder from $npm"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,tmp,etc,usr/bin,usr/local/bin,usr/local/lib/node_modules}
  chmod 1777 "$root/tmp"
  bins=("$node" /bin/dash /usr/bin/env)
  libs=$(for b in "${bins[@]}"; do ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'; done | sort -u)
  for f in "${bins[@]}" $libs; do
    mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
  done
  cp -a "$npm_root" "$root/usr/local/lib/node_modules/npm"
  ln -sf "$node" "$root/usr/local/bin/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  ln -sf dash "$root/bin/sh"
  # The machine's trust store, so npm in RUN steps trusts what the machine trusts.
  ca=/etc/ssl/certs/ca-certificates.crt
  [ -f "$ca" ] && mkdir -p "$root/etc/ssl/certs" && cp -L "$ca" "$root$ca"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
  tar -C "$root" -c . | podman import -q \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change "ENV NODE_EXTRA_CA_CERTS=$ca" --change 'CMD ["node"]' - "$base_image" >/dev/null ||
    fail "podman import of the Node base image failed"
  ;;
stop)
  [ -f "$dir/service.pid" ] || exit 0
  kill "$(cat "$dir/service.pid")" 2>/dev/null || true
  rm -f "$dir/service.pid" "$sock"
  ;;
*)
  echo "usage: $0 start|base-image|stop" >&2
  exit 2
  ;;
esac
