"""Letter templates: text files with jinja2 placeholders and a small block
markup, found in the data folder (the organisation's edited copies) or in
resources/letters/ (shipped), filled in jinja2's sandbox.

The markup (resources/letters/README.md):

- ``# `` at the start of a line: the letter's subject (exactly one);
- ``## ``: a heading;
- ``- ``: a bullet; consecutive bullets make one list;
- a blank line ends a paragraph; other lines join into the paragraph;
- ``\\`` at the start of a line: the rest of the line is plain text, so a
  paragraph may begin with ``#`` or ``-``.

Values never make blocks: every ``{{ ... }}`` output becomes a token while
the template is filled in; the text is split into blocks first and the
tokens are replaced with the values (newlines turned into spaces) after.
So a requester called ``## Admin`` or ``- x`` stays text in its paragraph.

An unknown field fails before anything is written, naming the field:
statically (every name and dotted path in the template, in every branch,
is checked against the fields given) and while filling in (loop variables).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from conneqt_dpo._bundled import resources_dir
from conneqt_dpo.domain.errors import DomainError
from conneqt_dpo.domain.organisation import PLACEHOLDER
from conneqt_dpo.domain.validation import shown
from conneqt_dpo.outputs.letters.document import Block

__all__ = [
    "OVERRIDE_FOLDER",
    "SUFFIX",
    "Fields",
    "Rendered",
    "TemplateSource",
    "candidates",
    "find_template",
    "group",
    "one_line",
    "render",
    "shipped_dir",
    "shipped_templates",
]

SUFFIX = ".txt"
OVERRIDE_FOLDER = "letters"  # inside the data folder
_MAX_BYTES = 200_000
_VERSION = re.compile(r"^\{#\s*version:\s*(?P<v>[^#\s][^#]*?)\s*#\}\s*$")


def shipped_dir() -> Path:
    return resources_dir() / "letters"


def candidates(kind: str, regime: str, family: str) -> tuple[str, ...]:
    """The template names tried for a letter, most specific first."""
    return tuple(dict.fromkeys((f"{kind}.{regime}", f"{kind}.{family}", kind)))


@dataclass(frozen=True)
class TemplateSource:
    name: str  # the file name without .txt: "access-response.uk-gdpr"
    path: Path
    overridden: bool  # the organisation's copy in the data folder
    version: str
    text: str

    def describe(self) -> str:
        """Which file and version, as printed on the letter."""
        where = (
            f"the organisation's copy in {self.path.parent}" if self.overridden else "as shipped"
        )
        return f"{self.path.name}, version {self.version} ({where})"


def find_template(
    kind: str, regime: str, family: str, data_dir: Path | None = None
) -> TemplateSource:
    """The template for a letter: for each candidate name, the data
    folder's copy first, then the shipped one."""
    folders: list[tuple[Path, bool]] = []
    if data_dir is not None:
        folders.append((data_dir / OVERRIDE_FOLDER, True))
    folders.append((shipped_dir(), False))
    names = candidates(kind, regime, family)
    for name in names:
        for folder, overridden in folders:
            path = folder / (name + SUFFIX)
            if path.is_file():
                return _load(name, path, overridden)
    tried = ", ".join(n + SUFFIX for n in names)
    raise DomainError(f"no letter template for a {kind} under {regime} (looked for {tried})")


def shipped_templates() -> list[TemplateSource]:
    return [_load(p.stem, p, False) for p in sorted(shipped_dir().glob("*" + SUFFIX))]


