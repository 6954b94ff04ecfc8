"""Live reload: a new fact base is loaded in the background and swapped in whole, or not at all."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.curation import load_layered
from bot.factbase import EVAL_DIR, KnowledgeError, Problem, shown_path
from bot.replies import Answerer

Snapshot = tuple[tuple[str, int, int], ...]

logger = logging.getLogger(__name__)


class KnowledgeHolder:
    """The Answerer in use, replaced in one assignment when the fact base is reloaded."""

    def __init__(
        self, directory: Path, answerer: Answerer | None = None, overlay: Path | None = None
    ) -> None:
        self.directory = directory
        self.overlay = overlay  # the moderators' changes, read over the base
        self.left_out: tuple[Problem, ...] = ()  # overlay entries this base does not support
        self._seen = self.snapshot()  # taken first: an edit made while loading is not missed
        self._answerer = answerer if answerer is not None else self._build()
        self._lock = asyncio.Lock()

    @property
    def answerer(self) -> Answerer:
        """The Answerer to use now; read it once per question and keep it for that question."""
        return self._answerer

    async def reload(self) -> list[Problem]:
        """Load the base anew and swap it in (-> []), or keep the old one (-> its problems)."""
        async with self._lock:
            seen = await asyncio.to_thread(self.snapshot)
            try:
                answerer = await asyncio.to_thread(self._build)
            except KnowledgeError as error:
                return list(error.problems)
            except OSError as error:
                message = f"cannot read the fact base: {error.strerror or error}"
                return [Problem(shown_path(self.directory), 1, message)]
            finally:
                # Also after a failure, so that a broken edit is reported once, not every poll.
                self._seen = seen
            self._answerer = answerer  # one assignment: readers see the old base or the new
            return []

    def _build(self) -> Answerer:
        layered = load_layered(self.directory, self.overlay)
        self.left_out = layered.left_out
        return Answerer(layered.base)

    async def swap(self, answerer: Answerer) -> None:
        """Put in a base already loaded and checked (a moderator's change, just written)."""
        async with self._lock:
            self._seen = await asyncio.to_thread(self.snapshot)
            self._answerer = answerer

    def snapshot(self) -> Snapshot:
        """(path, mtime_ns, size) of every file of the base: YAML and source texts alike."""
        found = []
        for path in sorted(self.directory.rglob("*")):
            parts = path.relative_to(self.directory).parts
            # Hidden files are editors' swap files and temporary files; eval/ holds the
            # question set, not the base.
            if EVAL_DIR in parts[:-1] or any(part.startswith(".") for part in parts):
                continue
            try:
                info = path.stat()
            except OSError:
                continue  # removed meanwhile: the next snapshot tells
            if stat.S_ISREG(info.st_mode):
                found.append((str(path), info.st_mtime_ns, info.st_size))
        if self.overlay is not None:
            try:
                info = self.overlay.stat()
                found.append((str(self.overlay), info.st_mtime_ns, info.st_size))
            except OSError:
                pass  # none yet
        return tuple(found)

    async def watch(
        self, interval: float, on_result: Callable[[list[Problem]], Awaitable[None]]
    ) -> None:
        """Poll every `interval` seconds; reload on a change and report; runs until cancelled."""
        while True:
            await asyncio.sleep(interval)
            current = await asyncio.to_thread(self.snapshot)
            if current == self._seen:
                continue
            # An editor may write in several steps: wait until the files stop changing.
            while True:
                await asyncio.sleep(interval)
                settled = await asyncio.to_thread(self.snapshot)
                if settled == current:
                    break
                current = settled
            problems = await self.reload()
            try:
                await on_result(problems)
            except Exception:
                # A failed report (say, Telegram unreachable) must not stop the watching.
                logger.exception("Reporting a reload of %s failed", self.directory)
