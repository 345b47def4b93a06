#!/usr/bin/env bash
# A LAN made of network namespaces, for natter's presence and relay e2e tests
# (DESIGN.md §9, issue 3 §4). Needs root and iproute2.
#
#   lan-sim.sh up [N]                 one subnet: N hosts (default 3) on 10.77.1.0/24
#   lan-sim.sh up-two-subnets [A] [B] relay host h1 with a leg in 10.77.1.0/24 and one
#                                     in 10.77.2.0/24 (no forwarding between them), plus
#                                     A hosts (default 2) on subnet 1, B (default 2) on 2
#   lan-sim.sh run HOST CMD...        run CMD inside host HOST (h1, natter-h1 or 1)
#   lan-sim.sh list                   hosts and their IPv4 addresses
#   lan-sim.sh down                   kill what runs inside, remove everything; idempotent
#
# NATTER_LAN_PREFIX (default natter; 1-8 of a-z0-9, starting with a letter) names
# the namespaces PREFIX-sw and PREFIX-hN, so two test runs can each have a LAN.
#
# Everything lives in namespaces this script creates: the switch is a bridge in
# its own namespace (natter-sw), each host is a namespace (natter-hN) joined to
# it by a veth pair, with eth0 (and eth1) addressed inside 10.77.0.0/16 with a
# broadcast address. The root namespace's interfaces and routes are never touched.
# -E: the ERR trap also fires inside functions, so a failed step tears down.
set -Eeuo pipefail

readonly PREFIX="${NATTER_LAN_PREFIX:-natter}"
readonly SWITCH_NS="${PREFIX}-sw"
readonly MAX_HOSTS=60

die() {
  echo "lan-sim: $*" >&2
  exit 1
}

[[ "$PREFIX" =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "NATTER_LAN_PREFIX must be 1-8 of a-z0-9, starting with a letter"

require_root() {
  [[ "$(id -u)" -eq 0 ]] || die "must run as root (network namespaces)"
  command -v ip >/dev/null || die "iproute2 ('ip') not found"
}

# Our namespaces only: exactly natter-sw and natter-h<digits>.
our_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}-(sw|h[0-9]+)$" || true
}

host_ns() {
  local h="$1"
  h="${h#"${PREFIX}-"}"
  h="${h#h}"
  [[ "$h" =~ ^[0-9]+$ ]] || die "bad host '$1' (expected h1, natter-h1 or 1)"
  echo "${PREFIX}-h${h}"
}

down() {
  local ns pids
  for ns in $(our_namespaces); do
    # Processes keep a deleted namespace (and its veths) alive: stop them first.
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    if [[ -n "$pids" ]]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
    fi
  done
  for ns in $(our_namespaces); do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [[ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ]] && break
      sleep 0.1
    done
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    if [[ -n "$pids" ]]; then
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
  done
}

# On any failure while building, leave nothing half-built behind.
on_error() {
  local status=$?
  trap - ERR
  echo "lan-sim: setup failed (exit $status); tearing down" >&2
  down
  exit "$status"
}

new_ns() {
  ip netns add "$1"
  ip -n "$1" link set lo up
}

make_switch() {
  [[ -z "$(our_namespaces)" ]] || die "already up; run '$0 down' first"
  new_ns "$SWITCH_NS"
  local br
  for br in "$@"; do
    ip -n "$SWITCH_NS" link add "$br" type bridge
    # No STP forwarding delay: ports forward as soon as they come up.
    ip -n "$SWITCH_NS" link set "$br" type bridge forward_delay 0 stp_state 0
    ip -n "$SWITCH_NS" link set "$br" up
  done
}

# attach HOSTNS IFNAME BRIDGE CIDR: a veth from the host namespace to a bridge port.
attach() {
  local ns="$1" ifname="$2" br="$3" cidr="$4"
  local port="${ns#"${PREFIX}-"}-${ifname}"
  # Both ends are created directly inside our namespaces, never in the root one.
  ip -n "$SWITCH_NS" link add "$port" type veth peer name "$ifname" netns "$ns"
  ip -n "$SWITCH_NS" link set "$port" master "$br" up
  ip -n "$ns" addr add "$cidr" brd + dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}

new_host() {
  local ns="$1"
  new_ns "$ns"
  # A host answers broadcast pings (used to check the LAN); it never routes.
  ip netns exec "$ns" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
}

check_count() {
  [[ "$1" =~ ^[0-9]+$ ]] && ((10#$1 >= $2 && 10#$1 <= MAX_HOSTS)) ||
    die "host count must be $2..$MAX_HOSTS, got '$1'"
}

up() {
  local n="${1:-3}" i
  check_count "$n" 1
  trap on_error ERR
  make_switch "br-${PREFIX}"
  for ((i = 1; i <= n; i++)); do
    new_host "${PREFIX}-h${i}"
    attach "${PREFIX}-h${i}" eth0 "br-${PREFIX}" "10.77.1.$((i + 10))/24"
  done
  trap - ERR
  list
}

up_two_subnets() {
  local a="${1:-2}" b="${2:-2}" i h
  check_count "$a" 1
  check_count "$b" 1
  ((a + b + 1 <= MAX_HOSTS)) || die "at most $MAX_HOSTS hosts"
  trap on_error ERR
  make_switch "br-${PREFIX}" "br-${PREFIX}2"
  # h1: the relay host, one leg in each subnet, IP forwarding off.
  new_host "${PREFIX}-h1"
  attach "${PREFIX}-h1" eth0 "br-${PREFIX}" 10.77.1.1/24
  attach "${PREFIX}-h1" eth1 "br-${PREFIX}2" 10.77.2.1/24
  h=2
  for ((i = 1; i <= a; i++, h++)); do
    new_host "${PREFIX}-h${h}"
    attach "${PREFIX}-h${h}" eth0 "br-${PREFIX}" "10.77.1.$((i + 10))/24"
  done
  for ((i = 1; i <= b; i++, h++)); do
    new_host "${PREFIX}-h${h}"
    attach "${PREFIX}-h${h}" eth0 "br-${PREFIX}2" "10.77.2.$((i + 10))/24"
  done
  trap - ERR
  list
}

list() {
  local ns
  for ns in $(our_namespaces | sort -V); do
    [[ "$ns" == "$SWITCH_NS" ]] && continue
    printf '%s' "${ns#"${PREFIX}-"}"
    ip -n "$ns" -4 -o addr show scope global | awk '{printf " %s=%s", $2, $4}'
    printf '\n'
  done
}

run() {
  (($# >= 2)) || die "usage: $0 run HOST CMD..."
  local ns
  ns="$(host_ns "$1")"
  shift
  ip netns list | awk '{print $1}' | grep -qx "$ns" || die "no host $ns (is the LAN up?)"
  exec ip netns exec "$ns" "$@"
}

main() {
  local cmd="${1:-}"
  (($# > 0)) && shift
  case "$cmd" in
  up) require_root && up "$@" ;;
  up-two-subnets) require_root && up_two_subnets "$@" ;;
  run) require_root && run "$@" ;;
  list) require_root && list ;;
  down) require_root && down ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z "$cmd" || "$cmd" == help || "$cmd" == -h || "$cmd" == --help ]] || exit 2
    ;;
  esac
}

main "$@"
