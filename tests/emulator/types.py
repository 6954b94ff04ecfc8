"""The one type every part of the emulator shares."""

from typing import Any

JSONDict = dict[str, Any]
