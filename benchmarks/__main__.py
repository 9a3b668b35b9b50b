"""Run every benchmark module, print one table each, write ``benchmarks/results/latest.json``.

A benchmark module is ``benchmarks/bench_*.py`` with ``run(quick: bool) -> list[dict]``:
each dict is one row (same keys within a module); the first key names the row.
``--quick`` shrinks the sizes for a smoke run (the test suite uses it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchmarks

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _format_table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"## {title}\n(no rows)\n"
    headers = list(rows[0].keys())
    cells = [[_fmt(row.get(h)) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells
    )
    return f"## {title}\n{line}\n{rule}\n{body}\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    return "" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", help="run only benchmark modules whose name contains this")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "latest.json")
    args = parser.parse_args(argv)

    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    if args.only:
        names = [n for n in names if args.only in n]
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
        "benchmarks": {},
    }
    failed = False
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        title = (module.__doc__ or name).strip().splitlines()[0]
        started = time.perf_counter()
        try:
            rows = module.run(quick=args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            failed = True
            print(f"## {title}\nFAILED: {exc!r}\n", file=sys.stderr)
            continue
        report["benchmarks"][name] = {"title": title, "rows": rows}
        print(_format_table(title, rows))
        print(f"({name}: {time.perf_counter() - started:.1f} s)\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
