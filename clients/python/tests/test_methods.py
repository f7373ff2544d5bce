"""The Python methods match protocol/openrpc.json exactly (names, params, requiredness)."""

from __future__ import annotations

import inspect
import json

from conftest import OPENRPC

from datapipe_client import METHOD_NAMES, Client
from datapipe_client.methods import RPCMethods

CLIENT_ONLY = {"progress_token", "progress", "timeout"}


def _doc():
    with open(OPENRPC, encoding="utf-8") as f:
        return json.load(f)


def _snake(name: str) -> str:
    return name.replace(".", "_")


def test_method_set_equals_openrpc():
    doc_names = {m["name"] for m in _doc()["methods"]}
    assert set(METHOD_NAMES) == doc_names
    assert {v for v in METHOD_NAMES.values()} == {_snake(n) for n in doc_names}
    written = {n for n, v in vars(RPCMethods).items() if callable(v) and not n.startswith("_")}
    assert written == {_snake(n) for n in doc_names}
    for name in doc_names:
        assert callable(getattr(Client, _snake(name)))


def test_params_match_openrpc():
    for method in _doc()["methods"]:
        fn = getattr(RPCMethods, _snake(method["name"]))
        sig = inspect.signature(fn)
        positional = [p for p in sig.parameters.values() if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
        keyword_only = {p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY}
        params = method.get("params", [])
        assert {p.name for p in positional} == {p["name"] for p in params}, method["name"]
        assert keyword_only == CLIENT_ONLY, method["name"]
        required = {p["name"] for p in params if p.get("required")}
        assert {p.name for p in positional if p.default is inspect.Parameter.empty} == required, method["name"]
        # required first, then optional, each in the document's order
        expected = [p["name"] for p in params if p.get("required")] + [p["name"] for p in params if not p.get("required")]
        assert [p.name for p in positional] == expected, method["name"]
        assert method["name"] in (fn.__doc__ or ""), method["name"]


def test_served_methods_equal_the_document(client):
    served = client.rpc_discover()
    assert {m["name"] for m in served["methods"]} == set(METHOD_NAMES)
