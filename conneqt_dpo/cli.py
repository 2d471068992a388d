"""`conneqt-dpo`: the services from a terminal.

Conventions (spec/workflow.md): exit 0 done; 1 a check ran and failed; 2 a
user error, with one line on stderr. `--json` prints JSON only on stdout.
Heavy modules (Qt, the store) are imported inside the commands that need
them, so `--help` and user errors stay fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from conneqt_dpo.domain.errors import DomainError

if TYPE_CHECKING:
    from conneqt_dpo.store.services import Services
    from conneqt_dpo.store.store import Store, Unlock
    from conneqt_dpo.store.views import Moved

USER_ENV = "CONNEQT_DPO_USER"
DEMO_DIR = ".demo"
DEMO_CASES = 60


class UserError(Exception):
    """Exit 2 with this message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints usage plus a message; the contract is one line.
        self.exit(2, f"{self.prog}: {_one_line(message)}\n")


# Dates the app accepts: far enough either side of today for any record,
# near enough that date arithmetic never overflows.
FIRST_YEAR, LAST_YEAR = 1970, 2199


def _in_range(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"'{text}' is outside {FIRST_YEAR}-{LAST_YEAR}")


def _date(text: str) -> dt.date:
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None
    _in_range(d.year, text)
    return d


def _datetime(text: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date and time (YYYY-MM-DDTHH:MM)"
        ) from None
    _in_range(t.year, text)
    return t


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a year") from None
    _in_range(y, text)
    return y


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= n <= 10_000_000:
        raise argparse.ArgumentTypeError(f"'{text}' is out of range (0 to 10,000,000)")
    return n


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="store URL (default: SQLite in the data folder; or CONNEQT_DPO_DATABASE_URL)",
    )
    common.add_argument(
        "--user",
        metavar="LOGIN",
        default=argparse.SUPPRESS,
        help="act as this user (or CONNEQT_DPO_USER; default the first DPO)",
    )

    p = _Parser(
        prog="conneqt-dpo",
        parents=[common],
        description="Data-subject rights requests, from intake to response.",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help=f"start the app on the demo store in ./{DEMO_DIR} (fake cases)",
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    def cmd(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common], description=help)

    c = cmd("init", "create the store and its first user, a DPO")
    c.add_argument("--dpo-login", default="dpo")
    c.add_argument("--dpo-name", default="Data Protection Officer")
    c.add_argument("--dpo-email")

    c = cmd("demo", "fill the store with reproducible fake cases")
    c.add_argument("--cases", type=_count, required=True)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--today", type=_date)

    c = cmd("log", "log a request: one case per right; prints the references")
    c.add_argument("--regime", required=True)
    c.add_argument("--right", action="append", required=True)
    c.add_argument("--channel", required=True)
    c.add_argument("--name", help="the requester (required unless --join)")
    c.add_argument("--email", help="the requester's email (required unless --join)")
    c.add_argument("--phone")
    c.add_argument(
        "--received",
        type=_datetime,
        metavar="DATETIME",
        help="when it arrived (local time at the organisation), default now",
    )
    c.add_argument(
        "--received-reason", metavar="TEXT", help="why the receipt is dated before today"
    )
    c.add_argument("--calendar", metavar="CODE", help="holiday calendar, default the regime's")
    c.add_argument("--note")
    c.add_argument("--address")
    c.add_argument("--account-id", metavar="ID", help="the requester's account with us")
    c.add_argument("--country", metavar="CC", help="where the requester lives (ISO code: GB, US)")
    c.add_argument("--us-state", metavar="ST", help="the US state (two letters: CA)")
    c.add_argument("--agent-name", metavar="NAME", help="someone acting for the requester")
    c.add_argument("--agent-organisation", metavar="NAME")
    c.add_argument("--agent-email", metavar="EMAIL")
    c.add_argument("--agent-phone", metavar="PHONE")
    c.add_argument(
        "--agent-authority",
        metavar="KIND",
        help="power-of-attorney, written-permission, parent-guardian, registered-agent, other",
    )
    c.add_argument(
        "--ccpa-detail", metavar="KIND", help="CCPA request to know: categories or specific"
    )
    c.add_argument("--join", metavar="REF", help="add the rights to this case's request")

    cases = cmd("cases", "the case queue")
    cases_sub = cases.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = cases_sub.add_parser("list", parents=[common], help="list cases")
    c.add_argument("--state")
    c.add_argument("--open", action="store_true", help="open cases only")
    c.add_argument("--overdue", action="store_true")
    c.add_argument("--assignee", metavar="LOGIN")
    c.add_argument("--regime")
    c.add_argument("--search", metavar="TEXT")
    c.add_argument("--sort", default="due")
    c.add_argument("--limit", type=_count)
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    case = cmd("case", "one case")
    case_sub = case.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = case_sub.add_parser("show", parents=[common], help="one case with its events")
    c.add_argument("reference")
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    c = cmd("act", "take a workflow action on a case")
    c.add_argument("reference")
    c.add_argument("action")
    c.add_argument("--reason", metavar="CODE")
    c.add_argument("--note")
    c.add_argument("--date", type=_date)

    c = cmd("event", "record a clock event on a case")
    c.add_argument("reference")
    c.add_argument("kind")
    c.add_argument("--date", type=_date)
    c.add_argument("--reason", metavar="CODE")
    c.add_argument("--note")

    c = cmd("assign", "assign a case to a user")
    c.add_argument("reference")
    c.add_argument("login")

    c = cmd("note", "add a note to a case")
    c.add_argument("reference")
    c.add_argument("text")

    users = cmd("users", "the people who use this store")
    users_sub = users.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = users_sub.add_parser("list", parents=[common], help="list users")
    c.add_argument("--json", action="store_true")
    c = users_sub.add_parser("add", parents=[common], help="add a user")
    c.add_argument("login")
    c.add_argument("--name", required=True)
    c.add_argument("--role", required=True, help="dpo, support or admin")
    c.add_argument("--email")
    c = users_sub.add_parser("deactivate", parents=[common], help="stop a user acting (kept)")
    c.add_argument("login")
    c.add_argument(
        "--reassign-to", metavar="LOGIN", help="hand their open cases to this dpo or support user"
    )
    c = users_sub.add_parser("reactivate", parents=[common], help="let a user act again")
    c.add_argument("login")

    st = cmd("settings", "the organisation's settings")
    st_sub = st.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = st_sub.add_parser("show", parents=[common], help="every setting and its value")
    c.add_argument("--json", action="store_true")
    c = st_sub.add_parser("set", parents=[common], help="change one setting")
    c.add_argument("key")
    c.add_argument(
        "value", help="a number, text, `none`, or for calendars REGIME=CODE[,REGIME=CODE]"
    )

    op = cmd("org-profile", "the organisation profile letters are built from")
    op_sub = op.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = op_sub.add_parser("export", parents=[common], help="write the profile to a JSON file")
    c.add_argument("path", type=Path, metavar="FILE")
    c = op_sub.add_parser("import", parents=[common], help="check and store a profile file")
    c.add_argument("path", type=Path, metavar="FILE")

    sy = cmd("systems", "the data systems each new case is searched in")
    sy_sub = sy.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = sy_sub.add_parser("list", parents=[common], help="the data systems")
    c.add_argument("--all", action="store_true", help="retired ones too")
    c.add_argument("--json", action="store_true")
    c = sy_sub.add_parser("add", parents=[common], help="add a data system")
    c.add_argument("name")
    c.add_argument("--owner")
    c.add_argument("--category", action="append", default=[], help="repeatable")
    c.add_argument("--purpose", action="append", default=[], help="repeatable")
    c.add_argument("--recipient", action="append", default=[], help="repeatable")
    c = sy_sub.add_parser("retire", parents=[common], help="no more tasks on new cases")
    c.add_argument("id", type=_count)

    su = cmd("suppression", "emails and phones that must get no marketing or sale")
    su_sub = su.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = su_sub.add_parser("export", parents=[common], help="write the list as CSV")
    c.add_argument("path", type=Path, metavar="FILE")

    c = cmd("reminders", "cases due soon, overdue, and identity long awaited")
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    c = cmd("deadline", "compute the statutory dates for a request, with the reasons")
    c.add_argument("--regime", required=True)
    c.add_argument("--right", required=True)
    c.add_argument("--received", type=_date, required=True, metavar="DATE")
    c.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="KIND=DATE",
        help="a clock event, e.g. identity-requested=2026-03-03 (repeatable)",
    )
    c.add_argument(
        "--holidays",
        metavar="CODE",
        help="holiday calendar (GB-ENG, US, IE, NONE, ...), default the regime's",
    )
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    c = cmd("regimes", "the regimes, their rights and their clock rules")
    c.add_argument("--json", action="store_true")

    d = cmd("deadlines", "the stored deadlines")
    d_sub = d.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = d_sub.add_parser(
        "recompute", parents=[common], help="recompute every case's dates and report what moved"
    )
    c.add_argument("--json", action="store_true")

    cal = cmd("calendar", "the organisation's closure days and open days")
    cal_sub = cal.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    for name, help_text in (
        ("close", "mark a day closed (not a working day)"),
        ("open", "mark a listed holiday as a working day"),
        ("clear", "drop the organisation's override for a day"),
    ):
        c = cal_sub.add_parser(name, parents=[common], help=help_text)
        c.add_argument("day", type=_date, metavar="DATE")
        c.add_argument("--calendar", required=True, metavar="CODE")
        c.add_argument("--note")
    c = cal_sub.add_parser("show", parents=[common], help="a calendar's closures in a year")
    c.add_argument("code")
    c.add_argument("--year", type=_year)
    c.add_argument("--json", action="store_true")

    a = cmd("audit", "the audit trail")
    a_sub = a.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    a_sub.add_parser("verify", parents=[common], help="check the hash chain")

    c = cmd("attach", "store a file (encrypted) on a case")
    c.add_argument("reference")
    c.add_argument("path", type=Path, metavar="FILE")
    c.add_argument("--kind", required=True, help="identity, correspondence or extract")
    c.add_argument("--name", help="the name to keep for it (default: the file's name)")

    c = cmd("documents", "the documents on a case (and the tombstones of purged ones)")
    c.add_argument("reference")
    c.add_argument("--json", action="store_true")

    doc = cmd("document", "one document")
    doc_sub = doc.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = doc_sub.add_parser("export", parents=[common], help="decrypt and verify it into a file")
    c.add_argument("id", type=_count)
    c.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    c = cmd("verify", "record the identity decision on a case (DPO)")
    c.add_argument("reference")
    c.add_argument("--method", action="append", default=[], metavar="METHOD",
                   help="data-points, id-document, call-back, signed-declaration, "
                        "account-login, agent-permission (repeatable)")  # fmt: skip
    c.add_argument("--decision", required=True, help="verified, not-verified or not-required")
    c.add_argument("--level", help="CCPA: reasonable or reasonably-high")
    c.add_argument(
        "--data-point",
        action="append",
        default=[],
        metavar="NAME",
        help="the name of a data point that matched, e.g. email (repeatable)",
    )
    c.add_argument("--note")

    c = cmd("hold", "place or lift a legal hold (no purge touches a held case)")
    c.add_argument("reference")
    c.add_argument("state", choices=("on", "off"))

    c = cmd("purge", "purge identity documents and closed cases past their retention")
    c.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    k = cmd("key", "the store's key")
    k_sub = k.add_subparsers(dest="subcommand", parser_class=_Parser, required=True)
    c = k_sub.add_parser(
        "export", parents=[common], help="write a recovery file (the key, passphrase-wrapped)"
    )
    c.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    c = k_sub.add_parser("import", parents=[common],
                         help="put a recovery file back beside the store")  # fmt: skip
    c.add_argument("path", type=Path, metavar="FILE")

    c = cmd(
        "letter",
        "`letter REF --kind KIND -o FILE [--record]` drafts a letter as PDF; "
        "`letter kinds` lists the kinds; `letter sent ID --method M` records it went out",
    )
    c.add_argument("target", metavar="REF|kinds|sent")
    c.add_argument("letter_id", nargs="?", type=_count, metavar="ID", help="for `letter sent`")
    c.add_argument("--kind", help="the letter kind (`letter kinds` lists them)")
    c.add_argument("-o", "--output", type=Path, metavar="FILE", help="where the PDF goes")
    c.add_argument("--record", action="store_true", help="store it with the case (DPO only)")
    c.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=TEXT",
        help="a free-text part of the letter, e.g. reasons=... (repeatable; see `letter kinds`)",
    )
    c.add_argument("--method", help="for `letter sent`: email, post or in-person")
    c.add_argument("--date", type=_date, help="for `letter sent`: the day it went out")
    c.add_argument("--reason", metavar="CODE", help="for `letter sent` of a refusal: the ground")
    c.add_argument("--regime", help="for `letter kinds`: only this regime's")
    c.add_argument("--today", type=_date)
    c.add_argument("--json", action="store_true")

    c = cmd("letters", "the letters recorded on a case")
    c.add_argument("reference")
    c.add_argument("--json", action="store_true")

    c = cmd("backup", "copy the store to a file (verified after writing)")
    c.add_argument("path", type=Path)
    c = cmd("restore", "restore a backup into an empty data folder")
    c.add_argument("path", type=Path)
    return p


