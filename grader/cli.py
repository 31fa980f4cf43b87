"""The command line: `grade` (one submission) and `grader` (everything else).

A thin layer: each command parses options, calls the library, renders, and maps errors to exit
codes. Exit codes: 0 done, 1 below --fail-under (grade) or a failed validation, 2 bad input,
3 trouble on the grader's side (infrastructure), 130 interrupted.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from rich.console import Console
from rich.table import Table

from grader import __version__
from grader.assessment import Assessment, assessment_names, load_assessment
from grader.catalog import Catalog, Exercise, catalog_table
from grader.errors import BadInputError, GraderError, InfrastructureError
from grader.grading import grade_submission
from grader.kit import build_kit
from grader.report import for_candidate
from grader.reports import json as json_report
from grader.reports import terminal
from grader.sandboxes import docker as docker_sandbox
from grader.sandboxes.choice import CHOICES, Chosen, SandboxChoice, choose_sandbox
from grader.sandboxes.doctor import diagnose
from grader.sandboxes.image import ImageBuildError, build_image
from grader.sections import DEFAULT_WEIGHTS, Section
from grader.submission import open_submission
from grader.validate import validate

EXIT_BELOW_THRESHOLD = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INTERRUPTED = 130

P = ParamSpec("P")
R = TypeVar("R")

exercises_option = click.option(
    "--exercises-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRADER_EXERCISES",
    help="The catalog folder (default: the bundled exercises).",
)

assessment_option = click.option(
    "--assessment",
    "-a",
    help="An interview round from assessments/ (its exercises and section weights).",
)


def sandbox_option(command: Callable[P, R]) -> Callable[P, R]:
    """`--sandbox` and `--runtime`, shared by every command that runs candidate code."""
    command = click.option(
        "--runtime",
        help="A container runtime for the Docker sandbox, such as gVisor's runsc.",
    )(command)
    return click.option(
        "--sandbox",
        type=click.Choice(CHOICES),
        default="auto",
        show_default=True,
        help="Where candidate code runs: Docker when an engine answers (auto), or as named.",
    )(command)


def _errors_to_exit_codes(command: Callable[P, R]) -> Callable[P, R]:
    """Bad input and infrastructure trouble end in a clear message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        err = Console(stderr=True)
        try:
            return command(*args, **kwargs)
        except InfrastructureError as exc:
            err.print(f"[bold red]infrastructure error:[/] {exc}", highlight=False)
            sys.exit(EXIT_INFRASTRUCTURE)
        except (BadInputError, GraderError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            err.print("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # a bug of ours: say so plainly; GRADER_DEBUG=1 shows where
            if os.environ.get("GRADER_DEBUG") == "1":
                raise
            err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
            err.print("This is a bug in the grader; GRADER_DEBUG=1 shows the traceback.")
            sys.exit(EXIT_INFRASTRUCTURE)

    return wrapper


def make_sandbox(choice: SandboxChoice, runtime: str | None) -> Chosen:
    """The sandbox for `--sandbox`; its warnings go to the terminal now and into the report."""
    err = Console(stderr=True)
    chosen = choose_sandbox(
        choice, runtime=runtime, log=lambda line: err.print(line, style="dim", highlight=False)
    )
    for warning in chosen.warnings:
        err.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    return chosen


@dataclass(frozen=True)
class Scope:
    exercises: list[Exercise]
    weights: Mapping[Section, float]
    assessment: Assessment | None = None


def _scope(catalog: Catalog, exercise_ids: tuple[str, ...], assessment: str | None) -> Scope:
    """What is graded: an assessment's exercises and weights, the named ones, or the catalog."""
    if assessment is None:
        return Scope(catalog.select(exercise_ids), DEFAULT_WEIGHTS)
    if exercise_ids:
        raise BadInputError("--exercise and --assessment exclude each other")
    chosen = load_assessment(assessment)
    return Scope(chosen.select(catalog), chosen.weights, chosen)


def _load(exercises_dir: Path | None) -> Catalog:
    catalog = Catalog.load(exercises_dir)
    if not len(catalog) and not catalog.problems:
        raise BadInputError(f"{catalog.root}: no exercises found")
    return catalog


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "exercise_ids", multiple=True, help="Grade only these exercises.")
@assessment_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--fail-under", type=click.FloatRange(0, 100), help="Exit 1 when the percentage is below this."
)
@click.option(
    "--feedback",
    type=click.Choice(["interviewer", "candidate"]),
    default="interviewer",
    show_default=True,
    help="candidate: withhold the hidden tests' names and messages and the code's output.",
)
@sandbox_option
@exercises_option
@click.version_option(__version__)
@_errors_to_exit_codes
def grade(
    submission: Path,
    exercise_ids: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_under: float | None,
    assessment: str | None,
    feedback: str,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Grade one SUBMISSION: a folder, .zip or .tar.gz with <exercise-id>/solution.py files."""
    catalog = _load(exercises_dir)
    catalog.require_valid()
    scope = _scope(catalog, exercise_ids, assessment)
    with open_submission(submission, catalog.ids) as opened:
        chosen = make_sandbox(sandbox, runtime)
        report = grade_submission(
            opened,
            scope.exercises,
            chosen.sandbox,
            weights=scope.weights,
            warnings=chosen.warnings,
            assessment=assessment,
        )
    if feedback == "candidate":
        report = for_candidate(report)
    if output_format == "json":
        text = json_report.render(report)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    else:
        console = Console(
            file=output.open("w", encoding="utf-8") if output else None,
            width=120 if output else None,
        )
        terminal.render(report, console)
    if fail_under is not None and report.percent < fail_under:
        sys.exit(EXIT_BELOW_THRESHOLD)


@click.group()
@click.version_option(__version__)
def grader() -> None:
    """Manage the exercise catalog, candidate kits and sandboxes."""


@grader.command()
@click.argument("exercise_ids", nargs=-1)
@sandbox_option
@exercises_option
@_errors_to_exit_codes
def validate_command(
    exercise_ids: tuple[str, ...],
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Check that every reference passes and every stub and mutant fails its hidden suite."""
    catalog = _load(exercises_dir)
    exercises = catalog.select(exercise_ids)
    chosen = make_sandbox(sandbox, runtime)
    checks = validate(catalog, exercises, chosen.sandbox)
    failures = [check for check in checks if not check.ok]
    console = Console()
    if failures:
        table = Table(title="Validation failures", title_justify="left")
        for column in ("Exercise", "Subject", "Detail"):
            table.add_column(column)
        for check in failures:
            table.add_row(check.exercise, check.subject, check.detail)
        console.print(table)
        console.print(f"[bold red]{len(failures)} of {len(checks)} checks failed[/]")
        sys.exit(1)
    console.print(
        f"[green]All {len(checks)} checks passed[/] over {len(exercises)} exercises"
        f" in the {chosen.sandbox.name} sandbox."
    )


validate_command.name = "validate"


@grader.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "exercise_ids", multiple=True, help="Only these exercises.")
@assessment_option
@exercises_option
@_errors_to_exit_codes
def kit(
    out: Path, exercise_ids: tuple[str, ...], assessment: str | None, exercises_dir: Path | None
) -> None:
    """Write a candidate kit to OUT (a folder, or a .zip)."""
    catalog = _load(exercises_dir)
    catalog.require_valid()
    scope = _scope(catalog, exercise_ids, assessment)
    build_kit(scope.exercises, out, scope.assessment)
    click.echo(f"Kit with {len(scope.exercises)} exercises written to {out}")


