"""Benchmark: the dispatch bulletin (Word + Excel with charts) for 315 and 20,000 projects.

Run from the repository root:

    .venv/bin/python bench/bench_bulletin.py                      # temporary SQLite files
    XF_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bulletin_bench \\
        .venv/bin/python bench/bench_bulletin.py

For each size the script makes a fresh database (PostgreSQL: the one named in the URL — its
name must contain "bench", it is dropped at the end; SQLite: a temporary file), bulk-inserts a
2024 programme and its January–November reports (``bench/_dispatch_data.py``) and times the
dispatcher's one click, ``bulletin_generate``: the statistics, the problems section, three charts
rendered with matplotlib, the .docx and the .xlsx, stored under a temporary MEDIA_ROOT with its
``Bulletin`` row and audit record. The first run of a process also pays for importing matplotlib
and loading the bundled font ("cold"); the median of the next runs is the steady figure. Targets:
≤ 3 s for 315 projects, ≤ 30 s for 20,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import _dispatch_data as data  # noqa: E402

TARGETS = {315: 3.0, 20_000: 30.0}


def child(projects: int, runs: int) -> int:
    """One size in its own process (a fresh Django, a cold matplotlib)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    os.environ.setdefault("XF_TODAY", "2024-12-06")
    os.environ["XF_DEBUG"] = "0"
    vendor, name = data.prepare_database()
    media = tempfile.mkdtemp(prefix="xianfeng-bench-media-")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.MEDIA_ROOT = media
        from xianfeng.dispatch.bulletin import bulletin_generate

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        world = data.populate(projects)
        data.analyse()
        setup = time.perf_counter() - started
        period = world["periods"][-1]
        times = []
        sizes = (0, 0)
        for _ in range(runs):
            start = time.perf_counter()
            item = bulletin_generate(actor=world["dispatcher"], period=period)
            times.append(time.perf_counter() - start)
            sizes = (item.docx.size, item.xlsx.size)
        cold, warm = times[0], statistics.median(times[1:]) if len(times) > 1 else times[0]
        target = TARGETS.get(projects)
        verdict = "" if target is None else ("ok" if max(cold, warm) <= target else "OVER")
        print(
            f"{vendor:<10} {projects:>7,} projects {world['reports']:>8,} reports  "
            f"cold {cold:6.2f} s  warm {warm:6.2f} s  "
            f"docx {sizes[0] / 1024:6.0f} KB  xlsx {sizes[1] / 1024:6.0f} KB  "
            f"target ≤ {target:g} s  {verdict}   (data loaded in {setup:.0f} s)"
        )
        return 0
    finally:
        import shutil

        shutil.rmtree(media, ignore_errors=True)
        data.drop_database(vendor, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="315,20000", help="comma-separated numbers of projects")
    parser.add_argument("--runs", type=int, default=4, help="bulletins per size (the first is cold)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.runs)
    print("the dispatcher's one click: statistics + problems + 3 charts + .docx + .xlsx, stored")
    status = 0
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--runs", str(args.runs)], check=False
        )
        status = status or result.returncode
    print("targets: ≤ 3 s for 315 projects, ≤ 30 s for 20,000 (cold = first bulletin of a fresh process)")
    return status


if __name__ == "__main__":
    sys.exit(main())
