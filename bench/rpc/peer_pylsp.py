#!/usr/bin/env python3
"""Peer for the RPC benchmark: a stdio JSON-RPC server built on python-lsp-jsonrpc.

Speaks Content-Length framing on stdin/stdout (pylsp_jsonrpc.streams) and serves
`session.info` with the same kind of object as `datapipe rpc`. Exits on EOF.
"""
import os
import sys

from pylsp_jsonrpc.endpoint import Endpoint
from pylsp_jsonrpc.streams import JsonRpcStreamReader, JsonRpcStreamWriter

INFO = {
    "version": "0.1.0",
    "profile": "default",
    "mode": "local",
    "server": None,
    "username": None,
    "filerepo": os.path.join(os.path.expanduser("~"), "d6tpipe"),
}


def session_info(_params):
    return dict(INFO)


def main():
    reader = JsonRpcStreamReader(sys.stdin.buffer)
    writer = JsonRpcStreamWriter(sys.stdout.buffer)
    endpoint = Endpoint({"session.info": session_info}, writer.write)
    try:
        reader.listen(endpoint.consume)
    finally:
        endpoint.shutdown()


if __name__ == "__main__":
    main()
