"""The settings dialog's presenter: it loads everything the pages show in
one go (on the runner) and runs each change through the services, which
check the role and audit it; then (refused or not) it loads again, so
every page shows what the store holds. A refusal (a DomainError) is
emitted as ``refused`` with its message; anything else is a bug for the
crash handler.

It also writes a backup on request (slow: on the runner too) into the
backup folder, or the data folder's backups/, under a new dated name.

No window is needed: tests call its methods and read ``snapshot``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import Organisation
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.gui.worker import Runner
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.profile import export_org_profile, import_org_profile
from conneqt_dpo.store.services import Services
from conneqt_dpo.store.views import DataSystemView, UserView

if TYPE_CHECKING:
    from conneqt_dpo.store.backup import BackupReport

After = Callable[[Any], None] | None  # called with the service's result
BACKUP_NAME = "conneqt-dpo-backup-{:%Y%m%d-%H%M%S}{}.db"


@dataclass(frozen=True)
class SettingsSnapshot:
    settings: Settings
    organisation: Organisation
    systems: tuple[DataSystemView, ...]  # retired ones too
    users: tuple[UserView, ...]
    actor: UserView
    data_folder: Path
    store_url: str
    open_cases: Mapping[str, int] = field(default_factory=dict)  # login -> open cases assigned


def load_snapshot(services: Services) -> SettingsSnapshot:
    """Everything the settings pages show (runs on a worker thread)."""
    store = services.store
    return SettingsSnapshot(
        settings=services.settings(),
        organisation=services.org_profile(),
        systems=tuple(services.data_systems(include_retired=True)),
        users=tuple(services.users()),
        actor=services.actor(),
        data_folder=store.paths.data_dir,
        store_url=store.url,
        open_cases=services.open_cases_by_user(),
    )


def backup_target(folder: str, default: Path, when: dt.datetime) -> Path:
    """A new file for a backup taken `when`: in `folder` (a full path), or
    in `default` (the data folder's backups/, created if need be) when the
    folder is empty. Never an existing file: a second backup in the same
    second gets a suffix."""
    text = folder.strip()
    if text:
        where = Path(text).expanduser()
        if not where.is_absolute():
            raise StoreError(
                f"the backup folder must be a full path (like /home/dana/backups), not '{text}'"
            )
    else:
        where = default
        try:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            why = e.strerror or str(e)
            raise StoreError(f"cannot create the backup folder {where}: {why}") from None
    target = where / BACKUP_NAME.format(when, "")
    n = 1
    while target.exists():
        n += 1
        target = where / BACKUP_NAME.format(when, f"-{n}")
    return target


class SettingsPresenter(QObject):
    loaded = Signal(object)  # SettingsSnapshot
    refused = Signal(str)  # a message for a person
    done = Signal(str)  # what was done, in words (the status line)
    busy_changed = Signal(bool)
    backed_up = Signal(object)  # BackupReport
    backup_failed = Signal(str)  # a message for a person
    backing_up = Signal(bool)

    def __init__(
        self,
        services: Services,
        runner: Runner,
        *,
        on_error: Callable[[BaseException], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = runner
        self._on_error = on_error
        self.snapshot: SettingsSnapshot | None = None
        self.busy = False

    def load(self) -> None:
        svc = self.services
        self.runner.submit(lambda: load_snapshot(svc), self._loaded, self._failed)

    def _loaded(self, snapshot: SettingsSnapshot) -> None:
        if shiboken6.isValid(self):
            self.snapshot = snapshot
            self.loaded.emit(snapshot)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            if shiboken6.isValid(self):
                self.refused.emit(str(error))
            return
        self._on_error(error)

    def run(self, work: Callable[[], Any], said: str, after: After = None) -> None:
        """One change through the services; then load again."""
        self._set_busy(True)

        def ok(result: Any) -> None:
            self._set_busy(False)
            if after is not None:
                after(result)
            if shiboken6.isValid(self):
                self.done.emit(said)
            self.load()

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            self._failed(error)
            if isinstance(error, DomainError) and shiboken6.isValid(self):
                # The refusal may come from a change made elsewhere (a case
                # assigned meanwhile): show what the store holds now. Pages
                # with edits keep them.
                self.load()

        self.runner.submit(work, ok, failed)

    def _set_busy(self, busy: bool) -> None:
        if shiboken6.isValid(self):
            self.busy = busy
            self.busy_changed.emit(busy)

    # -- the changes ----------------------------------------------------------

    def update_settings(self, **changes: object) -> None:
        svc = self.services
        names = ", ".join(sorted(changes)).replace("_", " ")
        self.run(lambda: svc.update_settings(**changes), f"Saved: {names}.")

    def set_organisation(self, org: Organisation) -> None:
        svc = self.services
        self.run(lambda: svc.set_org_profile(org), "Saved the organisation profile.")

    def export_organisation(self, path: Path) -> None:
        org = self.snapshot.organisation if self.snapshot else self.services.org_profile()
        self.run(lambda: export_org_profile(org, path), f"Exported the profile to {path}.")

    def import_organisation(self, path: Path) -> None:
        """Read a profile file and store it (checked whole before anything
        is written)."""
        svc = self.services
        self.run(lambda: svc.set_org_profile(import_org_profile(path)),
                 f"Imported the organisation profile from {path}.")  # fmt: skip

    def add_system(self, name: str, *, owner: str | None, categories: Iterable[str],
                   purposes: Iterable[str], recipients: Iterable[str],
                   after: After = None) -> None:  # fmt: skip
        svc = self.services
        cats, purps, recs = tuple(categories), tuple(purposes), tuple(recipients)
        self.run(lambda: svc.add_data_system(name, owner=owner, categories=cats,
                                             purposes=purps, recipients=recs),
                 f"Added the data system {name}.", after)  # fmt: skip

    def update_system(self, system_id: int, *, after: After = None, **fields: object) -> None:
        svc = self.services
        self.run(lambda: svc.update_data_system(system_id, **fields), "Saved the data system.",
                 after)  # fmt: skip

    def retire_system(self, system_id: int) -> None:
        svc = self.services
        self.run(lambda: svc.retire_data_system(system_id),
                 "Retired the data system: new cases get no task for it.")  # fmt: skip

    def reinstate_system(self, system_id: int) -> None:
        self.update_system(system_id, active=True)

    def add_user(self, *, login: str, name: str, role: str, email: str | None,
                 after: After = None) -> None:  # fmt: skip
        svc = self.services
        self.run(lambda: svc.add_user(login=login, name=name, role=role, email=email),
                 f"Added {name} ({login}, {role}).", after)  # fmt: skip

    def deactivate_user(self, login: str, reassign_to: str | None = None, *,
                        after: After = None) -> None:  # fmt: skip
        """Deactivate `login`, handing their open cases to `reassign_to`."""
        svc = self.services
        said = f"Deactivated {login}." + (
            f" Their open cases are now {reassign_to}'s." if reassign_to else "")  # fmt: skip
        self.run(lambda: svc.deactivate_user(login, reassign_to=reassign_to), said, after)

    def reactivate_user(self, login: str) -> None:
        svc = self.services
        self.run(lambda: svc.reactivate_user(login), f"Reactivated {login}.")

    # -- backups --------------------------------------------------------------

    def back_up(self, folder: str) -> None:
        """Copy the store into a new file in `folder` (empty: the data
        folder's backups/) and check the copy; ``backed_up`` says where and
        what it holds, ``backup_failed`` why there is none."""
        svc = self.services
        store = svc.store

        def work() -> BackupReport:
            # Imported here: the backup module is needed only when one is taken.
            from conneqt_dpo.store.backup import backup

            target = backup_target(folder, store.paths.backups_dir, svc.now().astimezone(svc.tz))
            try:
                return backup(store, target)
            except OSError as e:  # a full disk or a folder gone read-only: a message
                raise StoreError(f"cannot write the backup to {target}: {e.strerror or e}") \
                    from None  # fmt: skip

        def ok(report: BackupReport) -> None:
            if shiboken6.isValid(self):
                self.backing_up.emit(False)
                self.backed_up.emit(report)

        def failed(error: BaseException) -> None:
            if not isinstance(error, DomainError):
                self._on_error(error)
            if shiboken6.isValid(self):
                self.backing_up.emit(False)
                if isinstance(error, DomainError):
                    self.backup_failed.emit(str(error))

        self.backing_up.emit(True)
        self.runner.submit(work, ok, failed)