@grader.command()
@_errors_to_exit_codes
def assessments() -> None:
    """List the interview rounds (assessments/)."""
    table = Table(title="Assessments", title_justify="left")
    for column in ("Name", "Title", "Minutes", "Exercises", "Weights"):
        table.add_column(column)
    for name in assessment_names():
        chosen = load_assessment(name)
        weights = ", ".join(
            f"{section.value} {weight:g}" for section, weight in chosen.weights.items()
        )
        table.add_row(
            name, chosen.title, str(chosen.time_limit_minutes), str(len(chosen.exercises)), weights
        )
    Console().print(table)


@grader.command()
@click.option("--markdown", is_flag=True, help="A Markdown table, as in the README.")
@exercises_option
@_errors_to_exit_codes
def exercises(markdown: bool, exercises_dir: Path | None) -> None:
    """List the catalog."""
    catalog = _load(exercises_dir)
    if markdown:
        click.echo(catalog_table(catalog), nl=False)
        return
    table = Table(title=f"Catalog: {catalog.root}", title_justify="left")
    for column in ("Id", "Title", "Section", "Kind", "Points", "Guide"):
        table.add_column(column)
    for exercise in catalog:
        manifest = exercise.manifest
        table.add_row(
            exercise.id,
            manifest.title,
            exercise.section.value,
            manifest.kind,
            f"{manifest.points:g}",
            ", ".join(manifest.guide),
        )
    Console().print(table)
    for path, problem in catalog.problems.items():
        Console(stderr=True).print(f"[red]broken:[/] {path}: {problem}", highlight=False)


@grader.command()
def schema() -> None:
    """Print the JSON Schema of the grade report."""
    click.echo(json_report.schema(), nl=False)


@grader.group()
def sandbox() -> None:
    """Build the Docker sandbox's image, or clean up after a crash."""


@sandbox.command()
@click.option("--force", is_flag=True, help="Rebuild even when the image is up to date.")
@_errors_to_exit_codes
def build(force: bool) -> None:
    """Build the grading image, offline (see sandbox/README.md)."""
    client = docker_sandbox.connect()
    err = Console(stderr=True)
    try:
        tag = build_image(client, log=lambda line: err.print(line, highlight=False), force=force)
    except ImageBuildError as exc:
        raise InfrastructureError(f"cannot build the sandbox image: {exc.message}") from exc
    click.echo(tag)


@sandbox.command()
@_errors_to_exit_codes
def prune() -> None:
    """Remove containers a crashed grading left behind."""
    removed = docker_sandbox.prune(docker_sandbox.connect())
    click.echo(f"Removed {removed} container(s).")


@grader.command()
@click.option("--runtime", help="Check this container runtime too.")
@_errors_to_exit_codes
def doctor(runtime: str | None) -> None:
    """Say which sandboxes are available here and which one `--sandbox auto` picks."""
    table = Table(title="Sandbox doctor", title_justify="left", show_header=False)
    for name, value in diagnose(runtime).items():
        table.add_row(name, value)
    Console().print(table)
