"""Real SPARQL servers (Oxigraph, Virtuoso) for integration tests.

Each server runs as a child process bound to 127.0.0.1 on a free port chosen
at runtime, with its own temporary directory that is deleted on ``stop()``.
The classes are context managers; ``kill()`` (SIGKILL) and ``restart()``
(same data directory and ports) exist for fault-injection tests.

If a server executable is missing, ``require_servers()`` skips the calling
test, unless ``MEDIGRAPH_REQUIRE_SERVERS=1`` is set (as in CI): then it fails.

Virtuoso facts measured against virtuoso-opensource 7.2.5.1 (Debian package),
which the push implementation has to live with:

* Updates: ``/sparql-auth`` with HTTP digest auth as ``dba``/``dba``; both
  ``Content-Type: application/sparql-update`` bodies and form-encoded
  ``update=`` bodies work.  Unauthenticated updates on ``/sparql`` fail (500).
* Graph Store Protocol: ``/sparql-graph-crud-auth?graph=IRI`` (digest).
  PUT answers 201 (new graph) or 200, POST 200, DELETE 200 and 404 for a
  graph that does not exist.  No auth, wrong password or basic auth: 401.
* INSERT DATA limits: at most 4,990 triples per statement (more gives
  "SP030 ... memory exhausted", HTTP 400, from the parser stack) and about
  10 MB of statement text ("SR578 ... string concatenation is too large",
  HTTP 500).  A single 3 MB literal is fine.  Graph Store PUTs of 30 MB
  (480,000 triples) were accepted.
* The Graph Store endpoint ignores ``Content-Type`` and sniffs the body.
  Sniffing fails ("unsupported type text/plain", HTTP 500) when one of the
  first three lines is longer than 65,535 bytes (e.g. a triple with a long
  literal near the top).  Long literals after three short lines are fine.
* N-Triples via Graph Store: IRIs of 8,000 characters or more are rejected
  (SP029, HTTP 500), and a failed PUT is not atomic: the triples before the
  failing line stay in the (already cleared) graph.
* An IRI of more than 1,879 characters comes back, in every result (STR
  too), as its first 1,847 characters and a 32-digit hash; ASK still tells
  apart two 3,000 character IRIs that differ at the end, and a query or update
  naming the IRI in full, or in that short form, finds it.
* Literal escapes: ``\\uXXXX``, ``\\UXXXXXXXX`` (incl. non-BMP characters,
  surrogate-pair escapes and ``\\u0000``), raw UTF-8 non-BMP characters,
  ECHARs and raw control characters round-trip in INSERT DATA and in
  N-Triples.  A raw NUL byte is rejected by INSERT DATA ("Unterminated ...
  string", HTTP 500) but accepted in N-Triples: escape NUL as ``\\u0000``.
  A lone ``\\uD800`` is accepted and stored as invalid UTF-8; never send one.
* Language tags come back lower-cased (``en-GB`` -> ``en-gb``), and
  ``"x"^^xsd:string`` is a different term from the plain ``"x"``.
* Digest handshake: Virtuoso answers the unauthenticated first attempt with
  401 and closes the socket without reading the body.  ``urllib``'s digest
  handler (and so SPARQLWrapper) sends the whole body on that attempt, which
  gives "Connection reset by peer" for Graph Store bodies from 1-2 MB
  (timing dependent).  Authenticate with a small request first and reuse the
  nonce, as curl does, or keep bodies under 1 MB.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Literal, NoReturn, Self

import pytest

LOOPBACK = "127.0.0.1"
REQUIRE_ENV = "MEDIGRAPH_REQUIRE_SERVERS"
LOG_TAIL_LINES = 40
STOP_TIMEOUT_S = 15.0
START_ATTEMPTS = 3

AuthKind = Literal["none", "digest"]


class ServerStartError(RuntimeError):
    """A server process did not become ready."""

    def __init__(self, message: str, *, exited: bool) -> None:
        super().__init__(message)
        self.exited = exited


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def servers_required() -> bool:
    """True when missing server executables must fail tests instead of skipping."""
    return os.environ.get(REQUIRE_ENV) == "1"


def require_servers(*server_classes: type[SparqlServer]) -> None:
    """Skip (or, with MEDIGRAPH_REQUIRE_SERVERS=1, fail) if an executable is missing."""
    for cls in server_classes:
        if cls.find_executable() is not None:
            continue
        reason = f"{cls.name} executable not found ({cls.install_hint})"
        if servers_required():
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 forbids skipping", pytrace=False)
        pytest.skip(reason)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "<no log>"
    return "\n".join(text.splitlines()[-lines:])


def _http_status(request: urllib.request.Request, opener: urllib.request.OpenerDirector) -> int:
    try:
        with opener.open(request, timeout=2) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return 0


_LIVE: set[SparqlServer] = set()


@atexit.register
def _stop_leftovers() -> None:
    # A crashed or interrupted session must not leave server processes behind.
    for server in list(_LIVE):
        server.stop()


class SparqlServer:
    """Common process handling; subclasses define the command line and endpoints."""

    name: ClassVar[str]
    install_hint: ClassVar[str]
    startup_timeout_s: ClassVar[float] = 60.0
    auth: AuthKind = "none"
    user: str | None = None
    password: str | None = None

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._executable: Path | None = None
        self.port = 0
        self.startup_seconds = 0.0

    # -- to be provided by subclasses --------------------------------------

    @classmethod
    def find_executable(cls) -> Path | None:
        raise NotImplementedError

    def _allocate_ports(self) -> None:
        self.port = find_free_port()

    def _prepare(self, directory: Path) -> None:
        """Write config files into a fresh directory before the first start."""

    def _command(self, executable: Path, directory: Path) -> Sequence[str]:
        raise NotImplementedError

    def _readiness_request(self) -> urllib.request.Request:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        return urllib.request.Request(f"{self.query_endpoint}?{query}")

    @property
    def query_endpoint(self) -> str:
        raise NotImplementedError

    @property
    def update_endpoint(self) -> str:
        raise NotImplementedError

    @property
    def graph_store_endpoint(self) -> str:
        raise NotImplementedError

    # -- public API --------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def directory(self) -> Path:
        if self._dir is None:
            raise RuntimeError(f"{self.name} server is not started")
        return self._dir

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def graph_store_url(self, graph: str) -> str:
        """Graph Store Protocol URL for one named graph."""
        return f"{self.graph_store_endpoint}?{urllib.parse.urlencode({'graph': graph})}"

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that answers this server's auth challenge."""
        if self.auth != "digest":
            return urllib.request.build_opener()
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.base_url, self.user or "", self.password or "")
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Create the data directory, start the process and wait until it answers."""
        if self._dir is not None:
            raise RuntimeError(f"{self.name} server already started")
        self._executable = self._require_executable()
        _LIVE.add(self)
        for attempt in range(1, START_ATTEMPTS + 1):
            self._dir = Path(tempfile.mkdtemp(prefix=f"medigraph-{self.name.lower()}-"))
            self._allocate_ports()
            self._prepare(self._dir)
            try:
                self._launch()
                return self
            except ServerStartError as error:
                self._discard()
                # An early exit may mean another process grabbed a port between
                # probe and bind; a hang would only hang again.
                if not error.exited or attempt == START_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Terminate the process (SIGKILL after a timeout) and delete the directory."""
        self._terminate()
        self._discard()

    def kill(self) -> None:
        """SIGKILL the process, keeping the data directory for restart()."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self) -> None:
        """Stop (if running) and start again on the same directory and ports."""
        self._terminate()
        self._launch()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------

    def _require_executable(self) -> Path:
        executable = self.find_executable()
        if executable is None:
            raise FileNotFoundError(f"{self.name} executable not found ({self.install_hint})")
        return executable

    def _launch(self) -> None:
        assert self._executable is not None
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command(self._executable, self.directory),
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        opener = self.opener()
        while time.monotonic() < deadline:
            if not self.is_running():
                self._fail_start("exited during startup", exited=True)
            if _http_status(self._readiness_request(), opener) == 200:
                return
            time.sleep(0.1)
        self._terminate()
        self._fail_start(f"not ready after {self.startup_timeout_s:.0f}s", exited=False)

    def _fail_start(self, what: str, *, exited: bool) -> NoReturn:
        code = None if self._process is None else self._process.poll()
        raise ServerStartError(
            f"{self.name} on {self.base_url} {what} (exit code {code}); "
            f"last lines of its log:\n{_tail(self.log_path)}",
            exited=exited,
        )

    def _terminate(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _discard(self) -> None:
        self.kill()
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        _LIVE.discard(self)


class OxigraphServer(SparqlServer):
    """``oxigraph serve`` with a RocksDB store in a temporary directory."""

    name = "Oxigraph"
    install_hint = "pip install oxigraph"
    startup_timeout_s = 30.0

    @classmethod
    def find_executable(cls) -> Path | None:
        beside_python = Path(sys.executable).parent / "oxigraph"
        if beside_python.is_file() and os.access(beside_python, os.X_OK):
            return beside_python
        found = shutil.which("oxigraph")
        return None if found is None else Path(found)

    def _command(self, executable: Path, directory: Path) -> Sequence[str]:
        return [
            str(executable),
            "serve",
            "--location",
            str(directory / "store"),
            "--bind",
            f"{LOOPBACK}:{self.port}",
        ]

    @property
    def query_endpoint(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_endpoint(self) -> str:
        return f"{self.base_url}/update"

    @property
    def graph_store_endpoint(self) -> str:
        return f"{self.base_url}/store"


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 2000
MaxDirtyBuffers = 1200
MaxQueryMem = 256M
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {dir}
MaxClientConnections = 5
ServerThreads = 5
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


class VirtuosoServer(SparqlServer):
    """``virtuoso-t`` in the foreground with a minimal, small-memory virtuoso.ini.

    No VAD packages are installed: the built-in /sparql, /sparql-auth and
    /sparql-graph-crud-auth endpoints are enough.  The built-in ``dba``
    account (password ``dba``) may run SPARQL updates, so no extra user is
    created.  Virtuoso also holds system graphs, so count only in your own
    graphs.
    """

    name = "Virtuoso"
    install_hint = "apt-get install virtuoso-opensource"
    startup_timeout_s = 120.0
    auth: AuthKind = "digest"
    user = "dba"
    password = "dba"

    def __init__(self, max_rows: int = 1_000_000) -> None:
        """``max_rows``: the most rows it answers a SELECT with (``ResultSetMaxRows``; the
        Debian package's virtuoso.ini says 10 000), cutting the rest silently."""
        super().__init__()
        self.sql_port = 0
        self.max_rows = max_rows

    @classmethod
    def find_executable(cls) -> Path | None:
        found = shutil.which("virtuoso-t")
        if found is not None:
            return Path(found)
        candidates = sorted(Path("/usr/lib").glob("virtuoso-opensource-*/bin/virtuoso-t"))
        candidates += sorted(Path("/usr/lib").glob("*/virtuoso-opensource-*/virtuoso-t"))
        return candidates[-1] if candidates else None

    def _allocate_ports(self) -> None:
        self.port = find_free_port()
        self.sql_port = find_free_port()
        while self.sql_port == self.port:
            self.sql_port = find_free_port()

    def _prepare(self, directory: Path) -> None:
        ini = VIRTUOSO_INI.format(
            dir=directory,
            host=LOOPBACK,
            sql_port=self.sql_port,
            http_port=self.port,
            max_rows=self.max_rows,
        )
        self.config_path.write_text(ini, encoding="utf-8")

    @property
    def config_path(self) -> Path:
        return self.directory / "virtuoso.ini"

    def _command(self, executable: Path, directory: Path) -> Sequence[str]:
        return [str(executable), "+configfile", str(self.config_path), "+foreground"]

    def _readiness_request(self) -> urllib.request.Request:
        # The HTTP listener comes up before the database accepts work, so wait
        # for an authenticated SPARQL request to succeed.
        query = urllib.parse.urlencode({"query": "ASK {}"})
        return urllib.request.Request(f"{self.update_endpoint}?{query}")

    @property
    def query_endpoint(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def update_endpoint(self) -> str:
        return f"{self.base_url}/sparql-auth"

    @property
    def graph_store_endpoint(self) -> str:
        return f"{self.base_url}/sparql-graph-crud-auth"
