#!/usr/bin/env bash
# A TCP session with socat: start `datapipe rpc --tcp` on a free loopback
# port, read the port from its log and the token from its token file, then
# send session.authenticate first and session.info after it.
set -euo pipefail
dir="${1:-$(mktemp -d)}"
bin="${DATAPIPE_BIN:-datapipe}"
mkdir -p "$dir"

"$bin" rpc --tcp 127.0.0.1:0 --config "$dir/cfg.json" --token-file "$dir/rpc-token" 2>"$dir/bridge.log" &
bridge=$!
trap 'kill $bridge 2>/dev/null; wait $bridge 2>/dev/null' EXIT
for _ in $(seq 300); do
    grep -q "listening on" "$dir/bridge.log" && break
    sleep 0.1
done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/bridge.log")
[[ -n "$port" ]] || { echo "the bridge did not start: $(cat "$dir/bridge.log")" >&2; exit 1; }

# Before authenticating, calls are refused with -32001 AuthRequired.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"session.info"}' \
    | socat -t 30 - "TCP:127.0.0.1:$port" | jq -c '{id, code: .error.code, type: .error.data.type}'

# A connection must wait for the session.authenticate reply before sending
# anything else: socat runs as a coprocess, each request waits for its reply.
coproc TCP { socat -t 30 - "TCP:127.0.0.1:$port"; }
token=$(cat "$dir/rpc-token")
jq -nc --arg t "$token" '{jsonrpc: "2.0", id: 1, method: "session.authenticate", params: {token: $t}}' >&"${TCP[1]}"
read -r -t 60 reply <&"${TCP[0]}"
jq -c '{id, result}' <<<"$reply"
printf '%s\n' '{"jsonrpc":"2.0","id":2,"method":"session.info"}' >&"${TCP[1]}"
read -r -t 60 reply <&"${TCP[0]}"
jq -c '{id, result: (.result | {mode, profile})}' <<<"$reply"
