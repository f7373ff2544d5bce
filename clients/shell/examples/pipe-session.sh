#!/usr/bin/env bash
# An NDJSON session over plain pipes: alice pushes a file to a directory
# remote, bob pulls it into his own profile. Everything lives under $1 (a
# fresh temp dir by default). Prints one compact line per reply.
set -euo pipefail
dir="${1:-$(mktemp -d)}"
bin="${DATAPIPE_BIN:-datapipe}"
mkdir -p "$dir/alice/demo" "$dir/shared"
printf 'date,price\n2026-01-01,3\n' >"$dir/alice/demo/prices.csv"

pipe=$(jq -nc --arg r "$dir/shared" '{name: "demo", protocol: "file", options: {remotepath: $r}}')
# One request per session: requests on one connection run concurrently, and
# each step here needs the one before it done.
call() { # PROFILE METHOD PARAMS -> the reply's result or error
    jq -nc --arg m "$2" --argjson p "$3" '{jsonrpc: "2.0", id: 1, method: $m, params: $p}' \
        | "$bin" rpc --config "$dir/cfg.json" --profile "$1" \
        | jq -c 'select(.id) | .result // .error'
}
call alice config.init "$(jq -nc --arg f "$dir/alice" '{filerepo: $f}')" | jq -c '{created}'
call alice pipes.upsert "$(jq -nc --argjson s "$pipe" '{settings: $s}')" | jq -c '{created}'
call alice pipe.push '{"pipe":"demo"}'

call bob config.init "$(jq -nc --arg f "$dir/bob" '{filerepo: $f}')" | jq -c '{created}'
call bob pipes.upsert "$(jq -nc --argjson s "$pipe" '{settings: $s}')" | jq -c '{created}'
call bob pipe.pull_preview '{"pipe":"demo"}'
call bob pipe.pull '{"pipe":"demo"}'
cat "$dir/bob/demo/prices.csv"
