"""`groundswell run`: files or stdin through the embedded host, writing alerts, assignments and rejects."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from .contract import Reject
from .embedded import EmbeddedRunner
from .jsonl import JsonlWriter
from .pseudonym import Pseudonymizer
from .sources import ByteCounter, iter_lines, total_bytes


@dataclass
class RunSummary:
    accepted: int
    rejected: int
    alerts: int
    seconds: float
    corrupt_inputs: int = 0

    def line(self) -> str:
        rate = self.accepted / self.seconds if self.seconds > 0 else 0.0
        broken = (f"; {self.corrupt_inputs} input(s) broken off early (corrupt_input in the rejects)"
                  if self.corrupt_inputs else "")
        return (f"{self.accepted} posts accepted, {self.rejected} rejected, {self.alerts} alert records "
                f"in {self.seconds:.1f} s ({rate:,.0f} posts/s){broken}")


def run_files(paths: list[str], config, *, alerts_out: str, assignments_out: str | None = None,
              rejects_out: str | None = None, progress: bool | None = None,
              pseudonymizer: Pseudonymizer | None = None, on_alert: Callable[[dict], None] | None = None,
              metrics=None, tokenize=None, on_time: Callable[[float], None] | None = None) -> RunSummary:
    import time
    pseudonymizer = pseudonymizer or Pseudonymizer.from_env()
    t0 = time.perf_counter()
    with JsonlWriter(alerts_out, flush_each=True) as alerts, JsonlWriter(assignments_out) as assigns, \
            JsonlWriter(rejects_out) as rejects:
        def alert(a: dict) -> None:
            alerts.write(a)
            if on_alert:
                on_alert(a)

        def reject(r: Reject, src: str, line_no: int) -> None:
            rejects.write(r.to_json(source=src, line_no=line_no))

        runner = EmbeddedRunner(config, pseudonymizer=pseudonymizer, tokenize=tokenize, on_alert=alert,
                                on_assignment=lambda pid, iid: assigns.write({"post_id": pid, "issue_id": iid}),
                                on_reject=reject, on_time=on_time, metrics=metrics)
        counter = ByteCounter()
        broken: list[str] = []

        def unreadable(src: str, line_no: int, detail: str) -> None:
            # a corrupt compressed file: what came before the break was used; say where it broke and go on
            broken.append(src)
            print(f"groundswell: {src}: {detail}", file=sys.stderr)
            runner.reject(Reject("corrupt_input", detail, ""), src, line_no)

        lines = iter_lines(paths, max_line_bytes=config.input.max_line_bytes, counter=counter, on_error=unreadable)
        if progress is None:
            progress = sys.stderr.isatty() and "-" not in paths
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=total_bytes(paths), unit="B", unit_scale=True, desc="posts", file=sys.stderr)
        done = 0
        for src, line_no, raw in lines:
            runner.process_line(raw, src, line_no)
            if bar is not None and (runner.accepted + runner.rejected) % 2048 == 0:
                bar.update(counter.position - done)
                done = counter.position
        runner.finish()
        if bar is not None:
            bar.update(counter.position - done)
            bar.close()
    return RunSummary(runner.accepted, runner.rejected, runner.alerts, time.perf_counter() - t0, len(broken))
