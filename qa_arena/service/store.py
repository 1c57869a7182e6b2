"""Where submissions live: SQLite by default, PostgreSQL in production, the schema kept by Alembic.

Every state change is one guarded UPDATE (on the status, the attempt number and, for a takeover,
the heartbeat that was seen), so workers racing for the same submission cannot both win, and a
worker whose lease was taken over cannot record a result: that is what makes a re-delivered job
harmless. Time is UTC, taken from the process that writes (keep the hosts' clocks in sync).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, create_engine, event, or_, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from traitlets import Bool, Float, Unicode, default
from traitlets.config import LoggingConfigurable

from qa_arena.grading.paths import user_cache_dir
from qa_arena.service.models import ERROR, FINAL, PENDING, RUNNING, SUBMIT, Submission, error_verdict_dict, utcnow

VERSION_TABLE = "qa_arena_service_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x51A_A7E4A  # pg_advisory_xact_lock key: one migrating process at a time
JOBS_CHANNEL = "qa_arena_jobs"  # PostgreSQL: NOTIFYed when a job is queued, LISTENed to by idle workers


def state_dir() -> Path:
    """Where the default SQLite file of the submissions goes."""
    return user_cache_dir() / "service"


def default_db_url() -> str:
    return f"sqlite:///{state_dir() / 'submissions.sqlite3'}"


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@contextlib.contextmanager
def sqlite_lock(file: Path) -> Iterator[None]:
    """The file lock that serialises schema changes (journal mode, migrations) between processes."""
    with open(file.with_name(file.name + ".migrate-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def tcp_timeouts(seconds: float) -> dict[str, int]:
    """libpq settings that drop a connection whose peer went silent (a half-open connection) after about
    `seconds`: keepalives while it idles, tcp_user_timeout while a request waits for its answer."""
    return {
        "connect_timeout": max(2, round(seconds / 2)),
        "keepalives": 1,
        "keepalives_idle": max(1, round(seconds / 2)),
        "keepalives_interval": max(1, round(seconds / 8)),
        "keepalives_count": 4,
        "tcp_user_timeout": round(seconds * 1000),
    }


def make_engine(url: str, busy_timeout_s: float = 30.0, immediate: bool = False, tcp_timeout_s: float = 0) -> Engine:
    """An engine that copes with several processes: WAL and a busy timeout on SQLite, pre-ping elsewhere.

    ``immediate``: every SQLite transaction starts with ``BEGIN IMMEDIATE``. A deferred one that reads
    and then writes fails at once ("database is locked", the busy timeout does not apply) when another
    connection wrote in between; an immediate one waits its turn. Switching to WAL needs every other
    connection gone, so it happens once, under the file lock, before any pooled connection exists (the
    mode is kept in the file). ``tcp_timeout_s`` (PostgreSQL): see tcp_timeouts; 0 leaves libpq's defaults.
    """
    file = sqlite_file(url)
    if file is None:
        postgres = make_url(url).get_backend_name() == "postgresql"
        connect_args = tcp_timeouts(tcp_timeout_s) if postgres and tcp_timeout_s > 0 else {}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    file.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_lock(file), contextlib.closing(sqlite3.connect(file, timeout=busy_timeout_s)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        if immediate:
            dbapi_connection.isolation_level = None  # we say when transactions begin (below)

    if immediate:

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits (busy timeout) for the write lock

    return engine


@dataclass(frozen=True)
class Claim:
    """A job a worker took: grade ``source`` for ``problem`` as attempt number ``attempts``."""

    submission_id: uuid.UUID
    problem: str
    source: str
    attempts: int


def _line(message: str) -> str:
    """Log lines: each stamped with the UTC time."""
    stamp = utcnow().isoformat(timespec="milliseconds")
    return "".join(f"{stamp} {line}\n" for line in message.splitlines() or [""])


class SubmissionStore(LoggingConfigurable):
    """The submissions table and its state changes."""

    db_url = Unicode(
        config=True,
        help="SQLAlchemy URL of the submissions database. Default: $QA_ARENA_DB_URL, else a SQLite file in "
        "$XDG_CACHE_HOME/qa-arena/service/ (fine for one machine; use postgresql+psycopg://... for several).",
    )
    auto_migrate = Bool(
        True,
        config=True,
        help="Upgrade the schema to the newest migration on first use (under a lock, so concurrent "
        "processes do not race). Turn off to run `alembic upgrade` by hand in production.",
    )
    busy_timeout_s = Float(30.0, config=True, help="SQLite only: seconds a writer waits for another's lock.")
    tcp_timeout_s = Float(
        10.0,
        config=True,
        help="PostgreSQL only: seconds after which a connection whose server went silent (a half-open "
        "connection: a cut link, a failover) counts as lost and is made again. 0: libpq's defaults (minutes).",
    )

    @default("db_url")
    def _db_url_default(self) -> str:
        return default_db_url()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._engine: Engine | None = None
        self._pid = 0
        self._schema_checked = False

    # -- connections -------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """One engine per process: a forked worker must not share its parent's connections."""
        if self._engine is None or self._pid != os.getpid():
            if self._engine is not None:
                self._engine.dispose(close=False)
            self._engine = make_engine(
                self.db_url, self.busy_timeout_s, immediate=True, tcp_timeout_s=self.tcp_timeout_s
            )
            self._pid = os.getpid()
        return self._engine

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction (committed on success); objects stay readable after it."""
        self.ensure_schema()
        with sessionmaker(self.engine, expire_on_commit=False)() as session, session.begin():
            yield session

    def dispose(self) -> None:
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

    # -- schema ------------------------------------------------------------
    def alembic_config(self, connection=None):
        from alembic.config import Config

        config = Config(str(MIGRATIONS / "alembic.ini"))
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.db_url.replace("%", "%%"))
        config.attributes["connection"] = connection
        return config

    @contextlib.contextmanager
    def _migrating(self) -> Iterator:
        """A transaction holding the migration lock until after it commits (so the next one sees the schema)."""
        file = sqlite_file(self.db_url)
        engine = self.engine  # made first: making it takes the lock too
        with contextlib.ExitStack() as stack:
            if file is not None:
                stack.enter_context(sqlite_lock(file))  # released after the commit below
            connection = stack.enter_context(engine.begin())
            if connection.dialect.name == "postgresql":  # released at commit
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            yield connection

    def _run_alembic(self, action: str, revision: str) -> None:
        from alembic import command

        with self._migrating() as connection:
            getattr(command, action)(self.alembic_config(connection), revision)

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema (to the newest revision by default)."""
        self._run_alembic("upgrade", revision)
        self._schema_checked = True

    def downgrade(self, revision: str = "base") -> None:
        self._run_alembic("downgrade", revision)
        self._schema_checked = False

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            return context.get_current_revision()

    def ensure_schema(self) -> None:
        if self._schema_checked or not self.auto_migrate:
            return
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        if self.current_revision() != head:
            self.log.info("upgrading the submissions database %s to %s", self.engine.url, head)
            self.migrate(head)
        self._schema_checked = True

    # -- submissions ---------------------------------------------------------
    def create(
        self, username: str, problem: str, source: str, kind: str = SUBMIT, assignment: str | None = None
    ) -> Submission:
        """A new PENDING submission, due now: the next idle worker takes it."""
        now = utcnow()
        submission = Submission(
            id=uuid.uuid4(),
            username=username,
            problem=problem,
            source=source,
            kind=kind,
            assignment=assignment,
            status=PENDING,
            attempts=0,
            queued_at=now,
            due_at=now,
            log=_line(f"queued by {username} for {problem}"),
        )
        with self.session() as session:
            session.add(submission)
            if session.bind.dialect.name == "postgresql":  # wakes the waiting workers once this commits
                session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": JOBS_CHANNEL})
        return submission

    def get(self, submission_id: uuid.UUID | str) -> Submission | None:
        with self.session() as session:
            return session.get(Submission, _uuid(submission_id))

    def claim_next(self, worker: str, lease_s: float, max_attempts: int) -> Claim | None:
        """Take the next job: the oldest due PENDING submission, or a RUNNING one whose lease ran out.

        One transaction per look. On PostgreSQL the row is locked with SKIP LOCKED, so workers never wait for
        each other nor take the same row; on SQLite the transaction holds the database's write lock (BEGIN
        IMMEDIATE). A job whose attempts are spent is recorded as ERROR on the way. None: no job is ready.
        """
        while True:
            now = utcnow()
            ready = or_(
                and_(Submission.status == PENDING, Submission.due_at <= now),
                and_(Submission.status == RUNNING, Submission.heartbeat_at < now - timedelta(seconds=lease_s)),
            )
            with self.session() as session:
                row = session.execute(
                    select(Submission)
                    .where(ready)
                    .order_by(Submission.due_at, Submission.queued_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if row is None:
                    return None
                lost = f"attempt {row.attempts} lost (worker {row.worker} stopped answering)\n"
                lost = lost if row.status == RUNNING else ""
                if row.attempts < max_attempts:
                    row.status, row.attempts, row.worker = RUNNING, row.attempts + 1, worker
                    row.started_at = row.heartbeat_at = now
                    row.log += _line(f"{lost}attempt {row.attempts} started on {worker}")
                    return Claim(row.id, row.problem, row.source, row.attempts)
                message = f"the grader could not grade: gave up after {row.attempts} attempts"
                row.status, row.score, row.verdict = ERROR, None, error_verdict_dict(row.problem, message)
                row.finished_at, row.heartbeat_at = now, None
                row.log += _line(f"{lost}ERROR: no attempts left ({row.attempts} of {max_attempts})")

    def _change(self, submission_id: uuid.UUID | str, attempt: int, **values) -> bool:
        """Apply values if `attempt` still holds the submission (RUNNING, not taken over)."""
        with self.session() as session:
            result = session.execute(
                update(Submission)
                .where(Submission.id == _uuid(submission_id))
                .where(Submission.status == RUNNING, Submission.attempts == attempt)
                .values(**values)
            )
            return result.rowcount == 1

    def heartbeat(self, submission_id: uuid.UUID | str, attempt: int) -> bool:
        """Extend the running attempt's lease; False when it was lost (its result will not be recorded)."""
        return self._change(submission_id, attempt, heartbeat_at=utcnow())

    def finish(self, submission_id: uuid.UUID | str, attempt: int, verdict: dict, note: str) -> bool:
        """Record the final verdict of the attempt; False if that attempt no longer holds the submission."""
        status = verdict["status"]
        assert status in FINAL, status
        return self._change(
            submission_id,
            attempt,
            status=status,
            score=verdict.get("score") if status != ERROR else None,
            verdict=verdict,
            finished_at=utcnow(),
            heartbeat_at=None,
            log=Submission.log + _line(note),
        )

    def retry_later(self, submission_id: uuid.UUID | str, attempt: int, note: str, countdown_s: float) -> bool:
        """Back to PENDING, due in countdown_s (a worker takes it then)."""
        due = utcnow() + timedelta(seconds=countdown_s)
        return self._change(
            submission_id,
            attempt,
            status=PENDING,
            heartbeat_at=None,
            due_at=due,
            log=Submission.log + _line(note),
        )


@contextlib.contextmanager
def configured_store() -> Iterator[SubmissionStore]:
    """The store that QA Arena's config file and environment name, for code with no config of its own (the
    hub's handlers and hooks, nbgrader's plugins); its connections are closed afterwards."""
    from qa_arena.command import load_config

    store = SubmissionStore(config=load_config(None))
    try:
        yield store
    finally:
        store.dispose()


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
