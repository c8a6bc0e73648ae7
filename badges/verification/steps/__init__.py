"""The steps of the verification pipeline, one module each (see ``..pipeline``).

Each module's ``check(run)`` is one step: it adds its check (a ``CheckId``) to the run.
"""
