#!/usr/bin/env bash
# Fails when a build log holds a compiler warning about this package's own code.
#
#   scripts/check-warnings.sh BUILD_LOG
#
# A warning counts when its location is under Sources/, Tests/ or Fuzz/ of this repository; warnings in
# dependencies (.build/checkouts) and SwiftPM's notes about them do not. Incremental builds only recompile
# what changed, so run it on a clean build (as CI does) to see every warning.
set -euo pipefail
log="${1:?usage: scripts/check-warnings.sh BUILD_LOG}"
root="$(cd "$(dirname "$0")/.." && pwd)"
ours="$(grep -E "^(${root}/)?(Sources|Tests|Fuzz)/[^ ]+:[0-9]+:[0-9]+: warning: " "$log" | sort -u || true)"
if [[ -n "$ours" ]]; then
    echo "check-warnings: the build warned about our code; fix these:" >&2
    echo "$ours" >&2
    exit 1
fi
echo "check-warnings: no warnings from Sources/, Tests/ or Fuzz/"
