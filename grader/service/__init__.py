"""The submission service: candidates hand in over HTTP, workers grade, interviewers read results.

`grader.service.app.create_app(settings)` is the ASGI app; `grader serve` runs it with uvicorn.
The database is the source of truth (grader/service/jobs.py): an executor only decides where a
submission's grading runs, so the local thread pool can give way to a queue across machines.
"""
