"""The embedded host: the whole detector in one process, no Kafka. Same detector code as the Faust agents."""
from __future__ import annotations

import time
from typing import Callable

from .contract import Post, PostParser, Reject
from .detection import Detection, clean, future_reject, reject_of
from .ordering import FutureGuard
from .pseudonym import Pseudonymizer


def make_tokenizer(config) -> Callable[[str], list[str]]:
    from groundswell.detectors.text.segment import Tokenizer
    tok = Tokenizer(stem_english=config.text.stem_english, fold_accents=config.text.fold_accents,
                    segmenter=config.text.segmenter, max_tokens=config.text.max_tokens)
    return tok.tokens


class EmbeddedRunner:
    """Feeds raw input lines through parsing and the detector, calling back with rejects, assignments, alerts."""

    def __init__(self, config, *, pseudonymizer: Pseudonymizer, tokenize: Callable[[str], list[str]] | None = None,
                 on_alert: Callable[[dict], None] = lambda a: None,
                 on_assignment: Callable[[str, str | None], None] = lambda pid, iid: None,
                 on_reject: Callable[[Reject, str, int], None] = lambda r, src, line: None,
                 on_time: Callable[[float], None] | None = None, metrics=None):
        self.config = config
        self.parser = PostParser(pseudonymizer=pseudonymizer, max_text_chars=config.input.max_text_chars,
                                 max_line_bytes=config.input.max_line_bytes, min_year=config.input.min_year,
                                 max_year=config.input.max_year)
        self.tokenize = tokenize or make_tokenizer(config)
        self._max_tokens = config.text.max_tokens
        self.detection = Detection(config)
        # posts dated far ahead of the stream wait until later posts bear them out, else are rejected (future)
        self.guard = FutureGuard(config.event_time.max_future_s, hold=True)
        self.on_alert, self.on_assignment, self.on_reject = on_alert, on_assignment, on_reject
        self.on_time = on_time   # event-time listener (e.g. alert delivery timers)
        self.metrics = metrics
        self.accepted = 0
        self.rejected = 0
        self.alerts = 0

    @property
    def detector(self):
        """The detector of the whole stream (``sharding.by: none``)."""
        return self.detection.detector("")

    def process_line(self, raw: bytes | str, source: str = "-", line_no: int = 0) -> None:
        item = self.parser.parse(raw)
        if isinstance(item, Reject):
            self.reject(item, source, line_no)
            return
        self.process_post(item, source, line_no)

    def reject(self, r: Reject, source: str = "-", line_no: int = 0) -> None:
        """Count and report one rejected line (also used by the host for input it could not read)."""
        self.rejected += 1
        if self.metrics:
            self.metrics.posts.labels("rejected").inc()
            self.metrics.rejected.labels(r.reason).inc()
        self.on_reject(r, source, line_no)

    def process_post(self, post: Post, source: str = "-", line_no: int = 0) -> None:
        c = clean(post, self.tokenize, self._max_tokens)
        c["_at"] = (source, line_no)        # where it came from, for a reject decided later (not passed on)
        use, future = self.guard.offer(0, post.t, c)
        for c in future:
            self._reject_post(future_reject(c, self.guard.max_future_s), c)
        for c in use:
            self._use(c)

    def _use(self, c: dict) -> None:
        m = self.metrics
        t0 = time.perf_counter() if m else 0.0
        at = c.pop("_at", None)
        out = self.detection.offer(0, c)
        if out and out[0][0] in ("late", "duplicate_id"):      # this post itself was refused
            self._reject_post(reject_of(out[0][0], c, self.detection), c, at)
            return
        self.accepted += 1
        self._dispatch(out)
        t = c["t"]
        if self.on_time is not None:
            self.on_time(t)
        if m:
            m.processing.observe(time.perf_counter() - t0)
            m.posts.labels("accepted").inc()
            m.event_time_lag.set(time.time() - t)
            if self.accepted % 256 == 0:
                m.issues_active.set(sum(len(d.issues) for d in self.detection.detectors.values()))
                m.candidates_active.set(sum(len(d.clusterer) for d in self.detection.detectors.values()))

    def _reject_post(self, r: Reject, c: dict, at: tuple | None = None) -> None:
        source, line_no = at or c.pop("_at", None) or ("-", 0)
        self.reject(r, source, line_no)

    def finish(self) -> None:
        """End of a finite input: use or reject the posts held for their time, release the posts held for
        ordering, and report the final issue of every post whose cluster merged since it was read."""
        use, future = self.guard.flush()
        for c in future:
            self._reject_post(future_reject(c, self.guard.max_future_s), c)
        for c in use:
            self._use(c)
        self._dispatch(self.detection.finish())

    def _dispatch(self, out: list) -> None:
        for kind, v in out:
            if kind == "assignment":
                self.on_assignment(*v)
            elif kind == "alert":
                self._alert(v)
            else:   # a held post released later cannot be refused: Detection refuses only the post offered
                raise AssertionError(f"unexpected detector output {kind}")

    def _alert(self, a: dict) -> None:
        self.alerts += 1
        if self.metrics:
            self.metrics.alerts.labels(a["status"], a["severity"]).inc()
        self.on_alert(a)
