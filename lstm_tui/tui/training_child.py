"""TrainingChild: ``lstm-tui train ... --events jsonl`` as a child process.

Training runs in its own process so the editor stays responsive (it also runs at a
lower priority, with one core left free) and a crash there cannot touch the
document. Events arrive as one JSON object per line; Cancel sends SIGINT, on which
the child saves a checkpoint, reports "stopped" and exits with code 130.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from .. import paths
from ..core.events import Event, decode

STOPPED_EXIT = 130  # the child's exit code after a clean, checkpointed stop


@dataclass(frozen=True)
class TrainRequest:
    paths: tuple[str, ...]  # files and folders of text
    name: str  # the new model's name
    from_model: str | None = None  # fine-tune this model (a folder or name); None: from scratch
    budget_kind: str = "minutes"  # "minutes", "epochs" or "steps"
    budget: float = 10.0
    extra: tuple[str, ...] = ()  # further options for ``lstm-tui train``, as typed
    resume: bool = False  # continue the stopped run of ``name`` instead
    from_address: str | None = None  # from mailboxes, read only what this address sent

    def arguments(self) -> list[str]:
        if self.resume:
            return ["--name", self.name, "--resume", *self.extra]
        args = [*self.paths, "--name", self.name]
        if self.from_model:
            args += ["--from", self.from_model]
        if self.from_address:
            args += ["--from-address", self.from_address]
        value = int(self.budget) if self.budget_kind == "steps" else self.budget
        return [*args, f"--{self.budget_kind}", str(value), *self.extra]


def child_environment() -> dict[str, str]:
    """The child must use the folders this process uses (tests point platformdirs
    elsewhere; on Linux XDG_* carries that over, elsewhere the defaults agree anyway)."""
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(paths.data_dir().parent)
    env["XDG_CACHE_HOME"] = str(paths.cache_dir().parent)
    env["XDG_CONFIG_HOME"] = str(paths.config_dir().parent)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def training_threads() -> int:
    """Leave a core for the editor when there are few."""
    return max(1, (os.cpu_count() or 2) - 1)


class TrainingChild:
    def __init__(self, request: TrainRequest) -> None:
        self.request = request
        self.process: asyncio.subprocess.Process | None = None
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self._stderr_task: asyncio.Task | None = None
        self.listening = False  # the child has said something, so it handles SIGINT by now
        self.ended_early = False  # cancelled before that: ended, with nothing to save

    @property
    def threads(self) -> int:
        """The CPU threads the child trains with: --threads if given, else training_threads()."""
        extra = list(self.request.extra)
        if "--threads" in extra[:-1] and extra[extra.index("--threads") + 1].isdigit():
            return int(extra[extra.index("--threads") + 1])
        return training_threads()

    def command(self) -> list[str]:
        threads: Sequence[str] = () if "--threads" in self.request.extra else ("--threads", str(self.threads))
        return [sys.executable, "-m", "lstm_tui", "train", *self.request.arguments(), *threads,
                "--events", "jsonl"]

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command(), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=child_environment(), limit=1 << 20)
        if hasattr(os, "setpriority"):
            try:  # a lower priority: typing comes first
                os.setpriority(os.PRIO_PROCESS, self.process.pid, 10)
            except OSError:
                pass
        self._stderr_task = asyncio.create_task(self._read_stderr())

    async def _read_stderr(self) -> None:
        assert self.process and self.process.stderr
        async for line in self.process.stderr:
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip())

    async def events(self) -> AsyncIterator[Event]:
        """The child's events, in order, until its stdout closes (a line that is not
        one comes as a log line: core.events.decode)."""
        assert self.process and self.process.stdout
        async for raw in self.process.stdout:
            self.listening = True  # it prints nothing before it handles SIGINT (train_cli.run_train)
            line = raw.decode("utf-8", "replace").strip()
            if line:
                yield decode(line)

    async def wait(self) -> int:
        assert self.process
        code = await self.process.wait()
        if self._stderr_task:
            await self._stderr_task
        return code

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def cancel(self) -> None:
        """Ask the child to stop after this step and save a checkpoint. Until it has
        said anything it is still importing torch: it does not handle SIGINT yet (and
        inherits it ignored where its parent ignores it, so a run cancelled in its first
        seconds trained on for its whole budget), and has nothing to save: it is ended."""
        if not self.running:
            return
        assert self.process
        if self.listening:
            self.process.send_signal(signal.SIGINT)
        else:
            self.ended_early = True
            self.process.terminate()
