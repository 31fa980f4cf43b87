"""The command line: `grade` (one submission) and `grader` (everything else).

A thin layer: each command parses options, calls the library, renders, and maps errors to exit
codes. Exit codes: 0 done, 1 below --fail-under (grade) or a failed validation, 2 bad input,
3 trouble on the grader's side (infrastructure), 130 interrupted.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from grader import __version__
from grader.assessment import assessment_names, load_assessment, load_assessments
from grader.batch import GradedBatch, default_jobs, discover, grade_batch, require_output_folder
from grader.catalog import catalog_table
from grader.errors import BadInputError, GraderError, InfrastructureError
from grader.grading import grade_path
from grader.kit import build_kit
from grader.progress import terminal_progress
from grader.report import GradeReport, for_candidate
from grader.reports import FORMATS, require_report_file, write_batch_files, write_report
from grader.reports import json as json_report
from grader.reports.ranking import ranking_table
from grader.sandboxes import docker as docker_sandbox
from grader.sandboxes.choice import CHOICES, Chosen, SandboxChoice, choose_sandbox
from grader.sandboxes.doctor import diagnose
from grader.sandboxes.image import ImageBuildError, build_image
from grader.scope import Scope, grading_scope, load_catalog
from grader.text import candidate_text
from grader.validate import validate

EXIT_BELOW_THRESHOLD = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INTERRUPTED = 130
DEFAULT_BATCH_OUTPUT = "grade-results"

P = ParamSpec("P")
R = TypeVar("R")

exercises_option = click.option(
    "--exercises-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRADER_EXERCISES",
    help="The catalog folder (default: the bundled exercises).",
)


def jobs_option(help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`--jobs N`: how much runs side by side, by default one per core."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=default_jobs,
        show_default="the number of cores",
        help=help,
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


def _problem(label: str, exc: BaseException) -> Text:
    """An error line: its message often quotes a path or archive member name the candidate chose,
    so it is shown as text, never as markup or raw control characters."""
    return Text.assemble((label, "bold red"), " ", candidate_text(str(exc)))


def _errors_to_exit_codes(command: Callable[P, R]) -> Callable[P, R]:
    """Bad input and infrastructure trouble end in a clear message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        err = Console(stderr=True)
        try:
            return command(*args, **kwargs)
        except InfrastructureError as exc:
            err.print(_problem("infrastructure error:", exc), highlight=False)
            sys.exit(EXIT_INFRASTRUCTURE)
        except (BadInputError, GraderError) as exc:
            err.print(_problem("error:", exc), highlight=False)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            err.print("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException:  # click reports its own usage errors (exit 2)
            raise
        except Exception as exc:  # a bug of ours: say so plainly; GRADER_DEBUG=1 shows where
            if os.environ.get("GRADER_DEBUG") == "1":
                raise
            err.print(_problem(f"internal error: {type(exc).__name__}:", exc), highlight=False)
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


@click.command()
@click.argument("submissions", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--batch",
    "batch_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder whose every child folder or archive is one candidate's submission.",
)
@click.option("--exercise", "-e", "exercise_ids", multiple=True, help="Grade only these exercises.")
@assessment_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(FORMATS)),
    default="terminal",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="The report file; for several submissions, the folder for reports and summary "
    f"(default ./{DEFAULT_BATCH_OUTPUT}).",
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
@jobs_option(
    "Sandbox runs at once: one submission's exercises are spread over them, several "
    "submissions share them."
)
@click.option("--force", is_flag=True, help="Regrade submissions the cache says are unchanged.")
@sandbox_option
@exercises_option
@click.version_option(__version__)
@_errors_to_exit_codes
def grade(
    submissions: tuple[Path, ...],
    batch_dirs: tuple[Path, ...],
    exercise_ids: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_under: float | None,
    assessment: str | None,
    feedback: str,
    jobs: int,
    force: bool,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Grade SUBMISSIONS: folders, .zip or .tar.gz files with <exercise-id>/solution.py files.

    One submission gives one report; several (or --batch) are graded in parallel into a folder
    of reports with a ranked summary.
    """
    if not submissions and not batch_dirs:
        raise click.UsageError("give a submission (a folder or an archive), or --batch DIR")
    catalog = load_catalog(exercises_dir)
    catalog.require_valid()
    scope = grading_scope(catalog, exercise_ids, assessment)
    choose = functools.partial(make_sandbox, sandbox, runtime)
    if len(submissions) == 1 and not batch_dirs:
        require_report_file(output)
        report = grade_path(
            submissions[0],
            scope,
            choose,
            known_ids=catalog.ids,
            parallel=jobs,
            on_progress=terminal_progress([exercise.id for exercise in scope.exercises]),
        )
        write_report(_feedback(report, feedback), output_format, output)
        percents = [report.percent]
    else:
        paths = discover(submissions, batch_dirs)
        out = output or Path(DEFAULT_BATCH_OUTPUT)
        require_output_folder(out)
        graded = _grade_many(paths, scope, out, choose(), jobs, force)
        write_batch_files(
            graded.summary,
            graded.reports,
            out,
            output_format,
            candidate_feedback=feedback == "candidate",
        )
        _show_ranking(graded, out)
        if graded.summary.interrupted:
            sys.exit(EXIT_INTERRUPTED)
        percents = [row.percent for row in graded.summary.rows]
    if fail_under is not None and any(percent < fail_under for percent in percents):
        sys.exit(EXIT_BELOW_THRESHOLD)


def _feedback(report: GradeReport, feedback: str) -> GradeReport:
    return for_candidate(report) if feedback == "candidate" else report


def _grade_many(
    paths: list[Path], scope: Scope, out: Path, chosen: Chosen, jobs: int, force: bool
) -> GradedBatch:
    """A batch into `out`, with a progress bar on standard error while it runs."""
    with Progress(console=Console(stderr=True), transient=True) as progress:
        return grade_batch(
            paths,
            scope.exercises,
            lambda: chosen.sandbox,
            output_dir=out,
            jobs=jobs,
            cache_dir=out / ".cache",
            force=force,
            progress=progress,
            weights=scope.weights,
            warnings=chosen.warnings,
            assessment=scope.assessment_title,
        )


def _show_ranking(graded: GradedBatch, out: Path) -> None:
    Console().print(ranking_table(graded.summary, out))
    if graded.summary.interrupted:
        Console(stderr=True).print(
            "[bold yellow]interrupted:[/] the reports written so far are kept"
        )


@click.group()
@click.version_option(__version__)
def grader() -> None:
    """Manage the exercise catalog, candidate kits and sandboxes."""


@grader.command()
@click.argument("exercise_ids", nargs=-1)
@jobs_option("Sandbox runs at once.")
@sandbox_option
@exercises_option
@_errors_to_exit_codes
def validate_command(
    exercise_ids: tuple[str, ...],
    jobs: int,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Check that every reference passes and every stub and mutant fails its hidden suite."""
    catalog = load_catalog(exercises_dir)
    exercises = catalog.select(exercise_ids)
    chosen = make_sandbox(sandbox, runtime)
    # The shipped rounds are checked with the shipped catalog (their exercises' minutes).
    rounds = load_assessments() if exercises_dir is None and not exercise_ids else None
    checks = validate(catalog, exercises, chosen.sandbox, jobs=jobs, assessments=rounds)
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
@click.argument("exercise_ids", nargs=-1)
@jobs_option("Sandbox runs at once.")
@click.option(
    "--session-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".mutation"),
    show_default=True,
    help="Where cosmic-ray's sessions are kept (one .sqlite per exercise, for cr-report).",
)
@click.option("--markdown", is_flag=True, help="A Markdown table, as in exercises/README.md.")
@sandbox_option
@exercises_option
@_errors_to_exit_codes
def mutation(
    exercise_ids: tuple[str, ...],
    jobs: int,
    session_dir: Path,
    markdown: bool,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Grade cosmic-ray's mutants of each reference with its hidden suite: at least 95% must die."""
    try:  # cosmic-ray is a development dependency: grading never needs it
        from grader.mutation import REQUIRED_SCORE, run_mutation
        from grader.reports.mutation import mutation_markdown, mutation_table
    except ModuleNotFoundError as missing:
        raise BadInputError(
            f"grader mutation needs {missing.name}: pip install 'grader[dev]'"
        ) from None
    catalog = load_catalog(exercises_dir)
    catalog.require_valid()
    exercises = catalog.select(exercise_ids)
    chosen = make_sandbox(sandbox, runtime)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("mutants", total=None)
        scores = run_mutation(
            exercises,
            chosen.sandbox,
            session_dir,
            jobs=jobs,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console = Console()
    if markdown:
        click.echo(mutation_markdown(scores))
    else:
        console.print(mutation_table(scores))
    for score in scores:
        for m in score.survivors:
            console.print(
                Text.assemble(
                    (f"{score.exercise} survived ", "bold yellow"),
                    f"{m.file}:{m.line}:{m.column} {m.operator}\n  - {m.before}\n  + {m.after}\n",
                    (m.equivalent_entry(), "dim"),
                )
            )
        for stale in score.stale:
            console.print(
                f"[bold red]{score.exercise}[/] lists an equivalent mutant that no longer survives:"
                f" {stale.file}:{stale.line}:{stale.column} {stale.operator}",
                highlight=False,
            )
    failing = [s.exercise for s in scores if not s.ok]
    if failing:
        console.print(f"[bold red]Below {REQUIRED_SCORE:g}% or stale:[/] {', '.join(failing)}")
        sys.exit(1)


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
    catalog = load_catalog(exercises_dir)
    catalog.require_valid()
    scope = grading_scope(catalog, exercise_ids, assessment)
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
    catalog = load_catalog(exercises_dir)
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


# The submission service. Its modules load only when one of these commands runs, so that `grade`
# starts without FastAPI and SQLAlchemy.
data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRADER_DATA",
    default="grader-data",
    show_default=True,
    help="The service's folder: its SQLite database (unless $GRADER_DATABASE_URL) and uploads.",
)


job_time_limit_option = click.option(
    "--job-time-limit",
    type=click.FloatRange(min=1),
    default=5400.0,
    show_default=True,
    help="With a broker: one job's hard limit in seconds, above the sandbox's own deadline.",
)


@grader.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@data_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Submissions graded at once (default: the cores available).",
)
@click.option(
    "--upload-limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="The largest upload accepted, in MiB.",
)
@click.option("--public-url", default="", help="How invite links start (default: as requested).")
@click.option(
    "--sweep-seconds",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="With a broker: how often the database is checked for lost or unpublished jobs.",
)
@job_time_limit_option
@sandbox_option
@exercises_option
@_errors_to_exit_codes
def serve(
    host: str,
    port: int,
    data_dir: Path,
    workers: int | None,
    upload_limit: int,
    public_url: str,
    sweep_seconds: float,
    job_time_limit: float,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Run the submission service: the API under /api/v1, pages for interviewers and candidates.

    With $GRADER_BROKER_URL set, jobs go to that RabbitMQ for `grader worker`s; without it, this
    process grades them itself."""
    import uvicorn

    from grader.service.app import create_app
    from grader.service.settings import Settings

    settings = Settings(
        data_dir=data_dir,
        workers=workers or default_jobs(),
        sandbox=sandbox,
        runtime=runtime,
        exercises_dir=exercises_dir,
        upload_limit=upload_limit << 20,
        public_url=public_url,
        sweep_seconds=sweep_seconds,
        job_time_limit=job_time_limit,
    )
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="info")


@grader.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Submissions graded at once, one process each (default: the cores available).",
)
@click.option(
    "--queues",
    default="grading",
    show_default=True,
    help="The queues to take jobs from, separated by commas.",
)
@click.option(
    "--name",
    help="This worker's name, unique among the workers: it labels its sandbox containers, "
    "which it removes when it starts again (default: grader@<host name>).",
)
@data_option
@job_time_limit_option
@sandbox_option
@exercises_option
@_errors_to_exit_codes
def worker(
    concurrency: int | None,
    queues: str,
    name: str | None,
    data_dir: Path,
    job_time_limit: float,
    sandbox: SandboxChoice,
    runtime: str | None,
    exercises_dir: Path | None,
) -> None:
    """Grade the service's submissions on this machine, taking jobs from $GRADER_BROKER_URL
    (RabbitMQ) and writing reports to $GRADER_DATABASE_URL (PostgreSQL). SIGTERM lets the jobs
    in hand finish first."""
    import logging
    import socket

    from grader.service.queue import run_worker
    from grader.service.settings import Settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        data_dir=data_dir,
        sandbox=sandbox,
        runtime=runtime,
        exercises_dir=exercises_dir,
        job_time_limit=job_time_limit,
    )
    chosen_queues = [queue.strip() for queue in queues.split(",") if queue.strip()]
    if not chosen_queues:
        raise BadInputError("--queues names no queue")
    run_worker(
        settings,
        name=name or f"grader@{socket.gethostname()}",
        concurrency=concurrency or default_jobs(),
        queues=chosen_queues,
    )


@grader.group()
def users() -> None:
    """The service's accounts (interviewers and admins; candidates need none)."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["interviewer", "admin"]), default="interviewer", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@data_option
@_errors_to_exit_codes
def users_add(name: str, role: str, password_stdin: bool, data_dir: Path) -> None:
    """Create the account NAME; its password is stored as an argon2 hash."""
    from grader.service import db
    from grader.service.auth import add_user
    from grader.service.models import Role
    from grader.service.settings import Settings

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = db.make_engine(Settings(data_dir=data_dir).url)
    try:
        db.require_current(engine)
        with db.sessions(engine)() as session:
            user = add_user(session, name, Role(role), password)
            click.echo(f"Added {user.role} {user.name!r}.")
    finally:
        engine.dispose()


@grader.group("db")
def database() -> None:
    """The service's database schema."""


@database.command()
@data_option
@_errors_to_exit_codes
def upgrade(data_dir: Path) -> None:
    """Create the schema, or bring it up to date (Alembic migrations)."""
    from grader.service import db
    from grader.service.settings import Settings

    engine = db.make_engine(Settings(data_dir=data_dir).url)
    try:
        pending = db.pending_migrations(engine)
        db.upgrade(engine)
    finally:
        engine.dispose()
    click.echo(
        f"Applied {len(pending)} migration(s)." if pending else "The database is up to date."
    )
