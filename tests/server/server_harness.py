"""`datapipe serve` in a child process and d6tpipe 1.2.7 APIClients aimed at it."""

import json
import queue
import subprocess
import threading
from pathlib import Path

import d6tpipe
import d6tpipe.api
import sbs_harness as h


class DatapipeServer:
    """`datapipe serve --listen 127.0.0.1:0` on its own database and key under
    `root`; stopped with SIGTERM (the graceful path)."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        binary = h.datapipe_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `swift build --product datapipe` in {h.REPO}")
        self.log_path = self.root / "serve.log"
        self._log = open(self.log_path, "w")
        self.db = self.root / "server.sqlite"
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--db", str(self.db)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            self.port = json.loads(lines.get(timeout=60))["port"]
        except (queue.Empty, ValueError, KeyError):
            self.stop()
            raise RuntimeError("datapipe serve did not start:\n" + self.log()) from None
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to our own child
            try:
                self.exit_code = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.exit_code = self.proc.wait()
        else:
            self.exit_code = self.proc.returncode
        self._log.close()

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""


class Client:
    """One d6tpipe user: a profile in its own cfg.json, `ConfigManager.init
    ({'server': url})`, and an `APIClient` (re-made after register/login)."""

    def __init__(self, url, root, profile="srv"):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.cfg = str(self.root / "cfg.json")
        self.profile = profile
        d6tpipe.api.ConfigManager(profile=profile, filecfg=self.cfg).init(
            {"server": url, "filerepo": str(self.root / "repo")})
        self.api = d6tpipe.APIClient(profile=profile, filecfg=self.cfg)

    def reload(self):
        self.api = d6tpipe.APIClient(profile=self.profile, filecfg=self.cfg)
        return self.api

    def pipe(self, name):
        return d6tpipe.Pipe(self.api, name)

    def folder(self, name):
        return Path(self.api.filerepo) / name
