#!/usr/bin/env bash
# Tests the shell client against the real binary: the example sessions (plain
# pipes with jq, TCP with socat) and the datapipe.sh wrapper (stdio, TCP and a
# Unix socket; push and pull between two profiles, errors, progress) and a
# server-mode session against a `datapipe serve` of its own. Every
# failing check is reported; the exit status is the number of failures.
# DATAPIPE_BIN defaults to <repo>/.build/debug/datapipe.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export DATAPIPE_BIN="${DATAPIPE_BIN:-$repo/.build/debug/datapipe}"
for tool in "$DATAPIPE_BIN" jq socat; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

work="$(mktemp -d)"
export HOME="$work/home" # nothing from the real HOME
mkdir -p "$HOME"
unset DATAPIPE_CONFIG DATAPIPE_PROFILE
bridge_pid=""
server_pid=""
cleanup() {
    [[ -z "$bridge_pid" ]] || { kill "$bridge_pid" 2>/dev/null; wait "$bridge_pid" 2>/dev/null; }
    [[ -z "$server_pid" ]] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
passes=0
check() { # NAME EXPECTED ACTUAL
    if [[ "$2" == "$3" ]]; then
        passes=$((passes + 1))
    else
        failures=$((failures + 1))
        printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2
    fi
}

# 1. The plain-pipe session: alice pushes, bob previews and pulls.
out="$(timeout 120 "$here/examples/pipe-session.sh" "$work/pipes" 2>&1)"
check "pipe-session.sh exits 0" 0 "$?"
check "pipe-session.sh output" \
    "$(printf '%s\n' '{"created":true}' '{"created":true}' '{"files":["prices.csv"],"bytes":24}' \
        '{"created":true}' '{"created":true}' '{"files":["prices.csv"],"bytes":24}' \
        '{"files":["prices.csv"],"bytes":24,"kept":[]}' 'date,price' '2026-01-01,3')" "$out"

# 2. The TCP session: refused before session.authenticate, served after.
out="$(timeout 120 "$here/examples/tcp-session.sh" "$work/tcp" 2>&1)"
check "tcp-session.sh exits 0" 0 "$?"
check "tcp-session.sh output" \
    "$(printf '%s\n' '{"id":1,"code":-32001,"type":"AuthRequired"}' '{"id":1,"result":{"ok":true}}' \
        '{"id":2,"result":{"mode":"local","profile":"default"}}')" "$out"

# 3. The wrapper over stdio: one bridge per profile, calls wait for replies.
source "$here/datapipe.sh"
DP_TIMEOUT=60
mkdir -p "$work/w/shared" "$work/w/alice/demo"
echo "a,b" >"$work/w/alice/demo/x.csv"
settings="$(jq -nc --arg r "$work/w/shared" '{settings: {name: "demo", protocol: "file", options: {remotepath: $r}}}')"

dp_start --config "$work/w/cfg.json" --profile alice
check "dp_call config.init" '{"created":true}' \
    "$(dp_call config.init "$(jq -nc --arg f "$work/w/alice" '{filerepo: $f}')" | jq -c '{created}')"
check "dp_call pipes.upsert" '{"created":true}' "$(dp_call pipes.upsert "$settings" | jq -c '{created}')"
check "dp_call pipes.list" '["demo"]' "$(dp_call pipes.list)"
check "dp_call pipe.push_preview" '{"files":["x.csv"],"bytes":4}' "$(dp_call pipe.push_preview '{"pipe":"demo"}')"
progress="$(DP_VERBOSE=1 dp_call pipe.push '{"pipe":"demo"}' 2>&1 >/dev/null)"
check "DP_VERBOSE shows push progress" "datapipe: begin" "$(head -1 <<<"$progress" | cut -d' ' -f1-2)"
check "DP_VERBOSE ends with end" "datapipe: end" "$(tail -1 <<<"$progress" | cut -d' ' -f1-2)"
check "the pushed file is on the remote" "a,b" "$(cat "$work/w/shared/x.csv")"

err="$(dp_call pipe.pull '{"pipe":"nope"}' 2>&1 >/dev/null)"
check "an error reply returns 1" 1 "$(dp_call pipe.pull '{"pipe":"nope"}' >/dev/null 2>&1; echo $?)"
check "the error is on stderr" 'datapipe: pipe.pull: no pipe named nope (-32003, {"type":"NotFound","pipe":"nope"})' "$err"
dp_call pipe.pull '{"pipe":"nope"}' 2>/dev/null
check "DP_ERROR keeps the error object" "NotFound nope" "$(jq -r '"\(.data.type) \(.data.pipe)"' <<<"$DP_ERROR")"
check "bad params are refused" "-32602" "$(dp_call session.ping '{"delay_ms":"soon"}' 2>/dev/null; jq -r .code <<<"$DP_ERROR")"
dp_stop
check "dp_stop: the bridge exits 0" 0 "$?"

dp_start --config "$work/w/cfg.json" --profile bob
dp_call config.init "$(jq -nc --arg f "$work/w/bob" '{filerepo: $f}')" >/dev/null
dp_call pipes.upsert "$settings" >/dev/null
check "bob's pipe.pull_preview" '{"files":["x.csv"],"bytes":4}' "$(dp_call pipe.pull_preview '{"pipe":"demo"}')"
check "bob's pipe.pull" '{"files":["x.csv"],"bytes":4,"kept":[]}' "$(dp_call pipe.pull '{"pipe":"demo"}')"
check "bob's copy" "a,b" "$(cat "$work/w/bob/demo/x.csv")"
check "bob is synced" '{"synced":true,"pending":[]}' "$(dp_call pipe.is_synced '{"pipe":"demo"}')"
dp_stop

# 4. The wrapper over TCP: dp_connect_tcp authenticates with the token file.
"$DATAPIPE_BIN" rpc --tcp 127.0.0.1:0 --config "$work/w/cfg.json" --token-file "$work/w/token" \
    2>"$work/w/bridge.log" &
bridge_pid=$!
for _ in $(seq 300); do
    grep -q "listening on" "$work/w/bridge.log" && break
    sleep 0.1
done
port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/w/bridge.log")"
check "the TCP bridge logs its port" 1 "$([[ -n "$port" ]] && echo 1 || echo 0)"
dp_connect_tcp 127.0.0.1 "$port" "$work/w/token"
check "dp_connect_tcp authenticates" 0 "$?"
check "dp_call over TCP" '{"pong":true,"waited_ms":0}' "$(dp_call session.ping)"
dp_stop
echo "not-the-token" >"$work/w/wrong-token"
dp_connect_tcp 127.0.0.1 "$port" "$work/w/wrong-token" 2>/dev/null
check "a wrong token is refused" "1 AuthRequired" "$?$(jq -r '" \(.data.type)"' <<<"$DP_ERROR")"
check "and later calls too" "-32001" "$(dp_call session.info 2>/dev/null; jq -r .code <<<"$DP_ERROR")"
dp_stop
kill "$bridge_pid"
wait "$bridge_pid" 2>/dev/null
bridge_pid=""

# 5. The wrapper over a Unix socket.
"$DATAPIPE_BIN" rpc --unix "$work/w/rpc.sock" --config "$work/w/cfg.json" 2>"$work/w/unix.log" &
bridge_pid=$!
for _ in $(seq 300); do
    [[ -S "$work/w/rpc.sock" ]] && break
    sleep 0.1
done
dp_connect_unix "$work/w/rpc.sock"
check "dp_call over a Unix socket" '"default"' "$(dp_call session.info | jq -c .profile)"
dp_stop
kill "$bridge_pid"
wait "$bridge_pid" 2>/dev/null
bridge_pid=""

# 6. Server mode: a `datapipe serve` of its own; alice registers, shares a pipe
#    by email with bob, who registers later, pulls, and may not push.
mkdir -p "$work/s"
"$DATAPIPE_BIN" serve --listen 127.0.0.1:0 --db "$work/s/repo.db" >"$work/s/serve.out" 2>"$work/s/serve.log" &
server_pid=$!
for _ in $(seq 300); do
    grep -q '}' "$work/s/serve.out" 2>/dev/null && break
    sleep 0.1
done
server="http://127.0.0.1:$(jq -r .port "$work/s/serve.out")"
check "datapipe serve prints its port" 1 "$([[ "$server" =~ :[0-9]+$ ]] && echo 1 || echo 0)"
account() { # USER: account.register params
    jq -nc --arg u "$1" --arg s "$server" '{username: $u, email: "\($u)@example.org", password: "\($u)-pw-1", server: $s}'
}
settings="$(jq -nc --arg r "$work/s/shared" '{settings: {name: "team", protocol: "file", options: {remotepath: $r}}}')"
mkdir -p "$work/s/shared" "$work/s/alice/team"
echo "id,v" >"$work/s/alice/team/t.csv"

dp_start --config "$work/s/cfg.json" --profile alice
dp_call config.init "$(jq -nc --arg f "$work/s/alice" '{filerepo: $f}')" >/dev/null
check "alice registers" "{\"username\":\"alice\",\"server\":\"$server\"}" "$(dp_call account.register "$(account alice)")"
check "alice switches to server mode" '{"mode":"server","username":"alice"}' \
    "$(dp_call mode.switch '{"mode":"server"}' | jq -c '{mode, username}')"
check "the pipe is made on the server" '{"created":true}' "$(dp_call pipes.upsert "$settings" | jq -c '{created}')"
check "alice pushes through it" '["t.csv"]' "$(dp_call pipe.push '{"pipe":"team"}' | jq -c .files)"
check "alice grants bob's address read" '{"email":"bob@example.org","role":"read"}' \
    "$(dp_call permissions.set '{"pipe":"team","email":"bob@example.org","role":"read"}' | jq -c '{email, role}')"
check "permissions.list shows the grant" '[{"email":"bob@example.org","role":"read"}]' \
    "$(dp_call permissions.list '{"pipe":"team"}' | jq -c '[.permissions[] | {email, role}]')"
dp_stop

dp_start --config "$work/s/cfg.json" --profile bob
dp_call config.init "$(jq -nc --arg f "$work/s/bob" '{filerepo: $f}')" >/dev/null
check "in local mode bob has no pipes" '[]' "$(dp_call pipes.list)"
dp_call account.register "$(account bob)" >/dev/null
dp_call mode.switch '{"mode":"server"}' >/dev/null
check "bob sees the shared pipe" '["team"]' "$(dp_call pipes.list)"
check "bob pulls it" '["t.csv"]' "$(dp_call pipe.pull '{"pipe":"team"}' | jq -c .files)"
check "bob's copy" "id,v" "$(cat "$work/s/bob/team/t.csv")"
echo "id,v,w" >"$work/s/bob/team/t.csv"
dp_call pipe.push '{"pipe":"team"}' >/dev/null 2>&1
check "bob's push is refused: read only" "PermissionDenied" "$(jq -r .data.type <<<"$DP_ERROR")"
check "and nothing reached the remote" "id,v" "$(cat "$work/s/shared/t.csv")"
check "a wrong password is an error, not a crash" "1" \
    "$(dp_call account.login "$(jq -nc '{username: "bob", password: "wrong"}')" >/dev/null 2>&1; echo $?)"
check "the session still works" '"server"' "$(dp_call mode.get | jq -c .mode)"
dp_stop
check "dp_stop after server mode: exit 0" 0 "$?"
kill "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""
check "no password in the server's log" 0 "$(grep -c -- '-pw-1' "$work/s/serve.log")"

echo "clients/shell: $passes passed, $failures failed"
exit "$failures"
