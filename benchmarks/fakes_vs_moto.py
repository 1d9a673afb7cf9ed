"""Service tests on the in-memory fakes against the same tests on moto: how much faster.

Runs every scenario of tests/service/scenarios.py (ported from the moto integration tests, same
assertions) once on the fakes (tests/fakes.py) and once on the real adapters over the embedded
moto stack, and prints the time of each and the ratio. Only the scenario is timed: the moto stack
is started (and the fake context built) before the clock starts, so the ratio is the adapters'.
Figures printed, never asserted.

Run: .venv/bin/python benchmarks/fakes_vs_moto.py [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers/mahnwerk"), str(ROOT / "infra")]

from mahnwerk_local.stack import LocalStack  # noqa: E402
from tests.service.harness import SETTINGS, Harness, fake  # noqa: E402
from tests.service.scenarios import SCENARIOS  # noqa: E402


@contextmanager
def on_moto() -> Iterator[Harness]:
    """A harness on the real adapters over a fresh moto stack (started before it is yielded)."""
    with LocalStack() as stack:
        stack.verify_sender(SETTINGS["sender_email"])
        queue_url = stack.functions["NoticeFunction"].queue_url
        sqs = stack.client("sqs")

        def take() -> list[dict[str, Any]]:
            taken: list[dict[str, Any]] = []
            while True:
                found = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=0).get("Messages", [])
                if not found:
                    return taken
                for message in found:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                    taken.append(json.loads(message["Body"]))

        with stack.service_context("NoticeFunction") as ctx:
            yield Harness(ctx, stack.sent_emails, take)


@contextmanager
def on_fakes() -> Iterator[Harness]:
    yield fake()


def timed(scenario: Callable[[Harness], None], backend: Callable[[], Any]) -> float:
    with backend() as harness:
        started = time.perf_counter()
        scenario(harness)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each scenario per backend")
    args = parser.parse_args()
    timed(SCENARIOS[0], on_fakes)  # warm up: imports, fonts, the first PDF
    print(f"{'scenario':<66} {'moto s':>8} {'fakes s':>8} {'ratio':>7}")
    total_moto = total_fake = 0.0
    for scenario in SCENARIOS:
        moto = min(timed(scenario, on_moto) for _ in range(args.rounds))
        fakes = min(timed(scenario, on_fakes) for _ in range(args.rounds))
        total_moto += moto
        total_fake += fakes
        print(f"{scenario.__name__:<66} {moto:8.3f} {fakes:8.3f} {moto / fakes:6.1f}×")
    print(f"{'all scenarios':<66} {total_moto:8.3f} {total_fake:8.3f} "
          f"{total_moto / total_fake:6.1f}×")
    print(f"service scenarios, fakes vs moto: {total_moto / total_fake:.1f}× faster (target ≥ 5)")


if __name__ == "__main__":
    main()
