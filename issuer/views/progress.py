"""Long signing work (a class from CSV, a re-issue after a key compromise) with progress.

The work runs in a thread of its own, in its own transaction, while the response streams
the page: its head, a line every twentieth of the way, then the outcome. The whole of the
work commits or none of it does; the page says which.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, current_app, stream_with_context

from ..errors import IssuerError

Progress = Callable[[int, int], None]
# Where the progress lines go in the rendered page (a full page of the site's layout, whose
# content ends with an open ``<ol>``): the page is streamed in two parts around it.
PROGRESS_SLOT = "<!--progress-->"
UNEXPECTED = "the signing stopped with an error. Please try again."


def stream_progress(
    page: str,
    job: Callable[[Progress], Any],
    *,
    finished: Callable[[Any], str],
    failed: Callable[[str], str],
    name: str,
) -> Response:
    """Run ``job(progress)`` (it opens its own transaction) and stream ``page``: its part up
    to PROGRESS_SLOT, "Signed n of N" lines, ``finished(job's result)`` or ``failed(message)``,
    then the rest of the page. ``name`` labels the work in the log when it fails unexpectedly."""
    page_head, slot, page_tail = page.partition(PROGRESS_SLOT)
    if not slot:
        raise ValueError("the progress page has no place for the progress lines")
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work(updates: queue.Queue[tuple[str, Any]]) -> None:
        def progress(done: int, total: int) -> None:
            if done % max(1, total // 20) == 0 or done == total:
                updates.put(("progress", (done, total)))

        try:
            with app.app_context():
                result = job(progress)
            updates.put(("done", result))
        except IssuerError as exc:
            updates.put(("error", exc.description))
        except Exception:
            app.logger.exception("%s failed", name)
            updates.put(("error", UNEXPECTED))

    def run() -> Iterator[str]:
        yield page_head
        updates: queue.Queue[tuple[str, Any]] = queue.Queue()
        threading.Thread(target=work, args=(updates,), daemon=True).start()
        while True:
            kind, value = updates.get()
            if kind == "progress":
                yield f"<li>Signed {value[0]} of {value[1]}</li>\n"
                continue
            yield "</ol>" + (finished(value) if kind == "done" else failed(value))
            yield page_tail
            return

    return Response(stream_with_context(run()), mimetype="text/html")