def _load(name: str, path: Path, overridden: bool) -> TemplateSource:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DomainError(f"cannot read the letter template {path}: {e.strerror or e}") from None
    if len(raw) > _MAX_BYTES:
        raise DomainError(f"the letter template {path} is too large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(f"the letter template {path} is not UTF-8 text") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _VERSION.match(text.split("\n", 1)[0])
    if m is None:
        raise DomainError(
            f"the letter template {path} must start with its version line, "
            "e.g. {# version: 2026-11-25 #}"
        )
    return TemplateSource(name, path, overridden, m.group("v"), text)


# -- fields ------------------------------------------------------------------


class Fields:
    """A named group of template fields (``controller.name``): attribute
    access only, and it knows its own path for error messages."""

    __slots__ = ("_path", "_values")

    def __init__(self, path: str, values: Mapping[str, object]) -> None:
        self._path = path
        self._values = dict(values)

    def __getattr__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> object:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __repr__(self) -> str:
        return f"Fields({self._path!r}, {sorted(self._values)!r})"


def group(path: str, values: Mapping[str, object]) -> Fields:
    """Fields from plain values: mappings become groups, lists of mappings
    lists of groups (named ``path[]``)."""
    return Fields(path, {k: _wrap(f"{path}.{k}", v) for k, v in values.items()})


def _wrap(path: str, value: object) -> object:
    if isinstance(value, Fields):
        return value
    if isinstance(value, Mapping):
        return group(path, value)
    if isinstance(value, list | tuple):
        return [_wrap(f"{path}[]", v) for v in value]
    return value


class _FieldError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Unknown(jinja2.StrictUndefined):
    """A field the template names but the letter does not have. Attribute
    access chains on (``controler.name``) so the message names the whole
    path; any use of it (printing, testing, looping) fails."""

    __slots__ = ()

    @property
    def path(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if isinstance(obj, _Unknown):
            base = obj.path
        elif isinstance(obj, Fields):
            base = obj._path
        else:
            base = ""
        if name is None:
            return base or "?"
        return f"{base}.{name}" if base else str(name)

    @property
    def _undefined_message(self) -> str:
        # The sandbox's own hint says why an attribute is unsafe.
        return self._undefined_hint or f"uses an unknown field '{self.path}'"

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return _Unknown(obj=self, name=name)

    def __getitem__(self, name: Any) -> Any:
        return _Unknown(obj=self, name=str(name))


# -- filling in ----------------------------------------------------------------

# Private-use characters mark where a value goes; values lose any of them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_TABLE = f"{_OPEN}values"  # the context key of a fill's value table
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]\s*")


def one_line(text: str) -> str:
    """A value as it may appear inside a paragraph: one line, no markers."""
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return _LINE_BREAKS.sub(" ", text).strip()


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: object) -> str:
    """Every ``{{ ... }}`` output: checked, kept aside, replaced by a token.
    (Taking the context also stops jinja2 folding constants at compile
    time, when there is no table.)"""
    if isinstance(value, jinja2.Undefined):
        str(value)  # raises for an unknown field
    if isinstance(value, Fields):
        raise _FieldError(
            f"prints the group of fields '{value._path}' itself; name one of its fields"
        )
    if isinstance(value, list | tuple | dict):
        raise _FieldError(
            "prints a list as it is; loop over it ({% for x in ... %}) or join it (|join(', '))"
        )
    if isinstance(value, bool):
        raise _FieldError("prints a true/false value; test it with {% if ... %}")
    text = "" if value is None else one_line(str(value))
    if PLACEHOLDER in text.lower():
        raise _FieldError(
            f"would print a value that is still a placeholder ('{shown(text, 60)}'); "
            "complete the organisation profile"
        )
    table: list[str] = context[_TABLE]
    table.append(text)
    return f"{_OPEN}{len(table) - 1}{_CLOSE}"


_ENV = SandboxedEnvironment(
    undefined=_Unknown,
    autoescape=False,  # plain text: the renderer escapes for ReportLab
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=_finalize,
)


_TAGS = re.compile(r"\{%.*?%\}|\{#.*?#\}")


def _keep_line_ends(text: str) -> str:
    """A line that holds only ``{% ... %}`` tags disappears (trim_blocks);
    a line of text that ends with a tag keeps its line end (``+%}``), so the
    next line does not run into it."""
    out = []
    for line in text.split("\n"):
        end = line.rstrip()
        if end.endswith("%}") and not end.endswith(("-%}", "+%}")) and _TAGS.sub("", end).strip():
            line = end[:-2] + "+%}"
        out.append(line)
    return "\n".join(out)


@functools.lru_cache(maxsize=256)
def _compile(name: str, text: str) -> tuple[jinja2.Template, nodes.Template]:
    ast = _ENV.parse(_keep_line_ends(text), name=name)
    return _ENV.from_string(ast), ast


@dataclass(frozen=True)
class Rendered:
    subject: str
    blocks: tuple[Block, ...]


