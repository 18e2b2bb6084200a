"""Console progress for ``python -m pipelines run``: one line per asset and per failed check."""

import logging
import sys
import time

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None):
        super().__init__(level=logging.DEBUG)
        self.stream = stream or sys.stdout
        self.step_started: dict[str, float] = {}
        self.checks_passed = 0
        self.checks_failed: list[str] = []

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            if record.levelno >= logging.WARNING:
                self._print(f"  ! {step}: {meta.get('orig_message', record.getMessage())}")
            return
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.step_started[step] = time.monotonic()
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = ".".join(materialization.asset_key.path)
            if materialization.partition:
                key += f"[{materialization.partition}]"
            rows = materialization.metadata.get("dagster/row_count")
            took = time.monotonic() - self.step_started.get(step, time.monotonic())
            rows_text = f"{rows.value:>9,} rows" if rows is not None else " " * 14
            line = f"  built   {key:<60} {rows_text}  {took:6.2f}s"
            mode = materialization.metadata.get("mode")  # a table refreshed incrementally or rebuilt
            if mode is not None:
                line += f"  {mode.value}"
                inserted, deleted = (materialization.metadata.get(k) for k in ("rows_inserted", "rows_deleted"))
                if mode.value == "incremental" and inserted is not None and deleted is not None:
                    line += f": +{inserted.value:,} -{deleted.value:,} rows"
            self._print(line)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            name = f"{'.'.join(evaluation.asset_key.path)}:{evaluation.check_name}"
            if evaluation.passed:
                self.checks_passed += 1
            else:
                self.checks_failed.append(name)
                severity = evaluation.severity.value
                count = evaluation.metadata.get("unexpected_count")
                sample = evaluation.metadata.get("unexpected_sample")
                detail = f"{count.value} failing" if count is not None else ""
                if sample is not None and sample.value:
                    detail += f", e.g. {', '.join(map(str, sample.value[:3]))}"
                self._print(f"  CHECK {severity:<5} {name} failed: {detail}")
        elif kind == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            while error is not None and error.cause is not None:  # the user's exception, not Dagster's wrapper
                error = error.cause
            message = error.message.strip() if error else "failed"
            self._print(f"  FAILED  {step}: {message}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._print(f"  skipped {step} (an upstream asset failed or a blocking check failed)")


def progress_logger(handler: ProgressHandler) -> dg.LoggerDefinition:
    @dg.logger(description="One line per built asset and per failed check.")
    def _progress(_init_context) -> logging.Logger:
        log = logging.getLogger("pipelines.engine.progress")
        log.setLevel(logging.DEBUG)
        log.propagate = False
        log.handlers = [handler]
        return log

    return _progress
