"""The ``stacklevel`` that makes a warning point at the user's code, not at litellm-plugin's own frames."""

from __future__ import annotations

import os
import sys

__all__ = ["caller_stacklevel"]

_CORE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel(building: object = None) -> int:
    """For ``warnings.warn`` called by the caller of this function: the first frame outside core, and outside
    the ``__init__`` methods that are building ``building`` (a subclass's own, calling ``super().__init__``), so
    that a constructor argument is reported where the instance is made."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and (
        frame.f_code.co_filename.startswith(_CORE_DIR)
        or (building is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is building)
    ):
        frame = frame.f_back
        level += 1
    return level
