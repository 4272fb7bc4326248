#!/usr/bin/env bash
# Sets up the machine, builds kaitoctl and walks through what it does today without a cluster:
# the preset catalog, GPU sizing for a model, the operator's plan for a workspace, and validation of
# every example workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product kaitoctl
kaitoctl=$(swift build -c release --show-bin-path)/kaitoctl

step() { printf '\n\033[1m$ kaitoctl %s\033[0m\n' "$*"; }

step models
"$kaitoctl" models
step skus --model falcon-40b
"$kaitoctl" skus --model falcon-40b | head -n 8
step models show phi-3-mini-4k-instruct
"$kaitoctl" models show phi-3-mini-4k-instruct
step plan -f examples/inference/falcon-7b.yaml -o summary
"$kaitoctl" plan -f examples/inference/falcon-7b.yaml -o summary
step validate examples/...
find examples -name '*.yaml' | sort | xargs "$kaitoctl" validate
step "validate (a workspace that does not fit its GPUs)"
printf '%s\n' 'apiVersion: kaito.sh/v1alpha1' 'kind: Workspace' 'metadata: {name: too-small}' \
    'resource: {instanceType: Standard_NC6s_v3, labelSelector: {matchLabels: {apps: phi-3}}}' \
    'inference: {preset: {name: phi-3-medium-4k-instruct}}' |
    "$kaitoctl" validate -f - || echo "(exit code $?: the workspace was rejected, as it should be)"
