"""How an unexpected error is written to the log without a participant's words in it.

An exception's message may quote what someone wrote (a parse error with the input, a Redis
error with a value); `where` keeps the kind of error and the stack, never the message. Repeated
errors of one kind are written at most once per interval by `scheduler.quiet.Quiet`.
"""

from __future__ import annotations

import traceback


def where(error: BaseException) -> str:
    """The traceback without the exception's message, which may quote what someone wrote."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__name__}\n{frames}".rstrip()
