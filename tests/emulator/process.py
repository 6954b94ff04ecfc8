"""The bot as a process: `python -m bot run` started in the project folder."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]


async def start_bot(
    env: Mapping[str, str], *options: str, stdout: Any = None, stderr: Any = None
) -> asyncio.subprocess.Process:
    """Start `python -m bot run [options]` in the project folder with `env`, no standard input."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *options,
        cwd=PROJECT,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL if stdout is None else stdout,
        stderr=asyncio.subprocess.DEVNULL if stderr is None else stderr,
    )
