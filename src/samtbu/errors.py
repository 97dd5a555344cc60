"""Errors the toolkit reports to a user as one clear line and an exit code, never a traceback."""


class SamtbuError(Exception):
    """A problem with the user's input or request. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