def render(source: TemplateSource, context: Mapping[str, object]) -> Rendered:
    """Fill in `source` with `context` (plain values, Fields, lists) and
    split it into blocks; DomainError naming the template for an unknown
    field, a syntax error or a markup error."""
    where = f"template {source.name}"
    try:
        template, ast = _compile(source.name, source.text)
    except jinja2.TemplateSyntaxError as e:
        raise DomainError(f"{where} has an error on line {e.lineno}: {e.message}") from None
    unknown = _first_unknown(ast, context)
    if unknown is not None:
        path, line = unknown
        raise DomainError(f"{where} uses an unknown field '{path}' (line {line} of {source.path})")
    table: list[str] = []
    try:
        text = template.render({**context, _TABLE: table})
    except _FieldError as e:
        raise DomainError(f"{where} {e.message} ({source.path})") from None
    except jinja2.exceptions.SecurityError as e:
        raise DomainError(f"{where} does something templates may not: {e}") from None
    except jinja2.UndefinedError as e:
        raise DomainError(f"{where} {e.message} ({source.path})") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as e:
        raise DomainError(f"{where} cannot be filled in: {e}") from None
    try:
        return _blocks(text, table)
    except _FieldError as e:
        raise DomainError(f"{where} {e.message} ({source.path})") from None


# -- the static check -------------------------------------------------------------


def _chain(node: nodes.Node) -> tuple[nodes.Name, list[str]] | None:
    """``a.b.c`` as (Name a, ["b", "c"]); None for anything else."""
    attrs: list[str] = []
    while isinstance(node, nodes.Getattr):
        attrs.append(node.attr)
        node = node.node
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return node, attrs[::-1]
    return None


# Names jinja2 itself provides inside loops, blocks and macros.
_SPECIAL = frozenset({"loop", "super", "self", "varargs", "kwargs", "caller"})


def _first_unknown(ast: nodes.Template, context: Mapping[str, object]) -> tuple[str, int] | None:
    """The first dotted path (in the order of the file) that names a field
    the context does not have, with its line; loop and ``set`` variables
    are left to the fill."""
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")} | {
        m.name for m in ast.find_all(nodes.Macro)
    }
    getattrs = list(ast.find_all(nodes.Getattr))
    inner = {id(g.node) for g in getattrs if isinstance(g.node, nodes.Getattr)}
    roots: set[int] = set()
    chains: list[tuple[nodes.Name, list[str]]] = []
    for g in getattrs:
        if id(g) in inner:
            continue
        c = _chain(g)
        if c is not None:
            chains.append(c)
            roots.add(id(c[0]))
    chains += [(n, []) for n in ast.find_all(nodes.Name) if n.ctx == "load" and id(n) not in roots]
    problems: list[tuple[int, str]] = []
    for name, attrs in chains:
        if name.name in assigned or name.name in _ENV.globals or name.name in _SPECIAL:
            continue
        written = ".".join([name.name, *attrs])
        if name.name not in context:
            problems.append((name.lineno, written))
            continue
        value: object = context[name.name]
        for attr in attrs:
            if isinstance(value, Fields):
                if attr not in value:
                    problems.append((name.lineno, written))
                    break
                value = value[attr]
            elif not hasattr(value, attr):
                problems.append((name.lineno, written))
                break
            else:
                break
    if not problems:
        return None
    line, path = min(problems)
    return path, line


# -- the markup ------------------------------------------------------------------


def _values(line: str, table: Sequence[str]) -> str:
    return _TOKEN.sub(lambda m: table[int(m.group(1))], line)


def _lines(text: str) -> Iterator[str]:
    for line in text.split("\n"):
        yield line.rstrip()


def _blocks(text: str, table: Sequence[str]) -> Rendered:
    """Split the filled-in text into blocks (by the template's own
    characters), then put the values in."""
    subject: str | None = None
    blocks: list[Block] = []
    para: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if para:
            joined = " ".join(p for p in (_values(x, table).strip() for x in para) if p)
            if joined:
                blocks.append(Block("paragraph", joined))
            para.clear()
        if bullets:
            items = tuple(i for i in (_values(x, table).strip() for x in bullets) if i)
            if items:
                blocks.append(Block("bullets", items=items))
            bullets.clear()

    for line in _lines(text):
        stripped = line.lstrip()
        if not stripped:
            flush()
        elif stripped.startswith("# "):
            if subject is not None:
                raise _FieldError("has two subject lines ('# ...'); a letter has one subject")
            flush()
            subject = _values(stripped[2:], table).strip()
        elif stripped.startswith("## "):
            flush()
            heading = _values(stripped[3:], table).strip()
            if heading:
                blocks.append(Block("heading", heading))
        elif stripped.startswith("- "):
            if para:
                flush()
            bullets.append(stripped[2:])
        else:
            if bullets:
                flush()
            para.append(stripped[1:] if stripped.startswith("\\") else stripped)
    flush()
    if not subject:
        raise _FieldError("has no subject line (a line starting '# ')")
    return Rendered(subject, tuple(blocks))
