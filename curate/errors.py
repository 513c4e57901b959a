"""Errors a user can cause: the CLI prints their message as one sentence, without a traceback."""


class CurateError(Exception):
    """A problem with input, config or environment that the user can fix."""


class ConfigError(CurateError):
    """A pipeline file is invalid: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = file, key, reason
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {reason}")


class MissingDependencyError(CurateError):
    def __init__(self, stage: str, package: str, extra: str | None = None) -> None:
        hint = f"pip install 'curate[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"stage '{stage}' needs the package '{package}', which is not installed: {hint}")


def describe(err: BaseException) -> str:
    """One line for a failed task: a user's problem as its own sentence, a bug with its exception type."""
    return str(err) if isinstance(err, CurateError) else f"{type(err).__name__}: {err}"
