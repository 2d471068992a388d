"""The organisation the app serves. Its default profile ships in
`resources/organisation.json`, taken from its privacy notice (CONNEQT LLC);
letters are built from this data.

An access response must repeat much of the notice: the purposes, the
categories of personal data, the recipients, the retention period, the
sources, transfers and any automated decision-making (GDPR Art 15(1)-(2));
a CCPA request to know asks for the categories, sources, purposes and the
categories of third parties (Cal. Civ. Code §1798.110(a)). So the profile
keeps those as lists, not prose.

Where the notice is silent, the shipped profile says so with a placeholder:
a text (or a list item) starting ``[to be completed``. A letter that needs
such a field is refused (``missing_for``), never printed with the gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.regimes import get_regime
from conneqt_dpo.domain.validation import clean_email, clean_text, shown

__all__ = [
    "LIST_FIELDS",
    "OPTIONAL_TEXT_FIELDS",
    "PLACEHOLDER",
    "Organisation",
    "Purpose",
    "field_problem",
    "is_placeholder",
    "missing_for",
]

_MAX_TEXT = 2000


@dataclass(frozen=True)
class Purpose:
    """What personal information is used for, and the reason the law
    accepts for it (GDPR Art 6(1); Art 13(1)(c))."""

    purpose: str
    lawful_basis: str


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    dpo_name: str
    dpo_email: str
    support_email: str
    # The day of receipt is the date at the controller (spec/deadlines.md,
    # "Counting"): the time zone of its principal office. The store counts
    # with the `timezone` setting (domain/settings.py), which the DPO edits.
    timezone: str
    # Where a requester in the EU may complain (GDPR Art 77; Art 15(1)(f)).
    # The notice names none; letters must not invent one.
    supervisory_authority: str = ""
    categories: tuple[str, ...] = ()  # categories of personal information collected
    # Categories disclosed for a business purpose in the preceding 12 months
    # (Cal. Civ. Code §1798.115(a)(3)).
    disclosed_categories: tuple[str, ...] = ()
    purposes: tuple[Purpose, ...] = ()
    recipients: tuple[str, ...] = ()  # categories of recipients / third parties
    retention: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    transfers: tuple[str, ...] = ()  # outside the EEA / UK: where, to whom
    # One item saying there are none, or each decision with its logic and
    # consequences (GDPR Art 15(1)(h); UK GDPR Arts 22A-22D).
    automated_decisions: tuple[str, ...] = ()
    # -- what the privacy notice does not say ----------------------------
    dpo_title: str = "Data Protection Officer"  # signs the letters
    # The privacy office's telephone number: HIPAA denials give the
    # complaints contact's number (45 CFR 164.524(d)(2)(iii)).
    phone: str = ""
    # UK residents complain to the Information Commissioner (UK GDPR Art 77;
    # Art 15(1)(f)); `supervisory_authority` is the EU one.
    uk_supervisory_authority: str = ""
    # The person or office (name or title) that receives complaints: HIPAA
    # 164.530(d) and 164.524(d)(2)(iii); the UK controller's complaints
    # process (DPA 2018 s.164A, from 19 Jun 2026).
    complaints_contact: str = ""
    # How a consumer appeals a refusal under the US state laws (e.g. Va.
    # Code §59.1-577(C)): the organisation's own process.
    appeal_instructions: str = ""
    # How to opt out of sale or sharing (the "Do Not Sell or Share" link);
    # empty when the organisation neither sells nor shares (offered on a
    # CCPA deletion denial, 11 CCR §7022).
    opt_out_instructions: str = ""
    # Safeguards for transfers to third countries (GDPR Art 15(2), Art 46).
    transfer_safeguards: tuple[str, ...] = ()
    # Categories sold or shared in the last 12 months and to which
    # categories of third parties, or one item saying none were (Cal. Civ.
    # Code §1798.115(a)).
    sold_or_shared: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, strict: bool = False) -> Organisation:
        """A profile from JSON values. ``strict`` (a file someone edited)
        refuses keys it does not know, so a misspelt key is not silently
        dropped; keys starting with ``_`` are comments. Otherwise (the
        store's copy) unknown keys are ignored."""
        if not isinstance(data, Mapping):
            raise DomainError("the organisation profile must be a JSON object")
        if strict:
            known = {f.name for f in fields(cls)}
            extra = sorted(k for k in data if not str(k).startswith("_") and k not in known)
            if extra:
                raise DomainError(
                    f"the organisation profile has an unknown key '{shown(str(extra[0]), 40)}'; "
                    f"the keys are: {', '.join(sorted(known))}"
                )
        values: dict[str, object] = {}
        for name in _REQUIRED:
            v = data.get(name)
            if v is not None and not isinstance(v, str):
                raise DomainError(f"the organisation profile's '{name}' must be text")
            if not isinstance(v, str) or not v.strip():
                raise DomainError(f"the organisation profile lacks '{name}'")
            values[name] = _text(v, name)
        for name in ("dpo_email", "support_email"):
            values[name] = clean_email(str(values[name]))
        try:
            ZoneInfo(str(values["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise DomainError(f"unknown time zone '{shown(str(values['timezone']))}'") from None
        for name in OPTIONAL_TEXT_FIELDS:
            v = data.get(name, "")
            if v is None:
                v = ""
            if not isinstance(v, str):
                raise DomainError(f"the organisation profile's '{name}' must be text")
            if v.strip():
                values[name] = _text(v, name)
            elif name in _TEXT_DEFAULTS:
                values[name] = _TEXT_DEFAULTS[name]
            else:
                values[name] = ""
        for name in LIST_FIELDS:
            values[name] = _texts(data.get(name, []), name)
        values["purposes"] = _purposes(data.get("purposes", []))
        return cls(**values)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "purposes":
                out[f.name] = [
                    {"purpose": p.purpose, "lawful_basis": p.lawful_basis} for p in value
                ]
            elif isinstance(value, tuple):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        return out


_REQUIRED = ("name", "address", "dpo_name", "dpo_email", "support_email", "timezone")
# Texts that may be empty (empty: not stated).
OPTIONAL_TEXT_FIELDS = (
    "supervisory_authority",
    "uk_supervisory_authority",
    "dpo_title",
    "phone",
    "complaints_contact",
    "appeal_instructions",
    "opt_out_instructions",
)
_TEXT_DEFAULTS = {"dpo_title": "Data Protection Officer"}
# The lists of plain texts (purposes are pairs).
LIST_FIELDS = (
    "categories",
    "disclosed_categories",
    "recipients",
    "retention",
    "sources",
    "transfers",
    "transfer_safeguards",
    "automated_decisions",
    "sold_or_shared",
)

# -- what each letter needs from the profile ------------------------------

# A value (or a list item) starting with this is a gap the notice leaves:
# the shipped profile marks it so, and no letter may print it.
PLACEHOLDER = "[to be completed"


def is_placeholder(text: str) -> bool:
    return text.lstrip().lower().startswith(PLACEHOLDER)


# Every letter is signed by the DPO on the controller's letterhead
# (spec/letters.md: controller name and address, DPO name and contact).
_EVERY_LETTER = ("name", "address", "dpo_name", "dpo_email")

# (kind, regime or group) -> the profile fields its required content comes
# from (spec/letters.md; fact-sheet.md §5). A regime's own entry wins over
# its group's; groups are a regime code, or "us-state" for the state laws.
_NEEDS: Mapping[tuple[str, str], tuple[str, ...]] = {
    # GDPR Art 15(1)(a)-(h) and 15(2): purposes, categories, recipients,
    # retention, the authority to complain to, the source, automated
    # decision-making (or that there is none), transfer safeguards.
    ("access-response", "eu-gdpr"): (
        "purposes", "categories", "recipients", "retention", "supervisory_authority",
        "sources", "automated_decisions", "transfers", "transfer_safeguards",
    ),
    ("access-response", "uk-gdpr"): (
        "purposes", "categories", "recipients", "retention", "uk_supervisory_authority",
        "sources", "automated_decisions", "transfers", "transfer_safeguards",
    ),
    # Cal. Civ. Code §1798.110(a), .115(a): categories collected, sources,
    # purposes, third parties; sold or shared (or none); disclosed for a
    # business purpose.
    ("access-response", "ccpa"): (
        "categories", "sources", "purposes", "recipients", "disclosed_categories",
        "sold_or_shared",
    ),
    ("access-response", "us-state"): ("categories", "purposes", "recipients"),
    # Art 12(4): the right to complain to the supervisory authority; UK
    # from 19 Jun 2026 also to the controller (DPA 2018 s.164A).
    ("refusal", "eu-gdpr"): ("supervisory_authority",),
    ("refusal", "uk-gdpr"): ("uk_supervisory_authority", "complaints_contact"),
    # 11 CCR §7022: a deletion denial offers the opt-out if the business
    # sells or shares.
    ("refusal", "ccpa"): ("sold_or_shared", "opt_out_instructions"),
    # 45 CFR 164.524(d)(2)(iii): the contact's name or title and number.
    ("refusal", "hipaa"): ("complaints_contact", "phone"),
    # Va. Code §59.1-577(A)(3) and the other state laws: how to appeal;
    # Utah has no appeal (fact-sheet.md §2.6).
    ("refusal", "us-state"): ("appeal_instructions",),
    ("refusal", "ut-ucpa"): (),
    # Closing: how to raise a complaint.
    ("closing", "eu-gdpr"): ("supervisory_authority",),
    ("closing", "uk-gdpr"): ("uk_supervisory_authority", "complaints_contact"),
    ("closing", "hipaa"): ("complaints_contact", "phone"),
}  # fmt: skip

# May be empty: no opt-out to offer where nothing is sold or shared (the
# profile cannot tell that from `sold_or_shared`, which is prose: the DPO
# keeps the two consistent).
_MAY_BE_EMPTY = frozenset({"opt_out_instructions"})
_GROUPS = frozenset({"eu-gdpr", "uk-gdpr", "ccpa", "hipaa", "can-spam"})


def _group(regime: str) -> str:
    code = get_regime(regime).code
    return code if code in _GROUPS else "us-state"


def field_problem(org: Organisation, name: str) -> str | None:
    """Why the profile's field `name` cannot go into a letter (empty, or
    still a placeholder), or None if it can."""
    value = getattr(org, name)
    if name == "purposes":
        texts = [t for p in value for t in (p.purpose, p.lawful_basis)]
    elif isinstance(value, tuple):
        texts = list(value)
    else:
        texts = [value] if value.strip() else []
    if not texts:
        return None if name in _MAY_BE_EMPTY else "empty"
    if any(is_placeholder(t) for t in texts):
        return "still 'to be completed'"
    return None


def missing_for(kind: str, regime: str, org: Organisation) -> list[str]:
    """The profile fields a letter of `kind` under `regime` needs that are
    empty or still a placeholder, in the order the letter uses them."""
    key = (kind, regime) if (kind, regime) in _NEEDS else (kind, _group(regime))
    names = _EVERY_LETTER + _NEEDS.get(key, ())
    return [n for n in dict.fromkeys(names) if field_problem(org, n) is not None]


def _text(value: str, name: str, item: str = "") -> str:
    return clean_text(value, f"the organisation profile's '{name}'{item}", max_len=_MAX_TEXT)


def _texts(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise DomainError(f"the organisation profile's '{name}' must be a list of texts")
    out = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise DomainError(f"the organisation profile's '{name}' item {i} is not text")
        out.append(_text(item, name, f" item {i}"))
    return tuple(out)


def _purposes(value: object) -> tuple[Purpose, ...]:
    if not isinstance(value, list | tuple):
        raise DomainError(
            "the organisation profile's 'purposes' must be a list of "
            '{"purpose": ..., "lawful_basis": ...}'
        )
    out = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, Purpose):
            item = {"purpose": item.purpose, "lawful_basis": item.lawful_basis}
        if not isinstance(item, Mapping):
            raise DomainError(f"the organisation profile's 'purposes' item {i} is not an object")
        parts = []
        for key in ("purpose", "lawful_basis"):
            v = item.get(key)
            if not isinstance(v, str) or not v.strip():
                raise DomainError(f"the organisation profile's 'purposes' item {i} lacks '{key}'")
            parts.append(_text(v, "purposes", f" item {i} '{key}'"))
        out.append(Purpose(*parts))
    return tuple(out)
