#!/bin/sh
# A client-go exec credential plugin for tests. Everything it does is steered by files in $PLUGIN_DIR:
#   count      one line is appended per run
#   args       the arguments of the last run, one per line
#   exec-info  the KUBERNETES_EXEC_INFO of the last run
#   env        the value of $PLUGIN_MARKER in the last run
#   stdin      "tty" or "not a tty" for the last run's standard input
#   gate       when $PLUGIN_GATE names a file, the run waits until that file exists
#   fail       when present: its content goes to stderr and the plugin exits 3
#   response   when present: printed as the whole answer
#   token      otherwise the token to answer with, and
#   expiry     optionally its expirationTimestamp
#   version    optionally the apiVersion to answer with (default client.authentication.k8s.io/v1)
set -eu
dir="${PLUGIN_DIR:?PLUGIN_DIR is not set}"
echo run >> "$dir/count"
: > "$dir/args"
for arg in "$@"; do printf '%s\n' "$arg" >> "$dir/args"; done
printf '%s' "${KUBERNETES_EXEC_INFO:-}" > "$dir/exec-info"
printf '%s' "${PLUGIN_MARKER:-}" > "$dir/env"
if [ -t 0 ]; then echo tty > "$dir/stdin"; else echo "not a tty" > "$dir/stdin"; fi
if [ -n "${PLUGIN_GATE:-}" ]; then
    while [ ! -e "$PLUGIN_GATE" ]; do sleep 0.01; done
fi
if [ -f "$dir/fail" ]; then
    cat "$dir/fail" >&2
    exit 3
fi
if [ -f "$dir/response" ]; then
    cat "$dir/response"
    exit 0
fi
token=$(cat "$dir/token")
version=client.authentication.k8s.io/v1
if [ -f "$dir/version" ]; then version=$(cat "$dir/version"); fi
if [ -f "$dir/expiry" ]; then
    printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
        "$version" "$token" "$(cat "$dir/expiry")"
else
    printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"%s"}}\n' "$version" "$token"
fi
