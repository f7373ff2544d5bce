"""scripts/gen-methods-md: methods.md is current and covers every method."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import subprocess
import sys

from bridge import OPENRPC, REPO

SCRIPT = REPO / "scripts" / "gen-methods-md"


def load_generator():
    loader = importlib.machinery.SourceFileLoader("gen_methods_md", str(SCRIPT))
    spec = importlib.util.spec_from_loader("gen_methods_md", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_checked_in_methods_md_is_current():
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_method_param_error_and_example_is_rendered():
    document = json.loads(OPENRPC.read_text())
    text = load_generator().render(document)
    for method in document["methods"]:
        section = text.split("## `{}`\n".format(method["name"]), 1)[1].split("\n## ", 1)[0]
        for param in method["params"]:
            row = "| `{}` | ".format(param["name"])
            assert row in section, (method["name"], param["name"])
            required = "| yes |" if param.get("required") else "| no |"
            assert required in section.split(row, 1)[1].split("\n", 1)[0]
        for error in method["errors"]:
            assert "| {} |".format(error["code"]) in section, (method["name"], error["code"])
        for example in method["examples"]:
            assert json.dumps(example["result"]["value"], ensure_ascii=False) in section


def test_a_stale_file_is_reported(tmp_path, monkeypatch):
    generator = load_generator()
    stale = tmp_path / "methods.md"
    stale.write_text(generator.render(json.loads(OPENRPC.read_text())) + "an edit by hand\n")
    monkeypatch.setattr(generator, "TARGET", stale)
    monkeypatch.setattr(sys, "argv", ["gen-methods-md", "--check"])
    assert generator.main() == 1
    monkeypatch.setattr(sys, "argv", ["gen-methods-md"])
    assert generator.main() == 0
    monkeypatch.setattr(sys, "argv", ["gen-methods-md", "--check"])
    assert generator.main() == 0


def test_errors_md_lists_every_error_with_its_code_and_facts():
    document = json.loads(OPENRPC.read_text())
    errors_md = (REPO / "protocol" / "errors.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in errors_md.splitlines() if line.startswith("| -3")}
    for name, error in document["components"]["errors"].items():
        row = rows.get(str(error["code"]))
        assert row is not None, "errors.md has no row for {} ({})".format(name, error["code"])
        data = error.get("data", {})
        if "type" in data:
            assert "`{}`".format(name) in row
            for fact in data:
                if fact != "type":
                    assert "data.{}".format(fact) in row, "errors.md does not name {}'s fact {}".format(name, fact)