# -- plumbing ---------------------------------------------------------------


def _open(args: argparse.Namespace) -> Store:
    from conneqt_dpo.store.store import open_store

    return open_store(getattr(args, "database", None), unlock=_unlock())


def _unlock() -> Unlock:
    """At a terminal the passphrase is asked (never echoed); in a script it
    comes from CONNEQT_DPO_PASSPHRASE or the keyring, or the command fails."""
    from conneqt_dpo.store.store import Unlock

    if not sys.stdin.isatty():
        return Unlock()
    return Unlock(ask=_ask_passphrase, ask_new=_ask_new_passphrase)


def _ask_passphrase(prompt: str) -> str | None:
    import getpass

    print(prompt, file=sys.stderr)
    return getpass.getpass("Passphrase: ") or None


def _ask_new_passphrase(prompt: str) -> str | None:
    import getpass

    print(prompt, file=sys.stderr)
    first = getpass.getpass("New passphrase: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passphrases differ; nothing was created")
    return first or None


def _services(store: Store, args: argparse.Namespace) -> Services:
    from conneqt_dpo.store.services import Services

    return Services(store, user=getattr(args, "user", None) or os.environ.get(USER_ENV) or None)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _with_services(fn: Callable[[Services, argparse.Namespace], int]) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        store = _open(args)
        try:
            return fn(_services(store, args), args)
        finally:
            store.close()

    return run


