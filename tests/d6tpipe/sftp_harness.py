"""SFTP for the side-by-side suite: a real OpenSSH sshd on a free loopback
port with a throwaway password account, and the harness patches d6tpipe
1.2.7's SFTP path needs with today's packages (not patches of d6tpipe):

- `luigi.file` is gone from luigi 3 (d6tpipe.luigi.ftp imports it and uses
  nothing from it): an empty module stands in;
- paramiko 4 removed `DSSKey`, which pysftp 0.2.9 imports: paramiko is
  pinned to 3.5.1 in requirements.txt;
- d6tpipe passes `location` to pysftp as the host and hard-codes port 22:
  `host:port` is split before d6tpipe's RemoteFileSystem sees it.

Import sbs_harness first (it isolates the process), then this module.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

sys.modules.setdefault("luigi.file", types.ModuleType("luigi.file"))

import d6tpipe.luigi.ftp as d6t_ftp  # noqa: E402  (after the luigi.file stand-in)

_original_init = d6t_ftp.RemoteFileSystem.__init__


def _init_with_port(self, host, *args, **kwargs):
    if isinstance(host, str) and host.count(":") == 1 and kwargs.get("port") is None:
        host, port = host.split(":")
        kwargs["port"] = int(port)
    _original_init(self, host, *args, **kwargs)


d6t_ftp.RemoteFileSystem.__init__ = _init_with_port

USER = "datapipe-sftp"  # the account the Swift suite's SSHServer uses too


class SSHServer:
    """sshd -D on 127.0.0.1:<free port> with its own host key and config;
    password logins for USER (created with useradd, password set with
    chpasswd: needs root, as CI runs)."""

    def __init__(self):
        # Its own folder, not under the session's 0700 one: USER must reach the remote folders.
        self.folder = Path(tempfile.mkdtemp(prefix="d6tpipe-sbs-sshd-"))
        os.chmod(self.folder, 0o755)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.folder / "host")], check=True)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        (self.folder / "sshd_config").write_text(
            f"ListenAddress 127.0.0.1\nHostKey {self.folder}/host\nPidFile none\nUsePAM no\n"
            "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nStrictModes no\n"
            "MaxStartups 100\nMaxSessions 100\nSubsystem sftp internal-sftp\n")
        try:
            pwd.getpwnam(USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/tmp", "--shell", "/bin/sh",
                            USER], check=True)
        self.password = "pw-sbs-" + os.urandom(8).hex()
        subprocess.run(["chpasswd"], input=f"{USER}:{self.password}\n", text=True, check=True)
        os.makedirs("/run/sshd", exist_ok=True)
        self._log = open(self.folder / "sshd.log", "w")
        self.proc = subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-e", "-f", str(self.folder / "sshd_config"), "-p", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sshd did not start:\n" + (self.folder / "sshd.log").read_text())
                time.sleep(0.05)

    def remote_folder(self, name):
        """A fresh folder USER owns, as the pipe's remotepath."""
        folder = self.folder / name
        folder.mkdir()
        shutil.chown(folder, USER)
        return folder

    def settings(self, name, folder, **extra):
        settings = {"name": name, "protocol": "sftp", "location": f"127.0.0.1:{self.port}",
                    "options": {"remotepath": f"{folder}/"},
                    "credentials": {"username": USER, "password": self.password}}
        settings["options"].update(extra.pop("options", {}))
        settings.update(extra)
        return settings

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
