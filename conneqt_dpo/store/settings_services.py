"""The organisation's settings and its profile: read by anyone, changed by
a DPO or an admin, each change one audit event naming the keys (never the
values). A change to what counts the dates recomputes the open cases in the
same transaction."""

from __future__ import annotations

from conneqt_dpo.domain.organisation import Organisation
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.domain.workflow import Role
from conneqt_dpo.store import settings_rows
from conneqt_dpo.store.calendar_services import CalendarServices
from conneqt_dpo.store.service_base import require

# The settings the stored case dates depend on (calendars, target); the
# others are read when used (status, reminders, the day of receipt).
_DATE_KEYS = frozenset({"calendars", "eu_member_state", "target_working_days"})


class SettingsServices(CalendarServices):
    def update_settings(self, **changes: object) -> Settings:
        """Change some settings (names and values as in domain/settings.py;
        typed values or their JSON form). Returns the settings in force."""
        with self.store.write() as s:
            me = self._actor(s)
            before = self._load_settings(s)
            after = before.replace(**changes)  # validated, unknown names refused
            require(me, Role.DPO, Role.ADMIN, doing="change the settings")
            old, new = before.to_mapping(), after.to_mapping()
            changed = sorted(k for k in new if new[k] != old[k])
            if not changed:
                return before
            settings_rows.save_values(s, {k: new[k] for k in changed}, at=self._stamp(), by=me.id)
            self._audit(s, me.login, "settings.changed", "settings", None, fields=changed)
            if _DATE_KEYS & set(changed):
                # The cache of this transaction reads the values just written.
                self._recompute_all(s, me)
        self._settings = after  # once committed
        return after

    def org_profile(self) -> Organisation:
        """The organisation profile letters are built from: the one the DPO
        stored, else the one shipped in resources/organisation.json."""
        with self.store.read() as s:
            stored = settings_rows.load_value(s, settings_rows.ORGANISATION_KEY)
        if isinstance(stored, dict):
            try:
                return Organisation.from_mapping(stored)
            except ValueError:
                pass  # unreadable by this version: the shipped one serves
        return self.organisation

    def set_org_profile(self, org: Organisation) -> Organisation:
        """Store the organisation profile (validated as a file would be)."""
        checked = Organisation.from_mapping(org.to_mapping())
        with self.store.write() as s:
            me = self._actor(s)
            require(me, Role.DPO, Role.ADMIN, doing="change the organisation profile")
            stored = settings_rows.load_value(s, settings_rows.ORGANISATION_KEY)
            old = stored if isinstance(stored, dict) else self.organisation.to_mapping()
            new = checked.to_mapping()
            changed = sorted(k for k in new if old.get(k) != new[k])
            if not changed:
                return checked
            settings_rows.save_values(
                s, {settings_rows.ORGANISATION_KEY: new}, at=self._stamp(), by=me.id
            )
            self._audit(
                s, me.login, "organisation.profile-changed", "settings", None, fields=changed
            )
        return checked
