"""The one place the UI runs backend calls in workers, and its safety net.

``BackendCalls`` is mixed into every screen and widget that calls a backend.
``call_backend`` runs one ``Session`` call in a worker and, back on the UI
loop, hands the result to ``on_result`` or the failure, worded once by
``describe_failure``, to ``on_failure``. A failure that is not a backend's
answer (a bug of ours) also goes to the app's safety net, which logs the
traceback and tells the advisor what failed.

Any other worker of these nodes that ends in an error it did not handle (its
handler did not call ``prevent_default``) reaches the safety net too, so no
exception in a worker can vanish.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState

from advisor_tui.failures import describe_failure, is_bug
from advisor_tui.text import clean

T = TypeVar("T")

OnFailure = Callable[[str, BaseException | None], None]


class WorkerFailed(Message, bubble=False):
    """Posted to the app: a worker ended in an error that is a bug, not a backend's answer.

    ``shown`` says whether the node already shows the failure in place (a panel
    in its error state), so the app knows the advisor has seen something.
    """

    def __init__(self, what: str, error: BaseException | None, *, shown: bool = False) -> None:
        super().__init__()
        self.what = what
        self.error = error
        self.shown = shown


def worker_purpose(worker: Worker[Any]) -> str:
    """What a worker was doing, for a person: its description, else its name."""
    return worker.description or worker.name or worker.group


def report_bug(node: DOMNode, what: str, error: BaseException | None, *, shown: bool) -> None:
    node.app.post_message(WorkerFailed(what, error, shown=shown))


@dataclass(frozen=True)
class _Call:
    what: str
    on_result: Callable[[Any], None]
    on_failure: OnFailure | None


class BackendCalls:
    """Mixin for a Textual ``DOMNode`` (screen or widget) that calls backends."""

    _calls: dict[Worker[Any], _Call]

    def call_backend(
        self,
        what: str,
        work: Awaitable[T],
        *,
        on_result: Callable[[T], None],
        on_failure: OnFailure | None = None,
        group: str,
        exclusive: bool = True,
    ) -> Worker[T]:
        """Run ``work`` (a ``Session`` call) in a worker of ``group``.

        ``what`` is what the advisor was doing ('loading faults'); a failure
        reaches ``on_failure`` as one line starting with it. Without
        ``on_failure`` the failure is a notification.
        """
        node = self._node()
        if not hasattr(self, "_calls"):
            self._calls = {}
        worker: Worker[T] = node.run_worker(
            work, name=what, description=what, group=group, exclusive=exclusive, exit_on_error=False
        )
        self._calls[worker] = _Call(what, on_result, on_failure)
        return worker

    def _node(self) -> DOMNode:
        assert isinstance(self, DOMNode), "BackendCalls is for screens and widgets"
        return self

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        calls = getattr(self, "_calls", {})
        call = calls.get(worker)
        if call is None:
            # Not a backend call: a worker error nobody handled is a bug.
            if event.state is WorkerState.ERROR:
                report_bug(self._node(), worker_purpose(worker), worker.error, shown=False)
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            del calls[worker]
        if event.state is WorkerState.SUCCESS:
            try:
                call.on_result(worker.result)
            except Exception as error:  # noqa: BLE001 - a display bug must not go unheard
                self._failed(call, error)
        elif event.state is WorkerState.ERROR:
            self._failed(call, worker.error)

    def _failed(self, call: _Call, error: BaseException | None) -> None:
        node = self._node()
        message = describe_failure(call.what, error)
        if call.on_failure is not None:
            call.on_failure(message, error)
        if is_bug(error):
            report_bug(node, call.what, error, shown=call.on_failure is not None)
        elif call.on_failure is None:
            node.app.notify(clean(message, 400), severity="error", markup=False, timeout=10)
