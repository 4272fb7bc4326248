#!/usr/bin/env bash
# Fuzzes KaitoCore's manifest reader with libFuzzer for a bounded time (default 120 s).
#
#   scripts/fuzz-manifest-reader.sh [SECONDS]
#
# Builds Fuzz/ (a package that depends on this one) with -sanitize=fuzzer,address, seeds the corpus with
# every manifest under examples/ and deploy/, and runs libFuzzer with a 5 s per-input timeout and a 512 MB
# memory limit. Findings (crash-*, timeout-*, oom-*) land in .build-fuzz/findings/. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
build=.build-fuzz
corpus="$build/corpus"
findings="$build/findings"
mkdir -p "$corpus" "$findings"

swift build --package-path Fuzz --scratch-path "$build/swift" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address -Xlinker --allow-multiple-definition \
    --product ManifestReaderFuzzer
fuzzer="$build/swift/release/ManifestReaderFuzzer"

find examples deploy -name '*.yaml' -print0 | while IFS= read -r -d '' file; do
    cp "$file" "$corpus/seed-$(echo "$file" | tr '/' '_')"
done

"$fuzzer" "$corpus" -artifact_prefix="$findings/" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=512 \
    -max_len=65536 -print_final_stats=1
