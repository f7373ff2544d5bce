#!/usr/bin/env bash
# Formats every Swift file with the toolchain's swift-format and the committed
# .swift-format. With --check, changes nothing and fails when a file would change.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files --cached --others --exclude-standard '*.swift')
if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    status=0
    for f in $files; do
        mkdir -p "$tmp/$(dirname "$f")"
        swift format format --configuration .swift-format "$f" > "$tmp/$f"
        if ! cmp -s "$f" "$tmp/$f"; then
            echo "not formatted: $f (run scripts/format.sh)"
            diff -u "$f" "$tmp/$f" | head -20 || true
            status=1
        fi
    done
    exit $status
fi
swift format format --configuration .swift-format --in-place $files
