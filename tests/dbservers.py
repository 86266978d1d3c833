"""Throwaway database servers for the live-database tests.

Each server is a fresh cluster in a temporary directory, listening only on
a Unix socket in that directory (no TCP port: nothing outside the machine
can reach it, and the test-suite's ``--disable-socket --allow-unix-socket``
holds), and is stopped and removed afterwards. Nothing is installed here: CI (``.ci/run``)
installs the Debian packages; elsewhere the tests skip when no binaries are
found, naming what is missing. When ``CI=true`` a server that cannot start
is a failure, not a skip, so CI cannot go green without the real-server tests.

Root cannot run PostgreSQL or MariaDB, so as root the servers run as the
``postgres`` / ``mysql`` system users the Debian packages create (through
``runuser``), and the temporary directory is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
STARTUP_SECONDS = 60


class Unavailable(Exception):
    """No server of this kind can be started here (the reason says why)."""


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; in CI the server is required, so fail."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Server:
    kind: str
    admin: str
    password: str
    socket_dir: Path
    port: int
    """PostgreSQL names its socket after the port (``.s.PGSQL.<port>``)."""

    def url(self, database: str, user: str | None = None, password: str | None = None, scheme: str | None = None) -> str:
        """A URL reaching this server through its socket."""
        user = user or self.admin
        password = self.password if password is None else password
        auth = f"{user}:{password}@" if password else f"{user}@"
        if self.kind == "postgresql":
            return f"{scheme or 'postgresql'}://{auth}/{database}?host={self.socket_dir}&port={self.port}"
        return f"{scheme or 'mysql'}://{auth}/{database}?unix_socket={self.socket_dir / 'mysqld.sock'}"

    def connect_args(self, database: str) -> dict[str, object]:
        """Keyword arguments for the admin's driver connection (psycopg / PyMySQL)."""
        if self.kind == "postgresql":
            return {"host": str(self.socket_dir), "port": self.port, "user": self.admin, "password": self.password, "dbname": database}
        return {"unix_socket": str(self.socket_dir / "mysqld.sock"), "user": self.admin, "password": self.password, "database": database}


def _find(names: tuple[str, ...], patterns: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        path = shutil.which(name)
        if path is None:
            candidates = sorted((p for pattern in patterns for p in glob.glob(os.path.join(pattern, name))), reverse=True)
            path = candidates[0] if candidates else None
        if path is None:
            raise Unavailable(f"{name} not found (on PATH or in {', '.join(patterns)})")
        found[name] = path
    return found


def _runner(system_user: str) -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs a server binary as a non-root user."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        entry = pwd.getpwnam(system_user)
    except KeyError:
        raise Unavailable(f"running as root and there is no {system_user!r} user to run the server as") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root and runuser is not available")
    return [runuser, "-u", system_user, "--"], entry.pw_uid, entry.pw_gid


def _run(command: list[str], what: str, timeout: float = STARTUP_SECONDS) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"{what} failed: {error}") from None
    if done.returncode != 0:
        raise Unavailable(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")


@contextmanager
def _workdir(prefix: str, uid: int | None, gid: int | None) -> Iterator[Path]:
    # Not pytest's tmp_path: its parents are private to root, and the server runs as another user.
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if uid is not None:
            os.chown(root, uid, gid)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL cluster: superuser ``datalint_admin`` with a password,
    password (scram) authentication on the socket."""
    binaries = _find(("initdb", "pg_ctl"), ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin"))
    prefix, uid, gid = _runner("postgres")
    password = "s3cret-Adm1n"
    with _workdir("datalint-pg-", uid, gid) as root:
        data, pwfile, log = root / "data", root / "pwfile", root / "server.log"
        pwfile.write_text(password + "\n", encoding="utf-8")
        if uid is not None:
            os.chown(pwfile, uid, gid)
        _run([*prefix, binaries["initdb"], "-D", str(data), "--username=datalint_admin", f"--pwfile={pwfile}",
              "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
             "initdb")
        port = 5432  # only names the socket file, in a directory of our own
        options = f"-p {port} -k {root} -c listen_addresses='' -c fsync=off -c max_connections=20"
        _run([*prefix, binaries["pg_ctl"], "-D", str(data), "-l", str(log), "-o", options, "-w", "-t",
              str(STARTUP_SECONDS), "start"], "pg_ctl start")
        try:
            yield Server("postgresql", "datalint_admin", password, root, port)
        finally:
            subprocess.run([*prefix, binaries["pg_ctl"], "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=STARTUP_SECONDS, check=False)


@contextmanager
def mariadb_server() -> Iterator[Server]:
    """A MariaDB server: ``datalint_admin`` with a password and every
    privilege, on the socket only (``--skip-networking``)."""
    binaries = _find(("mariadb-install-db", "mariadbd"), ("/usr/sbin", "/usr/bin", "/usr/local/mysql/bin"))
    prefix, uid, gid = _runner("mysql")
    password = "s3cret-Adm1n"
    with _workdir("datalint-maria-", uid, gid) as root:
        data, sock, log = root / "data", root / "mysqld.sock", root / "server.log"
        _run([*prefix, binaries["mariadb-install-db"], "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=socket",
              "--skip-test-db", "--skip-name-resolve"], "mariadb-install-db")
        command = [*prefix, binaries["mariadbd"], "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                   "--skip-networking", "--skip-name-resolve", f"--log-error={log}", f"--pid-file={root / 'mysqld.pid'}",
                   "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--skip-log-bin", "--performance-schema=off"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _await_socket(sock, process, log)
            # root authenticates by socket as the OS user root; as root we are.
            setup = (f"CREATE USER 'datalint_admin'@'localhost' IDENTIFIED BY '{password}';"
                     "GRANT ALL PRIVILEGES ON *.* TO 'datalint_admin'@'localhost' WITH GRANT OPTION;")
            client = shutil.which("mariadb") or shutil.which("mysql")
            if client is None:
                raise Unavailable("the mariadb client is not installed")
            _run([client, "--no-defaults", f"--socket={sock}", "-uroot", "-e", setup], "creating the admin user")
            yield Server("mariadb", "datalint_admin", password, root, 0)
        finally:
            process.terminate()
            try:
                process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _await_socket(sock: Path, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise Unavailable(f"mariadbd exited with {process.returncode}: {tail}")
        if sock.exists():
            return
        time.sleep(0.1)
    raise Unavailable(f"mariadbd did not start within {STARTUP_SECONDS} s")
