"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, start
it on a Unix socket in that folder (no TCP port to collide with anything), drop it all
at the end.

Found binaries, in order: BPR_TEST_PG_BIN (a folder), ``pg_config --bindir``, the
Debian layout /usr/lib/postgresql/<version>/bin, ``initdb`` on PATH. PostgreSQL refuses
to run as root, so as root the server runs as the ``postgres`` user that the
distribution's package creates (``runuser``), owner of the temporary folder.

No server found: the PostgreSQL tests are skipped with the reason, unless
BPR_REQUIRE_POSTGRES=1 (set by .ci/run), where a missing server fails them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SERVICE_USER = "postgres"


@dataclass
class PgServer:
    bindir: Path
    root: Path
    socket_dir: Path
    run_as: str | None
    superuser: str = "postgres"

    def url(self, database: str, user: str | None = None) -> str:
        return (f"postgresql://{user or self.superuser}@/{database}"
                f"?host={self.socket_dir.as_posix()}")

    def admin_connection(self, database: str = "postgres"):  # psycopg.Connection
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), user=self.superuser,
                               dbname=database, autocommit=True)


def find_bindir() -> tuple[Path | None, str]:
    """The folder holding initdb/pg_ctl/postgres, or None and why not."""
    candidates: list[Path] = []
    if os.environ.get("BPR_TEST_PG_BIN"):
        candidates.append(Path(os.environ["BPR_TEST_PG_BIN"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
            candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                      reverse=True)
    candidates += [Path(p) for p in versions]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder, ""
    return None, "no PostgreSQL server binaries (initdb, pg_ctl) found; install PostgreSQL " \
                 "or set BPR_TEST_PG_BIN"


def _run(cmd: list[str], run_as: str | None, **kwargs) -> subprocess.CompletedProcess:
    if run_as is not None:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kwargs)


def start_server() -> tuple[PgServer | None, str]:
    """Start a private server; (server, "") or (None, why it could not start)."""
    bindir, why = find_bindir()
    if bindir is None:
        return None, why
    run_as: str | None = None
    temp_parent = None
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd  # POSIX only, like running as root

        # The server's user must reach its folder: not under a root-only TMPDIR.
        temp_parent = "/tmp"
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return None, "running as root and there is no 'postgres' user to run the server as"
        if shutil.which("runuser") is None:
            return None, "running as root and 'runuser' is missing"
        run_as = SERVICE_USER
    _sweep_abandoned(Path(temp_parent or tempfile.gettempdir()), bindir)
    root = Path(tempfile.mkdtemp(prefix="bpr-pg-", dir=temp_parent))
    (root / OWNER_FILE).write_text(str(os.getpid()))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if run_as is not None:
        import pwd

        entry = pwd.getpwnam(run_as)
        for folder in (root, sockets):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    try:
        _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--locale=C", "--no-sync"], run_as, timeout=120)
        options = (f"-c listen_addresses='' -c unix_socket_directories='{sockets}' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=60 -c shared_buffers=32MB")
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
              str(root / "server.log"), "-w", "-t", "60", "start"], run_as, timeout=90)
    except (OSError, subprocess.SubprocessError) as exc:
        log = root / "server.log"
        detail = getattr(exc, "stderr", "") or str(exc)
        if log.exists():
            detail += log.read_text(errors="replace")[-2000:]
        shutil.rmtree(root, ignore_errors=True)
        return None, f"the PostgreSQL server did not start: {detail.strip()}"
    return PgServer(bindir, root, sockets, run_as), ""


OWNER_FILE = "owner.pid"  # the test run that started the server


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (OSError, ValueError, IndexError):
        return False
    return True


def _sweep_abandoned(parent: Path, bindir: Path) -> None:
    """Stop and remove the servers of test runs that were killed (a SIGKILLed pytest
    never reaches stop_server): a folder whose owner run is gone, or with no owner file
    (older runs) and no server running in it. A live run's server is left alone."""
    for root in parent.glob("bpr-pg-*"):
        owner, postmaster = root / OWNER_FILE, root / "data" / "postmaster.pid"
        if _alive(owner) if owner.exists() else _alive(postmaster):
            continue
        if postmaster.exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m",
                                "immediate", "-w", "stop"], capture_output=True, timeout=60)
                # As root the server runs as postgres and pg_ctl refuses root: send the
                # postmaster its immediate-shutdown signal directly.
                os.kill(int(postmaster.read_text().split()[0]), signal.SIGQUIT)
        shutil.rmtree(root, ignore_errors=True)


def stop_server(server: PgServer) -> None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        _run([str(server.bindir / "pg_ctl"), "-D", str(server.root / "data"), "-m", "immediate",
              "-w", "stop"], server.run_as, timeout=60)
    shutil.rmtree(server.root, ignore_errors=True)


_counter = [0]


def create_database(server: PgServer) -> str:
    """A new, empty database; its name."""
    _counter[0] += 1
    name = f"bpr_test_{os.getpid()}_{_counter[0]}_{int(time.time() * 1000) % 100000}"
    with server.admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: PgServer, name: str) -> None:
    with server.admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
