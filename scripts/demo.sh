#!/usr/bin/env bash
# The one-command demo: builds kaito-swift, starts a simulated Kubernetes cluster (kaito-sim, with its simulated
# GPU fleet) and the kaito-controller operator on this machine, then deploys falcon-7b with kaitoctl, chats with
# it, shows its status and deletes it. No cloud, no GPU, no container runtime: the fleet turns Machines into
# Ready GPU nodes and workloads into Running pods, and a simulated model server answers the chat.
# Everything it starts is stopped on exit, and its temporary folder removed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Bold only on a terminal, so a log file stays plain text.
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# Prints the command (arguments with spaces in double quotes), then runs it.
run() {
    local shown=() argument
    for argument in "$@"; do
        if [[ $argument == *[[:space:]]* ]]; then shown+=("\"$argument\""); else shown+=("$argument"); fi
    done
    printf '%s$ %s%s\n' "$bold" "${shown[*]}" "$plain"
    "$@"
}

heading "Build (debug, the same build scripts/test.sh uses)"
for product in kaitoctl kaito-sim kaito-controller; do
    swift build --product "$product"
done
bin=$(swift build --show-bin-path)
export PATH="$bin:$PATH"
started=$(date +%s)

state=$(mktemp -d "${TMPDIR:-/tmp}/kaito-demo.XXXXXX")
sim_pid=""
controller_pid=""
cleanup() {
    local status=$?
    for pid in "$controller_pid" "$sim_pid"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if ((status != 0)); then
        for log in "$state/sim.log" "$state/controller.log"; do
            [[ -s $log ]] && { echo "--- last lines of $(basename "$log"):" >&2; tail -n 20 "$log" >&2; }
        done
    fi
    rm -rf "$state"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

heading "Offline: what the operator would do for falcon-7b (no cluster needed)"
run kaitoctl plan -f examples/inference/falcon-7b.yaml -o summary

heading "Start a simulated cluster: kaito-sim (API server on 127.0.0.1 over HTTPS, simulated GPU fleet)"
kubeconfig=$state/kubeconfig
kaito-sim --kubeconfig "$kubeconfig" --state-dir "$state/sim" >"$state/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
    [[ -s $kubeconfig ]] && grep -q "kaito-sim:" "$state/sim.log" && break
    kill -0 "$sim_pid" 2>/dev/null || { echo "demo: kaito-sim exited" >&2; exit 1; }
    sleep 0.1
done
[[ -s $kubeconfig ]] || { echo "demo: kaito-sim did not write $kubeconfig" >&2; exit 1; }
head -n 1 "$state/sim.log"
export KUBECONFIG=$kubeconfig

heading "Start the operator: kaito-controller (logs in the temporary folder)"
kaito-controller --kubeconfig "$kubeconfig" --metrics-bind-address 127.0.0.1:0 \
    --health-probe-bind-address 127.0.0.1:0 >"$state/controller.log" 2>&1 &
controller_pid=$!
sleep 1
kill -0 "$controller_pid" 2>/dev/null || { echo "demo: kaito-controller exited" >&2; exit 1; }
echo "kaito-controller running (pid $controller_pid)"

heading "Create the falcon-7b workspace and wait until it serves"
run kaitoctl workspace create -f examples/inference/falcon-7b.yaml --wait --timeout 2m

heading "Chat with it through the API server's service proxy"
run kaitoctl chat workspace-falcon-7b --prompt "What is Kubernetes?"

heading "Its status: conditions, nodes, workload, endpoint, events"
run kaitoctl workspace status workspace-falcon-7b

heading "Delete it; the operator removes its workload and node claims"
run kaitoctl workspace delete workspace-falcon-7b --wait

heading "Done in $(($(date +%s) - started))s after the build; stopping kaito-controller and kaito-sim"
