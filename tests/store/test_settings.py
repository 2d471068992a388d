"""Settings in the store: read by anyone, changed by a DPO or an admin in
one audited transaction (keys, never values), and actually used: the
engine's target, the calendars, the EU member state and the time zone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.settings import Settings
from conneqt_dpo.store.errors import StoreError
from conneqt_dpo.store.models import AuditEvent, Setting
from conneqt_dpo.store.services import Services
from tests.conftest import NEW_YORK, FrozenClock, as_user
from tests.factories import request


def events(svc: Services, action: str) -> list[tuple[list[str], dict[str, object]]]:
    with svc.store.read() as s:
        rows = s.execute(
            select(AuditEvent.fields, AuditEvent.detail).where(AuditEvent.action == action)
        ).all()
    return [(json.loads(f), json.loads(d)) for f, d in rows]


def test_a_new_store_has_the_defaults(svc: Services) -> None:
    assert svc.settings() == Settings()


def test_update_round_trip_and_one_audit_event_naming_the_keys(svc: Services) -> None:
    after = svc.update_settings(
        due_soon_days=3, backup_folder="/srv/backups/dpo", timezone="Europe/Dublin"
    )
    assert after.due_soon_days == 3 and after.backup_folder == "/srv/backups/dpo"
    # Another object over the same store reads what was stored.
    fresh = Services(svc.store, clock=svc.clock)
    assert fresh.settings() == after
    (changed,) = events(svc, "settings.changed")
    assert changed == (["backup_folder", "due_soon_days", "timezone"], {})
    with svc.store.read() as s:
        text = " ".join(s.execute(select(AuditEvent.fields + AuditEvent.detail)).scalars())
    assert "/srv/backups" not in text and "Dublin" not in text
    # No change, no event.
    svc.update_settings(due_soon_days=3)
    assert len(events(svc, "settings.changed")) == 1


@pytest.mark.parametrize("login", ["sam"])
def test_support_may_not_change_settings(svc: Services, login: str) -> None:
    with pytest.raises(StoreError, match="only dpo or admin users may change the settings"):
        as_user(svc, login).update_settings(due_soon_days=3)
    assert svc.settings() == Settings()
    assert as_user(svc, login).settings() == Settings()  # but may read them
    assert as_user(svc, "ada").update_settings(due_soon_days=3).due_soon_days == 3


def test_bad_values_and_unknown_keys_write_nothing(svc: Services) -> None:
    with pytest.raises(DomainError, match="unknown setting"):
        svc.update_settings(colour="blue")
    with pytest.raises(DomainError, match="from 0 to 366"):
        svc.update_settings(due_soon_days=3, target_working_days=400)
    assert svc.settings() == Settings() and not events(svc, "settings.changed")


def test_unknown_and_unreadable_stored_values_are_ignored(svc: Services) -> None:
    with svc.store.write() as s:
        s.execute(
            insert(Setting),
            [
                {"key": "a_later_setting", "value": "42", "updated_at": dt.datetime(2026, 1, 1)},
                {"key": "timezone", "value": '"Mars/Base"', "updated_at": dt.datetime(2026, 1, 1)},
                {
                    "key": "due_soon_days",
                    "value": "not json",
                    "updated_at": dt.datetime(2026, 1, 1),
                },
                {
                    "key": "reminder_working_days",
                    "value": "5",
                    "updated_at": dt.datetime(2026, 1, 1),
                },
            ],
        )
    assert svc.settings() == Settings(reminder_working_days=5)
    svc.update_settings(due_soon_days=2)  # rewrites the broken row
    assert svc.settings().due_soon_days == 2


def test_the_target_setting_moves_open_cases_targets(svc: Services) -> None:
    (ref,) = svc.log_request(request())  # due Thu 24 Dec 2026
    assert svc.get_case(ref).row.target == dt.date(2026, 12, 17)
    svc.update_settings(target_working_days=2)
    assert svc.get_case(ref).row.target == dt.date(2026, 12, 22)
    ((fields, _),) = events(svc, "case.deadlines-recomputed")
    assert fields == ["target_on"]
    (new,) = svc.log_request(request(email="other@example.org"))
    assert svc.get_case(new).row.target == dt.date(2026, 12, 22)


def test_a_calendar_per_regime_is_used_and_recomputes(svc: Services) -> None:
    (ref,) = svc.log_request(request(regime="ccpa"))
    assert svc.get_case(ref).acknowledge_by == dt.date(2026, 12, 8)  # weekends only
    svc.update_settings(calendars={"ccpa": "US-CA"})
    # Thanksgiving and the day after are California holidays.
    assert svc.get_case(ref).acknowledge_by == dt.date(2026, 12, 10)
    assert svc.get_case(ref).calendar is None  # follows the setting, not pinned
    (new,) = svc.log_request(request(regime="ccpa", email="b@example.org"))
    assert svc.get_case(new).acknowledge_by == dt.date(2026, 12, 10)
    svc.update_settings(calendars={})
    assert svc.get_case(ref).acknowledge_by == dt.date(2026, 12, 8)


def test_the_eu_member_state_rolls_eu_gdpr_dates(svc: Services) -> None:
    # Received Sat 26 Sep 2026: a month ends Mon 26 Oct, Ireland's October
    # bank holiday.
    (ref,) = svc.log_request(
        request(
            regime="eu-gdpr",
            received_at=dt.datetime(2026, 9, 26, 10, 0),
            received_reason="letter opened late",
        )
    )
    assert svc.get_case(ref).row.due == dt.date(2026, 10, 26)
    svc.update_settings(eu_member_state="IE")
    assert svc.get_case(ref).row.due == dt.date(2026, 10, 27)
    assert svc.get_case(ref).row.status(dt.date(2026, 11, 24)) == "overdue"


def test_the_time_zone_decides_the_day_of_receipt(svc: Services, clock: FrozenClock) -> None:
    clock.now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=NEW_YORK)  # 25 Nov in Auckland
    other = as_user(svc, "sam")
    assert svc.today() == other.today() == dt.date(2026, 11, 24)
    svc.update_settings(timezone="Pacific/Auckland")
    assert svc.today() == dt.date(2026, 11, 25) and svc.tz.key == "Pacific/Auckland"
    (ref,) = svc.log_request(request())
    assert svc.get_case(ref).row.received == dt.date(2026, 11, 25)
    # Another window that read the old zone counts with the new one when it
    # logs (it reads the settings in the transaction).
    (ref2,) = other.log_request(request(email="z@example.org"))
    assert other.get_case(ref2).row.received == dt.date(2026, 11, 25)


def test_the_due_soon_setting_feeds_the_queue_counts(svc: Services) -> None:
    svc.log_request(request())  # due 24 Dec: 30 days ahead
    today = dt.date(2026, 12, 14)
    assert svc.queue_counts(today).due_soon == 0
    svc.update_settings(due_soon_days=10)
    assert svc.queue_counts(today).due_soon == 1
    assert svc.queue_counts(today, due_soon_days=3).due_soon == 0


def test_settings_rows_are_one_per_changed_key(svc: Services) -> None:
    svc.update_settings(due_soon_days=3)
    svc.update_settings(due_soon_days=4, retention_years=10)
    with svc.store.read() as s:
        rows = dict(s.execute(select(Setting.key, Setting.value)).all())
        by = s.execute(select(func.count()).where(Setting.updated_by.is_not(None))).scalar()
    assert rows == {"due_soon_days": "4", "retention_years": "10"} and by == 2
