"""Where the conversations live (Settings → Storage), without Qt: this computer (the SQLite
file in the data folder, the default) or a shared PostgreSQL server.

The server's address is in ``settings.json`` (``StorageSettings``); its password only in the
OS keyring, read each time a connection opens (``KeyringPassword``), never in a DSN, a file, a
log or a message. ``check_server`` tries an address and says plainly what is wrong;
``open_server`` makes the store; ``sessions/urls.py`` and ``threadline serve`` take the same
DSN (``server_dsn``) with the password in it or in ``PGPASSWORD``.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from threadline.core.errors import StorageError

if TYPE_CHECKING:
    import asyncpg

    from threadline.sessions import PostgresSessionService
    from threadline.settings import SecretStore
    from threadline.settings.config import StorageSettings

CONNECT_TIMEOUT_S = 8.0
SCHEMES = ("postgresql", "postgres")


class StorageSettingsError(ValueError):
    """What the Storage page holds cannot name a server (the message says what is missing)."""


def split_password(dsn: str) -> tuple[str, str | None]:
    """A DSN without its password (in the address or as ``?password=``), and the password.

    Raises ``StorageSettingsError`` for something that is not a ``postgresql://`` address.
    """
    parts = urlsplit(dsn.strip())
    if parts.scheme.lower() not in SCHEMES:
        raise StorageSettingsError("A connection string starts with postgresql://")
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if parts.username is not None:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            password = value
        else:
            query.append((key, value))
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), "")), password


def server_dsn(storage: StorageSettings) -> str:
    """The server's DSN, without a password. Raises ``StorageSettingsError`` when no server
    is named (no host and no connection string)."""
    if storage.dsn.strip():
        return split_password(storage.dsn)[0]
    host = storage.host.strip()
    if not host:
        raise StorageSettingsError("Enter the server's host name or address.")
    if not storage.database.strip():
        raise StorageSettingsError("Enter the name of the database on the server.")
    user = f"{quote(storage.user.strip(), safe='')}@" if storage.user.strip() else ""
    address = f"[{host}]" if ":" in host else host
    return f"postgresql://{user}{address}:{storage.port}/{quote(storage.database.strip())}"


@dataclass(frozen=True)
class ServerAddress:
    """What messages name: the user, host, port and database (never the password)."""

    user: str
    host: str
    port: int
    database: str

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.host}:{self.port}/{self.database}"


def address_of(storage: StorageSettings) -> ServerAddress:
    """The server ``storage`` names, as messages show it."""
    if not storage.dsn.strip():
        return ServerAddress(storage.user, storage.host, storage.port, storage.database)
    parts = urlsplit(split_password(storage.dsn)[0])
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return ServerAddress(
        unquote(parts.username or ""),
        parts.hostname or "localhost",
        port,
        unquote(parts.path.lstrip("/")) or unquote(parts.username or ""),
    )


class KeyringPassword:
    """The server's password, read from the keyring each time a connection opens (asyncpg
    calls it). ``problem`` says why it could not be read, when it could not."""

    def __init__(self, secrets: SecretStore, name: str) -> None:
        self.secrets = secrets
        self.name = name
        self.problem: str | None = None

    async def __call__(self) -> str:
        value = await self.secrets.get(self.name)
        self.problem = None if value is not None else self.secrets.problem
        return value or ""


def explain(exc: BaseException, where: ServerAddress, password: KeyringPassword | None) -> str:
    """One plain sentence for what went wrong connecting to ``where`` (no password in it)."""
    import asyncpg

    cause: BaseException = exc
    while isinstance(cause, StorageError) and cause.__cause__ is not None:
        cause = cause.__cause__
    address = f"{where.host}:{where.port}"
    if isinstance(cause, asyncpg.InvalidPasswordError):
        if password is not None and password.problem:
            who = where.user or "the server"
            return f"The password for {who} could not be read from the keyring: {password.problem}"
        return f"The server at {address} refused the password for user {where.user or '(none)'}."
    if isinstance(cause, asyncpg.InvalidAuthorizationSpecificationError):
        return f"The server at {address} does not let {where.user or 'this user'} in: {cause}."
    if isinstance(cause, asyncpg.InvalidCatalogNameError):
        return f"There is no database named {where.database!r} on the server at {address}."
    if isinstance(cause, socket.gaierror):
        return f"The server name {where.host!r} cannot be found: check the address."
    if isinstance(cause, ConnectionRefusedError):
        return (
            f"Nothing answers at {address}: is the PostgreSQL server running there, and is "
            "the port right?"
        )
    if isinstance(cause, TimeoutError):
        return f"The server at {address} did not answer in time (a firewall, or a wrong address?)."
    if isinstance(cause, OSError):
        return f"Cannot reach the server at {address}: {cause.strerror or cause}."
    return f"The server at {address} cannot be used: {cause}"


@dataclass(frozen=True)
class ServerCheck:
    """The outcome of "Test connection": whether it works and what to tell the person."""

    ok: bool
    message: str


async def check_server(
    storage: StorageSettings, password: str | None, *, seconds: float = CONNECT_TIMEOUT_S
) -> ServerCheck:
    """Connects once to the server ``storage`` names with ``password`` and says whether
    Threadline can keep its conversations there (and if not, why, in plain words)."""
    import asyncpg

    try:
        dsn = server_dsn(storage)
    except StorageSettingsError as exc:
        return ServerCheck(False, str(exc))
    where = address_of(storage)
    try:
        conn = await asyncpg.connect(dsn, password=password or None, timeout=seconds)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return ServerCheck(False, explain(exc, where, None))
    try:
        return await _check_schema(conn, where)
    except asyncpg.PostgresError as exc:
        return ServerCheck(False, explain(exc, where, None))
    finally:
        await conn.close()


async def _check_schema(
    db: asyncpg.Connection[asyncpg.Record], where: ServerAddress
) -> ServerCheck:
    from threadline.sessions.postgres.schema import CURRENT_VERSION

    version = db.get_server_version()
    server = f"PostgreSQL {version.major}.{version.minor}"
    if await db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        found = int(await db.fetchval("SELECT max(version) FROM schema_version") or 0)
        if found > CURRENT_VERSION:
            return ServerCheck(
                False,
                f"Connected to {server} at {where}, but its conversations were written by a "
                "newer Threadline: update Threadline first.",
            )
        return ServerCheck(
            True, f"Connected to {server} at {where}: Threadline's tables are there."
        )
    if not await db.fetchval("SELECT has_schema_privilege(current_schema(), 'CREATE')"):
        return ServerCheck(
            False,
            f"Connected to {server} at {where}, but user {where.user or '(default)'} may not "
            "create tables there: ask its administrator for the CREATE privilege.",
        )
    return ServerCheck(
        True, f"Connected to {server} at {where}: Threadline will create its tables there."
    )


def open_server(
    storage: StorageSettings, secrets: SecretStore, *, password: str | None = None
) -> tuple[PostgresSessionService, KeyringPassword]:
    """The shared store ``storage`` names (it connects on first use), with ``password`` or
    else the one in the keyring (read at each new connection). Raises
    ``StorageSettingsError`` when no server is named."""
    from threadline.sessions import PostgresSessionService

    from_keyring = KeyringPassword(secrets, storage.key_name)
    store = PostgresSessionService(
        server_dsn(storage),
        password=from_keyring if password is None else password,
        connect_timeout=CONNECT_TIMEOUT_S,
    )
    return store, from_keyring


# Waits until the process ``argv[1]`` has ended (its data folder and single-instance socket
# are free then), then starts Threadline again with ``argv[2:]``.


def missing_driver() -> str | None:
    """What to install for a shared server, or None when the PostgreSQL driver is there
    (``asyncpg`` is the optional extra ``postgres``)."""
    import importlib.util

    if importlib.util.find_spec("asyncpg") is not None:
        return None
    return "A shared server needs the PostgreSQL driver: install threadline[postgres]."
