"""Opening a store: created and migrated on first use, an older one upgraded
after a backup copy, and a newer, corrupt or unwritable one refused with the
file left untouched."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from conneqt_dpo._bundled import migrations_dir
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.store import engine as engine_mod
from conneqt_dpo.store.errors import StoreUnavailable
from conneqt_dpo.store.migrate import head_revision
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.store import open_store
from conneqt_dpo.store.views import CaseQuery
from tests.conftest import FrozenClock
from tests.factories import request

SECOND = '''"""a later change: a column for the test

Revision ID: 20991231_0099
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "20991231_0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("pinned", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("pinned")
'''


@pytest.fixture
def newer_migrations(tmp_path: Path) -> Path:
    """The shipped migrations plus one more, as a later version would ship."""
    d = tmp_path / "migrations-next"
    shutil.copytree(migrations_dir(), d, ignore=shutil.ignore_patterns("__pycache__"))
    (d / "versions" / "2099_12_31_test_column.py").write_text(SECOND.format(head=head_revision()))
    return d


def _digest(path: Path) -> bytes:
    return path.read_bytes()


def test_a_new_store_is_created_owner_only_in_wal_mode(data_dir: Path, clock: FrozenClock) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        assert store.migration.created
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(store.paths.store_file.stat().st_mode) == 0o600
        with store.engine.connect() as con:
            assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert con.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        store.close()


def test_an_older_store_is_backed_up_then_upgraded(
    data_dir: Path, clock: FrozenClock, newer_migrations: Path
) -> None:
    store = open_store(data_dir=data_dir, clock=clock)
    svc = Services(store, clock=clock)
    svc.init(name="Dana Officer")
    (ref,) = svc.log_request(request())
    store.close()

    upgraded = open_store(data_dir=data_dir, clock=clock, migrations=newer_migrations)
    try:
        assert upgraded.migration.before == head_revision()
        assert upgraded.migration.after == "20991231_0099"
        backup = upgraded.migration.backup
        assert backup is not None and backup.parent == data_dir / "backups"
        con = engine_mod.connect(backup, upgraded.keys.store_pragma_key())
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )
        assert con.execute("SELECT reference FROM cases").fetchall() == [(ref,)]
        con.close()
        assert Services(upgraded, clock=clock).get_case(ref).row.reference == ref
        assert upgraded.verify_audit().ok
    finally:
        upgraded.close()


def test_a_store_from_a_newer_version_is_refused_untouched(
    data_dir: Path, clock: FrozenClock, newer_migrations: Path
) -> None:
    newer = open_store(data_dir=data_dir, clock=clock, migrations=newer_migrations)
    newer.close()
    f = data_dir / "store.db"
    con = engine_mod.connect(f, newer.keys.store_pragma_key())  # as a newer version leaves it
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    before = _digest(f)
    with pytest.raises(StoreUnavailable, match="newer version"):
        open_store(data_dir=data_dir, clock=clock)
    assert _digest(f) == before
    assert not (data_dir / "backups").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a database at all" * 100,
        b"\x00" * 4096,
        b"SQLite format 3\x00" + b"\xff" * 4000,
    ],
)
def test_a_corrupt_store_file_is_refused_untouched(
    data_dir: Path, clock: FrozenClock, content: bytes
) -> None:
    data_dir.mkdir(parents=True)
    f = data_dir / "store.db"
    f.write_bytes(content)
    with pytest.raises(StoreUnavailable, match="left untouched"):
        open_store(data_dir=data_dir, clock=clock)
    assert f.read_bytes() == content
    assert sorted(p.name for p in data_dir.iterdir()) == ["store.db"]


def test_a_foreign_database_is_refused(data_dir: Path, clock: FrozenClock) -> None:
    data_dir.mkdir(parents=True)
    con = sqlite3.connect(data_dir / "store.db")
    con.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    before = (data_dir / "store.db").read_bytes()
    with pytest.raises(StoreUnavailable, match="no readable conneqt-dpo schema"):
        open_store(data_dir=data_dir, clock=clock)
    assert (data_dir / "store.db").read_bytes() == before  # not even switched to WAL


def test_an_unwritable_data_folder_is_a_clear_error(tmp_path: Path, clock: FrozenClock) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # Permissions do not stop root; a kernel folder does.
    target = Path("/sys/kernel") if os.geteuid() == 0 else locked
    try:
        before = sorted(p.name for p in target.iterdir())
        with pytest.raises(StoreUnavailable, match="not writable"):
            open_store(data_dir=target, clock=clock)
        assert sorted(p.name for p in target.iterdir()) == before
    finally:
        locked.chmod(0o700)


def test_a_data_folder_that_cannot_be_created(tmp_path: Path, clock: FrozenClock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="cannot create the data folder"):
        open_store(data_dir=blocker / "data", clock=clock)
    assert blocker.read_text() == "not a folder"


def test_a_bad_database_url_is_a_clear_error(data_dir: Path, clock: FrozenClock) -> None:
    with pytest.raises(StoreUnavailable, match="nonsense"):
        open_store("nonsense://", data_dir=data_dir, clock=clock)


def _store_at(path: Path, revision: str) -> None:
    """A store at an old revision holding one responded case, as that
    version of the app left it (foreign keys on, rows in every child table)."""
    from alembic import command

    from conneqt_dpo.store.engine import make_engine
    from conneqt_dpo.store.migrate import _config

    eng = make_engine(f"sqlite:///{path}")
    with eng.begin() as con:
        command.upgrade(_config(con), revision)
        for sql in (
            "INSERT INTO users VALUES (1, 'dpo', 'Dana', NULL, 'dpo', 1, '2026-09-01 10:00:00')",
            "INSERT INTO data_subjects (id, name, email, phone, created_at) "
            "VALUES (1, 'Old Person', 'Old@Example.org', NULL, '2026-09-01 10:00:00')",
            "INSERT INTO request_groups VALUES (1, 'email', '2026-09-01 14:00:00', "
            "'2026-09-01 14:00:00', 1)",
            "INSERT INTO cases (id, reference, year, number, group_id, subject_id, regime, "
            '"right", channel, received_at, received_on, state, clock_state, respond_by, '
            "due_on, created_at, updated_at) VALUES (1, 'DSR-2026-00001', 2026, 1, 1, 1, "
            "'uk-gdpr', 'access', 'email', '2026-09-01 14:00:00', '2026-09-01', 'responded', "
            "'stopped', '2026-10-01', '2026-10-01', '2026-09-01 14:00:00', "
            "'2026-09-20 14:00:00')"
            if revision < "20261124_0003"
            else "INSERT INTO cases (id, reference, year, number, group_id, subject_id, regime, "
            '"right", channel, received_at, received_on, state, clock_state, respond_by, '
            "due_on, sort_due, created_at, updated_at) VALUES (1, 'DSR-2026-00001', 2026, 1, "
            "1, 1, 'uk-gdpr', 'access', 'email', '2026-09-01 14:00:00', '2026-09-01', "
            "'responded', 'stopped', '2026-10-01', '2026-10-01', '2026-10-01', "
            "'2026-09-01 14:00:00', '2026-09-20 14:00:00')",
            "INSERT INTO clock_events (id, case_id, kind, on_date, reason, recorded_at, "
            "recorded_by) VALUES (1, 1, 'received', '2026-09-01', NULL, '2026-09-01 14:00:00', 1)",
            "INSERT INTO clock_events (id, case_id, kind, on_date, reason, recorded_at, "
            "recorded_by) VALUES (2, 1, 'responded', '2026-09-20', NULL, "
            "'2026-09-20 14:00:00', 1)",
            "INSERT INTO notes VALUES (1, 1, 'kept', '2026-09-01 14:00:00', 1)",
            "INSERT INTO tasks (id, case_id, system, outcome, created_at) "
            "VALUES (1, 1, 'CRM', 'found', '2026-09-02 10:00:00')",
            "INSERT INTO reference_counters VALUES (2026, 1)",
        ):
            con.exec_driver_sql(sql)
        if revision >= "20261124_0003":
            con.exec_driver_sql("UPDATE cases SET sort_due = '2026-10-01'")
            con.exec_driver_sql("UPDATE data_subjects SET email_key = lower(email)")
    eng.dispose()


@pytest.mark.parametrize("revision", ["20261124_0001", "20261124_0002", "20261124_0003"])
def test_a_populated_store_upgrades_from_every_past_revision(
    data_dir: Path, clock: FrozenClock, revision: str
) -> None:
    data_dir.mkdir(parents=True)
    _store_at(data_dir / "store.db", revision)
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        assert store.migration.before == revision and store.migration.backup is not None
        svc = Services(store, clock=clock)
        case = svc.get_case("DSR-2026-00001")
        assert case.notes[0].text == "kept" and case.tasks[0].outcome == "found"
        assert case.row.stopped_by == "responded"
        assert case.row.stopped_on is not None and case.row.stopped_on.isoformat() == "2026-09-20"
        assert case.row.status(clock.now.date()) == "met"
        # The returning requester is found by the new email key, and search works.
        (again,) = svc.log_request(request(name="Old Person", email="old@example.org",
                                           rights=("erasure",)))  # fmt: skip
        assert again == "DSR-2026-00002"
        assert [r.reference for r in svc.list_cases(CaseQuery(text="old person"))] == [
            "DSR-2026-00001", again]  # fmt: skip
        with store.engine.connect() as con:
            assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert con.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()


def test_a_populated_0005_store_gains_intake_settings_and_keys(
    data_dir: Path, clock: FrozenClock
) -> None:
    """Migration 0006: new tables, new columns by plain ALTER (the search
    triggers of 0004 survive), and the people's phone and name keys filled."""
    data_dir.mkdir(parents=True)
    f = data_dir / "store.db"
    _store_at(f, "20261124_0005")
    con = sqlite3.connect(f)
    con.execute("UPDATE data_subjects SET phone = '+44 20 7946 0000', name = 'Old  PERSON'")
    con.commit()
    con.close()
    store = open_store(data_dir=data_dir, clock=clock)
    try:
        assert store.migration.before == "20261124_0005"
        assert store.migration.after == head_revision() and store.migration.backup is not None
        svc = Services(store, clock=clock)
        assert svc.settings() == Settings() and svc.org_profile().name == "CONNEQT, LLC"
        assert svc.get_case("DSR-2026-00001").notes[0].text == "kept"
        # The existing person is found by phone digits and by name.
        assert [r.reference for r in svc.possible_duplicates(phone="(44) 2079460000")] == [
            "DSR-2026-00001"]  # fmt: skip
        assert [r.reference for r in svc.possible_duplicates(name="old person")] == [
            "DSR-2026-00001"]  # fmt: skip
        svc.add_data_system("CRM")
        (again,) = svc.log_request(request(name="Old Person", email="old@example.org",
                                           rights=("marketing-objection",)))  # fmt: skip
        assert [t.system for t in svc.get_case(again).tasks] == ["CRM"]
        assert [r.email for r in svc.suppression_list()] == ["old@example.org"]
        assert [r.reference for r in svc.list_cases(CaseQuery(text="old person"))] == [
            "DSR-2026-00001", again]  # fmt: skip
        with store.engine.connect() as c:
            triggers = c.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'case_search_%'"
            ).scalar()
            assert triggers == 4
            assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert store.verify_audit().ok
    finally:
        store.close()
