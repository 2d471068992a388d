"""A case as HTML (the case tab's body until the full case view replaces
it). Every value is escaped: names, emails and notes are typed by (or for)
the requester."""

from __future__ import annotations

import html

from conneqt_dpo.store.views import CaseDetail


def detail_html(c: CaseDetail) -> str:
    """The case as HTML for the detail pane. Every value is escaped: names,
    emails and notes are typed by (or for) the requester."""
    r = c.row
    e = html.escape

    def line(label: str, value: object) -> str:
        return (
            f"<tr><td style='padding-right:12px'><b>{e(label)}</b></td>"
            f"<td>{e(str(value))}</td></tr>"
        )

    rows = [
        line("Regime / right", f"{r.regime} / {r.right}"),
        line("State", f"{r.state} (clock {r.clock_state})"),
        line("Requester", r.requester_name),
        line("Email", r.requester_email or "—"),
    ]
    if c.requester_phone:
        rows.append(line("Phone", c.requester_phone))
    if c.agent_name:
        rows.append(line("Agent", c.agent_name))
    rows += [
        line("Channel", r.channel),
        line("Received", r.received.isoformat()),
        line("Due", r.due.isoformat() if r.due else "—"),
        line("Internal target", r.target.isoformat() if r.target else "—"),
    ]
    if c.status:
        rows.append(line("Deadline", c.status))
    rows.append(line("Assignee", r.assignee or "—"))
    if c.group_references:
        rows.append(line("Same request", ", ".join(c.group_references)))
    parts = [f"<h2>{e(r.reference)}</h2><table cellspacing='2'>{''.join(rows)}</table>"]
    if c.explanation:
        steps = "".join(f"<li>{e(s)}</li>" for s in c.explanation)
        parts.append(f"<h3>Why this date</h3><ol>{steps}</ol>")
    events = "".join(
        f"<li>{e(ev.on.isoformat())} {e(ev.kind)}{e(f' ({ev.reason})' if ev.reason else '')}</li>"
        for ev in c.events
    )
    parts.append(f"<h3>Clock events</h3><ul>{events}</ul>")
    if c.notes:
        notes = "".join(
            f"<li>{e(n.author)}: {e(n.text).replace(chr(10), '<br>')}</li>" for n in c.notes
        )
        parts.append(f"<h3>Notes</h3><ul>{notes}</ul>")
    return "".join(parts)
