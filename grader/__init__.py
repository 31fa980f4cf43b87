"""Auto-graded Python take-home exercises.

The public API is small: load a :class:`~grader.catalog.Catalog`, open a
:class:`~grader.submission.Submission`, and call :func:`~grader.grading.grade_submission`
to get a :class:`~grader.report.GradeReport`. The CLI in :mod:`grader.cli` is a thin layer over it.
"""

__version__ = "0.1.0"
