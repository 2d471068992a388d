"""Letter PDFs per second: a two-page access response (GDPR Art. 15 shape:
letterhead, addressee, eight headed sections with lists, signature) rendered
by `render_pdf` on one core.

Run: .venv/bin/python bench/bench_letters.py [--letters N] [--reps R].
Prints the first letter of the process (ReportLab's import, the fonts'
registration and the first layout: what the first "Draft letter" costs),
then warm letters per second, best and median of R runs of N letters; the
aim (DESIGN.md, issue 7) is at least 20 per second on one core, 100 ms for
one letter. Also timed: the first letter that needs the CJK fallback font
(parsed on first use). Nothing here is asserted."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from conneqt_dpo.outputs.letters.document import Block, LetterDoc
from conneqt_dpo.outputs.letters.pdf import render, render_pdf

AIM_PER_S = 20.0


def access_response(addressee: str = "Ms Eleni Papadopoulou") -> LetterDoc:
    def p(text: str) -> Block:
        return Block("paragraph", text)

    def h(text: str) -> Block:
        return Block("heading", text)

    def b(*items: str) -> Block:
        return Block("bullets", items=items)

    blocks = (
        p(f"Dear {addressee},"),
        p("Thank you for your request of 2 November 2026 for access to the personal data that "
          "CONNEQT LLC holds about you. We have verified your identity and searched the systems "
          "in which your data was found: the customer database, the support ticket system and "
          "the marketing platform. This letter lists what those systems hold."),
        p("A copy of your personal data is enclosed (access-DSR-2026-00042.zip), in a "
          "structured, commonly used and machine-readable format (CSV and JSON)."),
        h("1. Purposes of the processing (Art. 15(1)(a))"),
        b("Providing and administering your account (contract, Art. 6(1)(b)).",
          "Answering your support requests (legitimate interests, Art. 6(1)(f)).",
          "Sending you marketing emails, where you agreed (consent, Art. 6(1)(a))."),
        h("2. Categories of personal data (Art. 15(1)(b))"),
        b("Identifiers: name, email address, postal address, telephone number.",
          "Commercial information: products purchased, invoices and payment history.",
          "Internet activity: log-in times, pages visited, device and browser type.",
          "Correspondence: the content of your support tickets and our replies."),
        h("3. Recipients (Art. 15(1)(c))"),
        p("Our service providers, under contract: cloud hosting (Amazon Web Services, Ireland), "
          "email delivery (United States) and our payment processor. Transfers outside the EEA "
          "are described in section 8."),
        h("4. Retention (Art. 15(1)(d))"),
        p("Account data: while your account is open and six years after it closes. Support "
          "tickets: three years after they are closed. Marketing data: until you withdraw "
          "your consent."),
        h("5. Your rights (Art. 15(1)(e))"),
        p("You may ask us to correct inaccurate data, to erase your data, to restrict its "
          "processing and to object to processing based on our legitimate interests. You may "
          "withdraw your consent to marketing at any time."),
        h("6. Your right to complain (Art. 15(1)(f))"),
        p("You may lodge a complaint with a supervisory authority, in particular in the member "
          "state of your habitual residence, place of work or of an alleged infringement: in "
          "Greece the Hellenic Data Protection Authority (Kifisias 1-3, 115 23 Athens)."),
        h("7. Source (Art. 15(1)(g)) and automated decisions (Art. 15(1)(h))"),
        p("You provided the data when you created your account and used our services, or our "
          "systems generated it as you used them. We make no decisions based solely on "
          "automated processing, including profiling, that affect you legally or similarly."),
        h("8. Transfers outside the EEA (Art. 15(2))"),
        p("For the United States we rely on the EU-U.S. Data Privacy Framework for certified "
          "recipients and otherwise on the Commission's standard contractual clauses "
          "(Decision 2021/914), with supplementary measures where needed."),
        p("If you have any questions, please contact me quoting our reference DSR-2026-00042."),
        p("Yours sincerely,"),
    )  # fmt: skip
    return LetterDoc(
        kind="access-response",
        regime="eu-gdpr",
        reference="DSR-2026-00042",
        date="25 November 2026",
        sender=("CONNEQT LLC", "1 Las Olas Boulevard, Suite 1200",
                "Fort Lauderdale, FL 33301, United States", "privacy@conneqt.example"),
        addressee=(addressee, "Odos Ermou 12", "105 63 Athens", "Greece"),
        subject="Your request for access to your personal data (GDPR Art. 15)",
        blocks=blocks,
        signature=("Jordan Avery", "Data Protection Officer", "dpo@conneqt.example"),
        title="Access response DSR-2026-00042",
        author="Jordan Avery, Data Protection Officer",
        template="access-response.eu-gdpr.txt v3",
    )  # fmt: skip


def one_core() -> str:
    """Pin the process to one CPU where the OS allows it (Linux)."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--letters", type=int, default=100, help="letters per timed run")
    p.add_argument("--reps", type=int, default=3, help="timed runs")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/")
    args = p.parse_args()
    pinned = one_core()
    doc = access_response()
    print(f"python {sys.version.split()[0]}, {platform.machine()}, {pinned}")

    cold_loaded = "reportlab" in sys.modules
    t0 = time.perf_counter()
    first = render(doc)
    first_s = time.perf_counter() - t0
    print(f"first letter of the process (imports ReportLab, registers the fonts): "
          f"{first_s * 1000:.0f} ms{' (ReportLab was already loaded)' if cold_loaded else ''}; "
          f"{first.pages} pages, {len(first.pdf) / 1024:.0f} KiB")  # fmt: skip

    runs, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.letters):
            render_pdf(doc)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best, median = min(runs), statistics.median(runs)
    per_s, median_per_s = args.letters / best, args.letters / median
    cpu_per_s = args.letters / min(cpu)
    print(f"warm: {args.letters} letters x {args.reps} runs: best {per_s:.1f}/s "
          f"({best / args.letters * 1000:.1f} ms each), median {median_per_s:.1f}/s; "
          f"{cpu_per_s:.1f} per CPU second  [aim: >= {AIM_PER_S:.0f}/s]")  # fmt: skip
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.1f}: a busy machine lowers the rate per second")

    t0 = time.perf_counter()
    render(access_response("王小明 (Wang Xiaoming)"))
    cjk_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    render(access_response("山田太郎 (Yamada Taro)"))
    cjk_warm_s = time.perf_counter() - t0
    print(f"first letter with a CJK name (parses the fallback font): {cjk_s * 1000:.0f} ms; "
          f"the next: {cjk_warm_s * 1000:.0f} ms")  # fmt: skip

    if not args.no_json:
        out = Path(__file__).resolve().parent / "results"
        out.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        result = {"python": sys.version.split()[0], "pinned": pinned,
                  "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
                  "pages": first.pages, "first_letter_s": first_s, "letters": args.letters,
                  "runs_s": runs, "cpu_s": cpu, "best_per_s": per_s, "cpu_per_s": cpu_per_s,
                  "median_per_s": median_per_s,
                  "aim_per_s": AIM_PER_S, "first_cjk_letter_s": cjk_s}  # fmt: skip
        (out / f"letters-{stamp}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
