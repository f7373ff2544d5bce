# datapipe.sh: call the datapipe JSON-RPC bridge from bash.
#
#   source clients/shell/datapipe.sh
#   dp_call session.info                      # spawns `datapipe rpc` on first use
#   dp_call pipe.pull '{"pipe":"demo"}'       # prints the result (JSON) on stdout
#   dp_stop
#
# dp_start [rpc args...]            spawn `datapipe rpc ARGS` (e.g. --profile bob --config F)
# dp_connect_tcp HOST PORT TOKEN_FILE
#                                   talk to a `datapipe rpc --tcp` bridge through socat and
#                                   authenticate with the token in TOKEN_FILE
# dp_connect_unix PATH              talk to a `datapipe rpc --unix PATH` bridge (no token)
# dp_call METHOD [JSON_PARAMS]      one request; waits for its reply
# dp_stop                           end the session (the bridge exits cleanly)
#
# A call prints its `result` on stdout and returns 0. An error reply is printed
# to stderr as `datapipe: METHOD: message (code, data)` and the call returns 1;
# the error object is kept in DP_ERROR (in the shell that ran the call: not
# passed back out of $(...)). `$/progress` and `$/log` notifications
# are shown on stderr when DP_VERBOSE=1. The binary is $DATAPIPE_BIN, else
# `datapipe` on PATH. DP_TIMEOUT (seconds, default 600) bounds the wait for a
# reply. Needs bash 4+, jq, and socat for TCP.

DP_ID=0
DP_ERROR=""

dp__bin() {
    if [[ -n "${DATAPIPE_BIN:-}" ]]; then
        printf '%s\n' "$DATAPIPE_BIN"
    else
        command -v datapipe || { echo "datapipe: no binary: set DATAPIPE_BIN or put datapipe on PATH" >&2; return 1; }
    fi
}

# Spawns a bridge over stdio as the coprocess DP.
dp_start() {
    local bin
    bin="$(dp__bin)" || return 1
    [[ -z "${DP_PID:-}" ]] || dp_stop
    coproc DP { exec "$bin" rpc "$@"; }
    dp__keep_fds
}

# Copies the coprocess's pipe ends to plain fds, which command substitutions
# ($(dp_call ...)) inherit; bash keeps the coproc's own fds from subshells.
dp__keep_fds() {
    exec {DP_OUT}<&"${DP[0]}" {DP_IN}>&"${DP[1]}"
    eval "exec ${DP[0]}<&- ${DP[1]}>&-"
}

# Connects to a TCP bridge through socat and authenticates.
dp_connect_tcp() {
    local host="$1" port="$2" token_file="$3" token
    token="$(cat "$token_file")" || return 1
    [[ -z "${DP_PID:-}" ]] || dp_stop
    coproc DP { exec socat - "TCP:$host:$port"; }
    dp__keep_fds
    dp_call session.authenticate "$(jq -nc --arg t "$token" '{token: $t}')" >/dev/null
}

# Connects to a Unix-socket bridge through socat.
dp_connect_unix() {
    [[ -z "${DP_PID:-}" ]] || dp_stop
    coproc DP { exec socat - "UNIX-CONNECT:$1"; }
    dp__keep_fds
}

# Sends METHOD with PARAMS (JSON, optional) and waits for the reply.
dp_call() {
    local method="$1" params="${2:-}" request line id
    [[ -n "${DP_PID:-}" ]] || dp_start || return 1
    # Unique even when calls run in subshells, which do not pass DP_ID back.
    DP_ID=$((DP_ID + 1))
    id="\"$BASHPID.$DP_ID\""
    if [[ -n "$params" ]]; then
        request="$(jq -nc --arg m "$method" --argjson id "$id" --argjson p "$params" \
            '{jsonrpc: "2.0", id: $id, method: $m, params: $p}')" || return 1
    else
        request="$(jq -nc --arg m "$method" --argjson id "$id" '{jsonrpc: "2.0", id: $id, method: $m}')"
    fi
    printf '%s\n' "$request" >&"$DP_IN" || return 1
    while true; do
        if ! IFS= read -r -t "${DP_TIMEOUT:-600}" line <&"$DP_OUT"; then
            echo "datapipe: $method: no reply (the bridge ended or timed out)" >&2
            return 1
        fi
        [[ -n "$line" ]] || continue
        if [[ "$(jq -c '.id // empty' <<<"$line")" == "$id" ]] && [[ "$(jq -r '.method // empty' <<<"$line")" == "" ]]; then
            break
        fi
        if [[ "${DP_VERBOSE:-0}" == 1 ]]; then
            jq -r 'if .method == "$/progress" then "datapipe: \(.params.kind) \(.params.message // "")"
                   elif .method == "$/log" then "datapipe: \(.params.level): \(.params.message)"
                   else "datapipe: \(.)" end' <<<"$line" >&2
        fi
    done
    if jq -e 'has("error")' <<<"$line" >/dev/null; then
        DP_ERROR="$(jq -c .error <<<"$line")"
        jq -r --arg m "$method" '"datapipe: \($m): \(.error.message) (\(.error.code), \(.error.data // {} | tostring))"' <<<"$line" >&2
        return 1
    fi
    DP_ERROR=""
    jq -c .result <<<"$line"
}

# Ends the session: closes the bridge's input and waits for it to exit.
dp_stop() {
    [[ -n "${DP_PID:-}" ]] || return 0
    local pid=$DP_PID
    exec {DP_IN}>&- {DP_OUT}<&-
    wait "$pid" 2>/dev/null
    local status=$?
    unset DP_PID
    return "$status"
}