# -- commands ---------------------------------------------------------------


@_with_services
def _cmd_init(svc: Services, args: argparse.Namespace) -> int:
    u = svc.init(login=args.dpo_login, name=args.dpo_name, email=args.dpo_email)
    print(f"store ready at {svc.store.url}; first user: {u.login} ({u.role})")
    return 0


@_with_services
def _cmd_demo(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.store.demo import fill_demo

    refs = fill_demo(svc.store, cases=args.cases, seed=args.seed, today=args.today)
    print(f"{len(refs)} demo cases logged")
    return 0


@_with_services
def _cmd_log(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.store.views import NewRequest

    received = args.received  # without a zone: the organisation's local time
    name = args.name
    if args.join:
        # The rights join that case's person: their details stay as they are.
        name = name or svc.get_case(args.join).row.requester_name
    else:
        missing = [flag for flag, v in (("--name", name), ("--email", args.email)) if not v]
        if missing:
            raise UserError(f"log needs {' and '.join(missing)} (or --join REF)")
    refs = svc.log_request(
        NewRequest(
            regime=args.regime,
            rights=tuple(args.right),
            channel=args.channel,
            name=name,
            email=args.email,
            phone=args.phone,
            received_at=received,
            received_reason=args.received_reason,
            note=args.note,
            calendar=args.calendar,
            address=args.address,
            account_id=args.account_id,
            country=args.country,
            us_state=args.us_state,
            agent_name=args.agent_name,
            agent_organisation=args.agent_organisation,
            agent_email=args.agent_email,
            agent_phone=args.agent_phone,
            agent_authority=args.agent_authority,
            ccpa_detail=args.ccpa_detail,
            join_reference=args.join,
        )
    )
    for ref in refs:
        print(ref)
    return 0


@_with_services
def _cmd_cases_list(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.domain.workflow import parse_state
    from conneqt_dpo.store.queries import SORT_KEYS
    from conneqt_dpo.store.views import CaseQuery

    today = args.today or svc.today()
    if args.state:
        parse_state(args.state)
    if args.sort not in SORT_KEYS:
        raise UserError(f"unknown sort '{args.sort}'; use one of: {', '.join(SORT_KEYS)}")
    rows = svc.list_cases(
        CaseQuery(
            state=args.state,
            open_only=args.open,
            overdue_on=today if args.overdue else None,
            assignee=args.assignee,
            regime=args.regime,
            text=args.search,
            sort=args.sort,
            limit=args.limit,
        )
    )
    if args.json:
        soon = svc.settings().due_soon_days
        _print_json([r.to_json(today, soon) for r in rows])
        return 0
    for r in rows:
        due = r.due.isoformat() if r.due else "-"
        left = r.days_left(today)
        print(
            f"{r.reference}  {r.regime:<9} {r.right:<20} {r.state:<18} due {due:<10} "
            f"{'' if left is None else f'({left:+d}d)':<8} {r.requester_name}"
        )
    return 0


@_with_services
def _cmd_case_show(svc: Services, args: argparse.Namespace) -> int:
    today = args.today or svc.today()
    c = svc.get_case(args.reference, today=today)
    if args.json:
        _print_json(c.to_json(today))
        return 0
    r = c.row
    lines = [
        f"{r.reference}  {r.regime} {r.right}  ({r.state}; clock {r.clock_state})",
        f"Requester: {r.requester_name} <{r.requester_email or '-'}>"
        + (f"  {c.requester_phone}" if c.requester_phone else ""),
        f"Channel: {r.channel}; received {_local(svc, c.received_at):%a %d %b %Y %H:%M} "
        f"({svc.tz.key})"
        + (f" (backdated: {c.backdate_reason})" if c.backdate_reason else ""),
        f"Assignee: {r.assignee or '-'}",
    ]
    if c.group_references:
        lines.append(f"Same request: {', '.join(c.group_references)}")
    for label, value in (
        ("Acknowledge by", c.acknowledge_by),
        ("Respond by", c.respond_by),
        ("Extended to", c.extended_respond_by),
        ("Due", r.due),
        ("Internal target", r.target),
    ):
        if value is not None:
            lines.append(f"{label}: {value:%a %d %b %Y}")
    if c.status:
        lines.append(f"Status on {today:%d %b %Y}: {c.status}")
    if c.explanation:
        lines.append("Why:")
        lines += [f"  {step}" for step in c.explanation]
    lines.append("Events:")
    lines += [
        f"  {e.on}  {e.kind}" + (f" ({e.reason})" if e.reason else "") + f"  by {e.recorded_by}"
        for e in c.events
    ]
    if c.notes:
        lines.append("Notes:")
        lines += [f"  {n.created_at:%Y-%m-%d %H:%M} {n.author}: {n.text}" for n in c.notes]
    if c.documents:
        lines.append("Documents:")
        lines += [f"  #{d.id} {d.filename} ({d.media_type}, {d.size} bytes)" for d in c.documents]
    print("\n".join(lines))
    return 0


def _local(svc: Services, utc: dt.datetime) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone(svc.tz)


@_with_services
def _cmd_act(svc: Services, args: argparse.Namespace) -> int:
    svc.act(args.reference, args.action, reason=args.reason, note=args.note, on=args.date)
    print(f"{args.reference.upper()}: {svc.get_case(args.reference).row.state}")
    return 0


@_with_services
def _cmd_event(svc: Services, args: argparse.Namespace) -> int:
    svc.record_event(args.reference, args.kind, on=args.date, reason=args.reason, note=args.note)
    c = svc.get_case(args.reference)
    due = c.row.due.isoformat() if c.row.due else "none (clock not running)"
    print(f"{c.reference}: {args.kind} recorded; clock {c.row.clock_state}; due {due}")
    return 0


@_with_services
def _cmd_assign(svc: Services, args: argparse.Namespace) -> int:
    svc.assign(args.reference, args.login)
    print(f"{args.reference.upper()}: assigned to {args.login}")
    return 0


@_with_services
def _cmd_note(svc: Services, args: argparse.Namespace) -> int:
    svc.add_note(args.reference, args.text)
    print(f"{args.reference.upper()}: note added")
    return 0


@_with_services
def _cmd_users_list(svc: Services, args: argparse.Namespace) -> int:
    users = svc.users()
    if args.json:
        _print_json([u.__dict__ for u in users])
    else:
        for u in users:
            print(f"{u.login:<16} {u.role:<8} {'active' if u.active else 'inactive':<9} {u.name}")
    return 0


@_with_services
def _cmd_users_add(svc: Services, args: argparse.Namespace) -> int:
    u = svc.add_user(login=args.login, name=args.name, role=args.role, email=args.email)
    print(f"user {u.login} ({u.role}) added")
    return 0


@_with_services
def _cmd_users_active(svc: Services, args: argparse.Namespace) -> int:
    if args.subcommand == "deactivate":
        try:
            u = svc.deactivate_user(args.login, reassign_to=args.reassign_to)
        except DomainError as e:
            if args.reassign_to is None and "open case" in str(e):
                raise UserError(f"{e} (--reassign-to LOGIN)") from None
            raise
    else:
        u = svc.reactivate_user(args.login)
    print(f"user {u.login} ({u.role}) is {'active' if u.active else 'deactivated'}")
    return 0


@_with_services
def _cmd_settings_show(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.domain.settings import SETTINGS_FIELDS, format_setting

    current = svc.settings()
    if args.json:
        _print_json(current.to_mapping())
        return 0
    for f in SETTINGS_FIELDS:
        print(f"{f.name:<22} {format_setting(current, f.name):<20} {f.label}")
    return 0


@_with_services
def _cmd_settings_set(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.domain.settings import format_setting, parse_setting

    value = parse_setting(args.key, args.value)
    after = svc.update_settings(**{args.key: value})
    print(f"{args.key} = {format_setting(after, args.key)}")
    return 0


@_with_services
def _cmd_org_profile_export(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.store.profile import export_org_profile

    path = export_org_profile(svc.org_profile(), args.path)
    print(f"organisation profile written to {path}")
    return 0


@_with_services
def _cmd_org_profile_import(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.store.profile import import_org_profile

    org = svc.set_org_profile(import_org_profile(args.path))
    print(f"organisation profile of {org.name} stored")
    return 0


@_with_services
def _cmd_systems_list(svc: Services, args: argparse.Namespace) -> int:
    systems = svc.data_systems(include_retired=args.all)
    if args.json:
        _print_json([
            {"id": d.id, "name": d.name, "owner": d.owner, "categories": list(d.categories),
             "purposes": list(d.purposes), "recipients": list(d.recipients),
             "active": d.active}
            for d in systems
        ])  # fmt: skip
        return 0
    for d in systems:
        state = "" if d.active else "  (retired)"
        print(f"{d.id:>4}  {d.name}" + (f"  owner: {d.owner}" if d.owner else "") + state)
    return 0


@_with_services
def _cmd_systems_add(svc: Services, args: argparse.Namespace) -> int:
    sid = svc.add_data_system(args.name, owner=args.owner, categories=args.category,
                              purposes=args.purpose, recipients=args.recipient)  # fmt: skip
    print(f"data system {sid} added: new cases get a task for it")
    return 0


@_with_services
def _cmd_systems_retire(svc: Services, args: argparse.Namespace) -> int:
    d = svc.retire_data_system(args.id)
    print(f"data system {d.id} ({d.name}) retired: no tasks for it on new cases")
    return 0


@_with_services
def _cmd_suppression_export(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.store.suppression import export_suppression_csv

    n = export_suppression_csv(svc.suppression_list(), args.path)
    print(f"{n} suppression row(s) written to {args.path}")
    return 0


@_with_services
def _cmd_reminders(svc: Services, args: argparse.Namespace) -> int:
    today = args.today or svc.today()
    r = svc.reminders(today)
    if args.json:
        _print_json(r.to_json(today))
        return 0
    for title, rows in (
        ("Overdue", r.overdue),
        ("Due soon", r.due_soon),
        ("Awaiting identity too long", r.stale_identity),
    ):
        print(f"{title}: {len(rows)}")
        for row in rows:
            due = row.due.isoformat() if row.due else "-"
            print(f"  {row.reference}  {row.regime:<9} {row.right:<20} due {due}  "
                  f"{row.requester_name}")  # fmt: skip
    print(f"Open tasks on overdue cases: {len(r.overdue_tasks)}")
    for ref, system in r.overdue_tasks:
        print(f"  {ref}  {system}")
    return 0


def _org_today() -> dt.date:
    """Today at the organisation (the day of receipt is its local date)."""
    from zoneinfo import ZoneInfo

    from conneqt_dpo.store.profile import default_organisation

    return dt.datetime.now(ZoneInfo(default_organisation().timezone)).date()


def _parse_event(text: str) -> tuple[str, dt.date]:
    kind, sep, day = text.partition("=")
    if not sep:
        raise UserError(f"--event takes KIND=DATE, not '{text}'")
    try:
        return kind.strip(), dt.date.fromisoformat(day.strip())
    except ValueError:
        raise UserError(f"'{day}' in --event {text} is not a date (YYYY-MM-DD)") from None


def _cmd_deadline(args: argparse.Namespace) -> int:
    from conneqt_dpo.domain import calendars, deadlines

    events = [deadlines.ClockEvent("received", args.received)]
    events += [deadlines.ClockEvent(*_parse_event(e)) for e in args.event]
    cal = calendars.get_calendar(args.holidays) if args.holidays else None
    result = deadlines.compute(args.regime, args.right, events, calendar=cal,
                               today=args.today or _org_today())  # fmt: skip
    if args.json:
        _print_json(deadlines.result_to_json(result))
        return 0
    for label, value in (
        ("Acknowledge by", result.acknowledge_by),
        ("Respond by", result.respond_by),
        ("Extended to", result.extended_respond_by),
        ("Internal target", result.target),
    ):
        if value is not None:
            print(f"{label + ':':<17}{value:%a %d %b %Y}")
    if result.status:
        left = "" if result.days_left is None else f", {result.days_left} days left"
        print(f"{'Status:':<17}{result.status} (clock {result.clock_state}{left})")
    print("Why:")
    for step in result.explanation:
        print(f"  {step}")
    print(f"Calendar: {result.calendar_code} ({result.calendar_version})")
    return 0


def _cmd_regimes(args: argparse.Namespace) -> int:
    from conneqt_dpo.domain.regimes import REGIMES

    if args.json:
        _print_json([
            {
                "code": r.code, "label": r.label, "citation": r.citation,
                "default_calendar": r.default_calendar,
                "rights": [
                    {"code": code, "label": rule.label, "citation": rule.citation,
                     "period": rule.period.describe(), "period_citation": rule.period_citation,
                     "extension": rule.extension.describe() if rule.extension else None,
                     "acknowledge": rule.acknowledge.describe() if rule.acknowledge else None,
                     "available_from": rule.available_from.isoformat()
                     if rule.available_from else None}
                    for code, rule in r.rights.items()
                ],
            }
            for r in REGIMES.values()
        ])  # fmt: skip
        return 0
    for r in REGIMES.values():
        print(f"{r.code}: {r.label} ({r.citation}); calendar {r.default_calendar}")
        for code, rule in r.rights.items():
            ext = f"; extension {rule.extension.describe()}" if rule.extension else "; no extension"
            ack = f"; acknowledge {rule.acknowledge.describe()}" if rule.acknowledge else ""
            since = f"; from {rule.available_from}" if rule.available_from else ""
            print(f"  {code:<20} {rule.label}: {rule.period.describe()}{ack}{ext}{since}"
                  f" [{rule.period_citation}]")  # fmt: skip
    return 0


def _print_moved(moved: Sequence[Moved], as_json: bool) -> None:
    if as_json:
        _print_json([
            {"reference": m.reference, "before": m.before.isoformat() if m.before else None,
             "after": m.after.isoformat() if m.after else None, "problem": m.problem}
            for m in moved
        ])  # fmt: skip
        return
    for m in moved:
        if m.problem:
            print(f"{m.reference}: kept {m.before or 'no date'}: {m.problem}")
        else:
            print(f"{m.reference}: due {m.before or 'none'} -> {m.after or 'none'}")
    print(f"{sum(1 for m in moved if not m.problem)} case(s) moved")


@_with_services
def _cmd_deadlines_recompute(svc: Services, args: argparse.Namespace) -> int:
    _print_moved(svc.recompute_deadlines(), args.json)
    return 0


@_with_services
def _cmd_calendar_set(svc: Services, args: argparse.Namespace) -> int:
    closed = {"close": True, "open": False, "clear": None}[args.subcommand]
    moved = svc.set_calendar_day(args.calendar, args.day, closed=closed, note=args.note)
    _print_moved(moved, False)
    return 0


@_with_services
def _cmd_calendar_show(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.domain import calendars

    year = args.year or svc.today().year
    overrides = {day: (closed, note) for day, closed, note in svc.calendar_days(args.code)}
    cal = calendars.get_calendar(
        args.code,
        extra_closures=[d for d, (c, _) in overrides.items() if c],
        open_days=[d for d, (c, _) in overrides.items() if not c],
    )
    closures = cal.closures_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    opened = sorted(d for d, (c, _) in overrides.items() if not c and d.year == year)
    if args.json:
        _print_json({
            "calendar": cal.code, "version": cal.version, "year": year,
            "closures": [{"date": d.isoformat(), "name": name,
                          "override": d in overrides} for d, name in closures],
            "open_days": [d.isoformat() for d in opened],
        })  # fmt: skip
        return 0
    print(f"{cal.code} {year} ({cal.version}); weekdays that are not working days:")
    for d, name in closures:
        mark = " (organisation's own)" if d in overrides else ""
        print(f"  {d:%a %d %b %Y}  {name}{mark}")
    for d in opened:
        print(f"  {d:%a %d %b %Y}  open although a holiday (organisation's own)")
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        verdict = store.verify_audit()
    finally:
        store.close()
    if verdict.ok:
        print(verdict.message)
        return 0
    print(f"FAILED after {verdict.events} good events: {verdict.message}")
    return 1


@_with_services
def _cmd_attach(svc: Services, args: argparse.Namespace) -> int:
    if args.kind not in ("identity", "correspondence", "extract"):
        raise UserError(f"unknown kind {args.kind!r} (identity, correspondence or extract)")
    d = svc.attach(args.reference, args.path, kind=args.kind, filename=args.name)
    print(f"document {d.id} stored on {d.reference}: {d.filename} ({d.size} bytes, {d.kind})")
    return 0


@_with_services
def _cmd_documents(svc: Services, args: argparse.Namespace) -> int:
    docs = svc.documents(args.reference)
    if args.json:
        _print_json([d.to_json() for d in docs])
        return 0
    if not docs:
        print(f"no documents on {args.reference.upper()}")
    for d in docs:
        if d.purged_at is not None:
            state = f"purged {d.purged_at:%Y-%m-%d} ({d.purge_reason})"
        elif d.purge_after is not None:
            state = f"purged after {d.purge_after.isoformat()}"
        else:
            state = "kept with the case"
        print(f"{d.id:>6}  {d.kind:<14} {d.size:>10}  {d.filename}  [{state}]")
    return 0


@_with_services
def _cmd_document_export(svc: Services, args: argparse.Namespace) -> int:
    d = svc.export_document(args.id, args.output.expanduser().absolute())
    print(f"document {d.id} ({d.filename}) written to {args.output}, verified")
    return 0


@_with_services
def _cmd_verify(svc: Services, args: argparse.Namespace) -> int:
    result = svc.verify_identity(
        args.reference,
        methods=args.method,
        decision=args.decision,
        level=args.level,
        data_points=args.data_point,
        note=args.note,
    )
    print(f"{args.reference.upper()}: identity {args.decision}")
    for line in result.consequences:
        print(f"  {line}")
    if result.purge_after is not None:
        print(f"  Identity documents will be purged after {result.purge_after.isoformat()}.")
    return 0


@_with_services
def _cmd_hold(svc: Services, args: argparse.Namespace) -> int:
    svc.set_hold(args.reference, args.state == "on")
    print(f"{args.reference.upper()}: legal hold {args.state}")
    return 0


@_with_services
def _cmd_purge(svc: Services, args: argparse.Namespace) -> int:
    plan = svc.purge_plan(args.today) if args.dry_run else svc.purge(args.today)
    if args.json:
        _print_json({
            "dry_run": args.dry_run,
            "documents": [{"id": i, "reference": r, "kind": k, "reason": why}
                          for i, r, k, why in plan.documents],
            "cases": list(plan.cases),
            "held": list(plan.held),
            "unreferenced_files": plan.orphans,
        })  # fmt: skip
        return 0
    verb = "would purge" if args.dry_run else "purged"
    for i, ref, kind, why in plan.documents:
        print(f"{verb} document {i} ({kind}) of {ref}: {why}")
    for ref in plan.cases:
        print(f"{verb} the personal data of {ref} (closed, retention over)")
    for ref in plan.held:
        print(f"kept {ref}: legal hold")
    if plan.orphans:
        print(f"{verb} {plan.orphans} stored file(s) no document refers to")
    if plan.empty:
        print("nothing to purge")
    return 0


def _cmd_letter(args: argparse.Namespace) -> int:
    if args.target == "kinds":
        return _letter_kinds(args)
    return _letter_with_store(args)


def _letter_kinds(args: argparse.Namespace) -> int:
    from conneqt_dpo.domain.regimes import get_regime
    from conneqt_dpo.outputs.letters.kinds import KINDS

    regime = get_regime(args.regime).code if args.regime else None
    rows = [k for k in KINDS.values() if regime is None or regime in k.families]
    if args.json:
        _print_json([
            {"kind": k.code, "label": k.label, "regimes": sorted(k.families),
             "rights": sorted(k.rights) if k.rights is not None else None,
             "clock_event": k.clock_event,
             "parts": [{"key": f.key, "required": f.required, "description": f.description,
                        "choices": list(f.choices)} for f in k.extra]}
            for k in rows
        ])  # fmt: skip
        return 0
    for k in rows:
        print(f"{k.code:<28} {', '.join(sorted(k.families))}")
        for f in k.extra:
            need = "required" if f.required else "optional"
            print(f"    --set {f.key}=...  ({need}) {f.description}")
    return 0


@_with_services
def _letter_with_store(svc: Services, args: argparse.Namespace) -> int:
    from conneqt_dpo.outputs.letters.drafting import draft_letter, mark_sent, record_draft

    if args.target == "sent":
        if args.letter_id is None or not args.method:
            raise UserError("letter sent needs the letter id and --method (email, post, in-person)")
        sent = mark_sent(svc, args.letter_id, method=args.method, on=args.date, reason=args.reason)
        print(f"letter {sent.id} ({sent.kind}) of {sent.reference} sent by {sent.sent_method} "
              f"on {sent.sent_on}")  # fmt: skip
        return 0
    if not args.kind or args.output is None:
        raise UserError("letter REF needs --kind KIND and -o FILE (`letter kinds` lists the kinds)")
    extra: dict[str, str] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set takes KEY=TEXT, not {item[:40]!r}")
        extra[key.strip()] = value
    target = args.output.expanduser().absolute()
    if target.exists():
        raise UserError(f"{target} exists; choose a new file name")
    if not target.parent.is_dir():
        raise UserError(f"the folder {target.parent} does not exist")
    draft = draft_letter(svc, args.target, args.kind, extra=extra, today=args.today)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        tmp.write_bytes(draft.pdf)
        os.replace(tmp, target)
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    # Recorded once the file is written: a failed write records nothing.
    recorded = record_draft(svc, draft) if args.record else None
    for warning in draft.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        _print_json({"reference": draft.reference, "kind": draft.kind, "file": str(target),
                     "pages": draft.pages, "template": draft.doc.template,
                     "warnings": list(draft.warnings),
                     "letter_id": recorded.id if recorded else None})  # fmt: skip
        return 0
    print(f"{draft.kind} for {draft.reference} written to {target} ({draft.pages} page(s); "
          f"{draft.doc.template})")  # fmt: skip
    if recorded is not None:
        print(f"recorded as letter {recorded.id}; mark it sent with "
              f"`conneqt-dpo letter sent {recorded.id} --method email|post|in-person`")  # fmt: skip
    return 0


@_with_services
def _cmd_letters(svc: Services, args: argparse.Namespace) -> int:
    letters = svc.letters(args.reference)
    if args.json:
        _print_json([x.to_json() for x in letters])
        return 0
    if not letters:
        print(f"no letters recorded on {args.reference.upper()}")
    for x in letters:
        sent = f"sent {x.sent_on} by {x.sent_method}" if x.sent_on else "not sent"
        print(f"{x.id:>6}  {x.kind:<28} {x.created_at:%Y-%m-%d} {x.created_by:<10} {sent}")
    return 0


def _cmd_key_export(args: argparse.Namespace) -> int:
    from conneqt_dpo.store.keys import export_recovery

    store = _open(args)  # proves the key file opens this store
    try:
        target = args.output.expanduser().absolute()
        export_recovery(store.key_file, target)
    finally:
        store.close()
    print(
        f"recovery file written to {target}. Keep it away from this computer (with your "
        "backups); with your passphrase it opens the store if the key file is lost."
    )
    return 0


def _cmd_key_import(args: argparse.Namespace) -> int:
    from conneqt_dpo.store import paths
    from conneqt_dpo.store.keys import import_recovery, key_file_for

    p = paths.resolve()
    target = key_file_for(p.store_file)
    import_recovery(args.path.expanduser().absolute(), target)
    store = _open(args)  # the store must open with it
    store.close()
    print(f"key file restored to {target}; the store opens with it")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from conneqt_dpo.store.backup import backup

    store = _open(args)
    try:
        report = backup(store, args.path)
    finally:
        store.close()
    print(
        f"backup written to {report.path}: {report.cases} cases, {report.events} audit "
        f"events, {report.documents} stored files, verified. Restoring it needs the store's "
        "passphrase."
    )
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from conneqt_dpo.store.backup import restore

    report = restore(args.path, getattr(args, "database", None), unlock=_unlock())
    print(f"restored {report.cases} cases and {report.events} audit events into {report.path}")
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    from conneqt_dpo.gui.app import run_gui

    if args.demo:
        # The demo never touches the real store, whatever the environment says.
        return run_gui(demo_dir=Path.cwd() / DEMO_DIR, demo_cases=DEMO_CASES)
    return run_gui(
        database=getattr(args, "database", None),
        user=getattr(args, "user", None) or os.environ.get(USER_ENV) or None,
    )


_COMMANDS: dict[tuple[str, str | None], Callable[[argparse.Namespace], int]] = {
    ("init", None): _cmd_init,
    ("demo", None): _cmd_demo,
    ("log", None): _cmd_log,
    ("cases", "list"): _cmd_cases_list,
    ("case", "show"): _cmd_case_show,
    ("act", None): _cmd_act,
    ("event", None): _cmd_event,
    ("assign", None): _cmd_assign,
    ("note", None): _cmd_note,
    ("users", "list"): _cmd_users_list,
    ("users", "add"): _cmd_users_add,
    ("users", "deactivate"): _cmd_users_active,
    ("users", "reactivate"): _cmd_users_active,
    ("settings", "show"): _cmd_settings_show,
    ("settings", "set"): _cmd_settings_set,
    ("org-profile", "export"): _cmd_org_profile_export,
    ("org-profile", "import"): _cmd_org_profile_import,
    ("systems", "list"): _cmd_systems_list,
    ("systems", "add"): _cmd_systems_add,
    ("systems", "retire"): _cmd_systems_retire,
    ("suppression", "export"): _cmd_suppression_export,
    ("reminders", None): _cmd_reminders,
    ("deadline", None): _cmd_deadline,
    ("regimes", None): _cmd_regimes,
    ("deadlines", "recompute"): _cmd_deadlines_recompute,
    ("calendar", "close"): _cmd_calendar_set,
    ("calendar", "open"): _cmd_calendar_set,
    ("calendar", "clear"): _cmd_calendar_set,
    ("calendar", "show"): _cmd_calendar_show,
    ("audit", "verify"): _cmd_audit_verify,
    ("attach", None): _cmd_attach,
    ("documents", None): _cmd_documents,
    ("document", "export"): _cmd_document_export,
    ("verify", None): _cmd_verify,
    ("hold", None): _cmd_hold,
    ("purge", None): _cmd_purge,
    ("letter", None): _cmd_letter,
    ("letters", None): _cmd_letters,
    ("key", "export"): _cmd_key_export,
    ("key", "import"): _cmd_key_import,
    ("backup", None): _cmd_backup,
    ("restore", None): _cmd_restore,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed in one line
        return e.code if isinstance(e.code, int) else 2
    handler: Callable[[argparse.Namespace], int]
    if args.command is None:
        handler = _cmd_gui
    else:
        handler = _COMMANDS[(args.command, getattr(args, "subcommand", None))]
    try:
        return handler(args)
    except (DomainError, UserError) as e:
        print(f"conneqt-dpo: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("conneqt-dpo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a bug: one line, not exit 1 (kept for failed checks)
        _log_bug(e)
        print(f"conneqt-dpo: internal error ({type(e).__name__}: {_one_line(str(e))[:200]}); "
              "details in the log", file=sys.stderr)  # fmt: skip
        return 70


def _log_bug(e: BaseException) -> None:
    """Keep the traceback of an unexpected error in the data folder's log."""
    import logging
    import logging.handlers

    from conneqt_dpo.store.paths import resolve

    try:
        folder = resolve().data_dir / "logs"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "conneqt-dpo.log", maxBytes=1_000_000, backupCount=3
        )
    except OSError:
        return
    logger = logging.getLogger("conneqt_dpo.cli")
    logger.addHandler(handler)
    logger.error("unexpected error", exc_info=e)
    handler.close()
    logger.removeHandler(handler)


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
