"""Evidence-locker benchmark: encrypted storing and verified reading against
a plain copy loop of the same file.

    .venv/bin/python bench/bench_locker.py [--sizes 20,200] [--reps 3]

For each size (MB, smallest first) a file of random bytes is written to a
temporary folder, then, in the same run and on the same file:

1. plain: a chunked read-and-write loop (1 MiB chunks, as the locker's),
   fsync and rename, the cost of copying the file at all;
2. `Locker.put`: encrypt (AES-256-GCM chunks), keyed address (HMAC-SHA256),
   fsync and rename into the locker;
3. `Locker.export`: decrypt, verify every chunk and the address, fsync and
   rename to a new file (read-and-verify);
4. verify only: decrypt and check into /dev/null (what a check of the
   whole locker costs per file).

Each is timed `--reps` times (the stored file is removed between puts, so
that no put is a deduplicated one) and MB/s is printed with the ratio to
the plain loop (aim: at least 0.4x). Then each runs once more under
tracemalloc for its peak of Python allocations, and the process's
ru_maxrss is read after each size: if memory stays flat, the 200 MB run
peaks no higher than the 20 MB one.

Numbers only: nothing here asserts a timing. A table, the machine, and a
JSON copy in bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cryptography
from benchlib import save_results, workdir

from conneqt_dpo.store.crypto import DEFAULT_CHUNK, Subkeys, decrypt_stream, new_master_key
from conneqt_dpo.store.locker import Locker

MIB = 1024 * 1024
AIM = 0.4


def make_file(path: Path, mb: int) -> None:
    """Random bytes (nothing compresses or repeats), written a MiB at a time."""
    with path.open("wb") as f:
        for _ in range(mb):
            f.write(os.urandom(MIB))
        f.flush()
        os.fsync(f.fileno())


def plain_copy(src: Path, target: Path) -> None:
    """The baseline: what any program storing the file must do anyway."""
    tmp = target.with_name(target.name + ".partial")
    with src.open("rb") as fin, tmp.open("wb") as fout:
        while chunk := fin.read(DEFAULT_CHUNK):
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, target)


def _timed(run: Callable[[], object], reps: int, reset: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(reps):
        reset()
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    reset()
    return samples


def _peak(run: Callable[[], object], reset: Callable[[], object]) -> int:
    reset()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        reset()


def _maxrss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (MIB if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux


def bench_size(
    work: Path, mb: int, reps: int, keys: Subkeys, *, keep: bool = False
) -> dict[str, Any]:
    folder = work / f"{mb}mb"
    folder.mkdir()
    src = folder / "scan.bin"
    make_file(src, mb)
    locker = Locker(folder / "locker", keys, max_bytes=(mb + 1) * MIB)
    copy = folder / "copy.bin"
    exported = folder / "exported.bin"

    def drop_copy() -> None:
        copy.unlink(missing_ok=True)

    def drop_exported() -> None:
        exported.unlink(missing_ok=True)

    stored = locker.put(src)
    address = stored.address

    def drop_blob() -> None:
        locker.remove(address)

    def put() -> None:
        locker.put(src)

    def restore_blob() -> None:
        if not locker.exists(address):
            locker.put(src)

    def export() -> None:
        locker.export(address, exported, name="scan.bin")

    def reset_export() -> None:
        restore_blob()
        drop_exported()

    def verify() -> None:
        with locker.path_of(address).open("rb") as f, open(os.devnull, "wb") as sink:
            decrypt_stream(
                keys.files,
                f,
                sink,
                name="scan.bin",
                address_key=keys.address,
                expect_address=address,
            )

    ops: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "plain": (lambda: plain_copy(src, copy), drop_copy),
        "put": (put, drop_blob),
        "export": (export, reset_export),
        "verify": (verify, restore_blob),
    }
    out: dict[str, Any] = {"mb": mb}
    # Interleaved rounds, so that a slow moment of the machine (another
    # process, the page cache writing back) falls on every operation alike.
    samples: dict[str, list[float]] = {k: [] for k in ops}
    for _ in range(reps):
        for name, (run, reset) in ops.items():
            samples[name] += _timed(run, 1, reset)
    for name, (run, reset) in ops.items():
        best = min(samples[name])
        out[name] = {
            "best_s": best,
            "median_s": statistics.median(samples[name]),
            "samples_s": samples[name],
            "mb_per_s": mb / best,
            "tracemalloc_peak_bytes": _peak(run, reset),
        }
    plain = out["plain"]["mb_per_s"]
    for name in ("put", "export", "verify"):
        out[name]["ratio_to_plain"] = out[name]["mb_per_s"] / plain
    out["ru_maxrss_mib_after"] = _maxrss_mib()
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def machine() -> dict[str, Any]:
    cpu_model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    flags = ""
    with contextlib.suppress(OSError):
        flags = Path("/proc/cpuinfo").read_text()
    return {
        "python": sys.version.split()[0],
        "cryptography": cryptography.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "aes_ni": (" aes " in flags) if flags else None,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


LABELS = {
    "plain": "plain read+write loop",
    "put": "Locker.put (encrypt+store)",
    "export": "Locker.export (read+verify)",
    "verify": "verify only (to /dev/null)",
}


def print_size(r: dict[str, Any]) -> None:
    print(f"\n{r['mb']} MB file")
    print(f"   {'':30}{'best s':>9}{'median s':>10}{'MB/s':>9}{'vs plain':>10}{'py peak':>11}")
    for key, label in LABELS.items():
        x = r[key]
        ratio = f"{x['ratio_to_plain']:.2f}x" if "ratio_to_plain" in x else ""
        print(
            f"   {label:30}{x['best_s']:9.3f}{x['median_s']:10.3f}{x['mb_per_s']:9.0f}"
            f"{ratio:>10}{x['tracemalloc_peak_bytes'] / MIB:8.1f} MiB"
        )
    print(f"   process max RSS so far: {r['ru_maxrss_mib_after']:.0f} MiB")


def print_summary(result: dict[str, Any]) -> None:
    runs = result["sizes"]
    print("\nSummary")
    big = runs[-1]
    for key in ("put", "export"):
        ratio = big[key]["ratio_to_plain"]
        verdict = "meets" if ratio >= AIM else "below"
        print(f"   {LABELS[key]:30} {ratio:.2f}x the plain loop ({verdict} the {AIM}x aim)")
    if len(runs) > 1:
        small = runs[0]
        for key in ("put", "export", "verify"):
            a = small[key]["tracemalloc_peak_bytes"] / MIB
            b = big[key]["tracemalloc_peak_bytes"] / MIB
            print(
                f"   {LABELS[key]:30} Python peak {a:.1f} MiB at {small['mb']} MB, "
                f"{b:.1f} MiB at {big['mb']} MB"
            )
        print(
            f"   max RSS after {small['mb']} MB: {small['ru_maxrss_mib_after']:.0f} MiB, "
            f"after {big['mb']} MB: {big['ru_maxrss_mib_after']:.0f} MiB"
        )
    m = result["machine"]
    print(f"   machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['platform']}")
    print(f"   total run: {result['total_s']:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--sizes",
        default="20,200",
        help="file sizes in MB, comma-separated, run smallest first (default 20,200)",
    )
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions per operation")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = ap.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    started = time.perf_counter()
    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "machine": machine(),
        "ru_maxrss_mib_at_start": _maxrss_mib(),
    }
    m = result["machine"]
    print(
        f"conneqt-dpo locker bench: Python {m['python']}, cryptography {m['cryptography']}, "
        f"{m['cpu_count']} CPUs, AES-NI {m['aes_ni']}; sizes {sizes} MB, --reps {args.reps}",
        flush=True,
    )
    print(f"   process max RSS at start: {result['ru_maxrss_mib_at_start']:.0f} MiB")
    keys = Subkeys.from_master(new_master_key())
    with workdir("conneqt-bench-locker-", args.keep) as work:
        result["sizes"] = []
        for mb in sizes:
            print(f"\n  {mb} MB: writing the file, then timing ...", flush=True)
            r = bench_size(work, mb, args.reps, keys, keep=args.keep)
            result["sizes"].append(r)
            print_size(r)
        if args.keep:
            print(f"\n  files kept in {work}")
    result["total_s"] = time.perf_counter() - started
    print_summary(result)

    if not args.no_json:
        save_results("locker", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
