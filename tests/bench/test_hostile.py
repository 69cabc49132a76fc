"""bench.hostile in miniature, so that it cannot rot: 10 slow-body clients and a burst of 10 fast
writes against a live server for a few seconds, judged by what the bench reports."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.hostile import printed, seeded, slow_bodies, staged


def test_slow_bodies_leave_every_fast_write_answered_and_no_worker_restarted(
    database_url: str, tmp_path: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(1, mp_context=context) as canaries,
        seeded(database_url) as (runtime, tenants),
        staged(database_url, tenants, runtime, canaries, tmp_path / "serve.log", {}) as stage,
    ):
        report = asyncio.run(slow_bodies(stage, 3.0, slow=10, fast=10))
    slow, fast = report.tallies.values()
    assert (slow.tried, slow.failed) == (10, 0)
    assert fast.tried == 10 and fast.statuses == {200: 10}
    assert (report.restarts, report.timeouts) == (0, 0)
    assert report.rows.acknowledged == 10
    assert (report.rows.lost, report.rows.doubled) == (0, 0)
    assert all(status == 200 for _, _, status in report.samples)
    assert len(printed(report)) >= 6
