"""Errors the CLI turns into clear messages and exit codes, never tracebacks."""


class GraderError(Exception):
    """Base class: a problem the user can act on."""


class BadInputError(GraderError):
    """The submission, an archive, a manifest or an option is unusable (exit code 2)."""


class InfrastructureError(GraderError):
    """The grader's side failed (no engine, image missing, a container that would not start).

    Distinct from anything the candidate did, so that nobody mistakes it for the candidate's fault.
    """
