"""Real PostgreSQL and Redis servers for the session tests, started from Debian's packages.

Each starts in a private temporary folder on a free loopback port and waits on the server's
own readiness signal (``pg_ctl -w``, Redis' "Ready to accept connections" line), never on a
fixed delay. ``find_*`` return None when the binaries are not installed here.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_postgres_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH), or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(candidates[-1]).parent if candidates else None


def _version(path: str) -> int:
    name = Path(path).parent.parent.name
    return int(name) if name.isdigit() else 0


def _die_with_parent() -> None:
    """In the child: a pytest killed before its teardown takes its redis-server along (Linux
    prctl PR_SET_PDEATHSIG; elsewhere nothing)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def find_redis_server() -> str | None:
    return shutil.which("redis-server")


@dataclass
class PostgresServer:
    """A throwaway cluster: trust login for ``postgres`` on 127.0.0.1 (or, started with a
    ``password``, SCRAM password login), fsync off (tests only)."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: str | None  # root cannot run the server: it runs as this user then

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, bin_dir: Path, *, password: str | None = None) -> PostgresServer:
        folder = Path(tempfile.mkdtemp(prefix="threadline-pg-"))
        run_as = "postgres" if os.geteuid() == 0 else None
        auth = ["-A", "trust"]
        if password is not None:
            secret = folder / "password"
            secret.write_text(password, encoding="utf-8")
            auth = ["-A", "scram-sha-256", f"--pwfile={secret}"]
        if run_as is not None:
            user = pwd.getpwnam(run_as)
            for path in (folder, *folder.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)
        server = cls(bin_dir, folder / "data", free_port(), run_as)
        server._run("initdb", "-D", str(server.data_dir), *auth, "-U", "postgres")
        options = (
            f"-p {server.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(folder / "server.log")
        server._run("pg_ctl", "-D", str(server.data_dir), "-l", log, "-o", options, "-w", "start")
        return server

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=START_TIMEOUT_S, cwd="/tmp"
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")


@dataclass
class RedisServer:
    """``redis-server`` without persistence, in its own folder."""

    process: subprocess.Popen[str]
    folder: Path
    port: int
    _reader: threading.Thread = field(init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, binary: str) -> RedisServer:
        folder = Path(tempfile.mkdtemp(prefix="threadline-redis-"))
        port = free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_die_with_parent,
        )
        server = cls(process, folder, port)
        if not server._wait_ready():
            server.stop()
            raise RuntimeError(f"redis-server did not start on port {port}")
        return server

    def _wait_ready(self) -> bool:
        """Reads the server's log until it says it is ready (or exits, or the timeout hits)."""
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:  # keeps draining after, so the pipe never fills
                if "Ready to accept connections" in line:
                    ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        return ready.wait(START_TIMEOUT_S)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(START_TIMEOUT_S)  # it ends at the log's end, then the pipe can close
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)
