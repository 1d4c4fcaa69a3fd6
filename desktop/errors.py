"""The one exception type users see.

Anything raised as `HearthError` is shown as its message alone: one line, no traceback. Code that
detects a user-facing problem (bad file, bad argument, unreachable host) raises this with a message
that says what is wrong and, where possible, what to do about it.
"""


class HearthError(Exception):
    """A problem to report to the user in one line."""
