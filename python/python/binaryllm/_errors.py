"""The exceptions binaryllm raises: every one is a :class:`Error`.

Each also derives from the built-in exception a Python user would catch for it, so
``except ValueError`` keeps working: a bad value, shape or parameter is an
:class:`InvalidInputError` (``ValueError``), an array of an unusable dtype a
:class:`DTypeError` (``TypeError``), an unreadable or unwritable file a :class:`FileError`
(``OSError``). The message is the library's own: the stage, what failed and where (the row,
the file, the argument).
"""


class Error(Exception):
    """Base class of every binaryllm error."""


class InvalidInputError(Error, ValueError):
    """A value, shape or parameter binaryllm rejects (NaN, a dims mismatch, k = 0, ...)."""


class DTypeError(Error, TypeError):
    """An array whose dtype cannot be converted to what the call needs."""


class FileError(Error, OSError):
    """A file that cannot be read or written (missing, refused, not binaryllm's, ...)."""


class InternalError(Error, RuntimeError):
    """A bug in binaryllm: the Rust code panicked. Please report it with the message."""
