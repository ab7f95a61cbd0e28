"""ui.ops: results on the main thread, errors routed, cancel, a serial db lane."""

from __future__ import annotations

import threading

import pytest

from fieldapp.errors import WrongPassphrase


def test_result_arrives_on_main_thread(qtbot, ops) -> None:
    main = threading.get_ident()
    seen: dict[str, int] = {}

    def work(x: int) -> int:
        seen["worker"] = threading.get_ident()
        return x * 2

    got: list[tuple[int, int]] = []
    with qtbot.waitSignal(ops.idle, timeout=5000):
        ops.run(work, 21, on_done=lambda r: got.append((r, threading.get_ident())))
    assert got == [(42, main)]
    assert seen["worker"] != main


def test_done_signal_and_kwargs(qtbot, ops) -> None:
    job = ops.run(lambda a, b=0: a + b, 1, b=2, lane="cpu")
    with qtbot.waitSignal(job.done, timeout=5000) as blocker:
        pass
    assert blocker.args == [3]


def test_error_routed_to_on_error_on_main_thread(qtbot, ops) -> None:
    main = threading.get_ident()
    errors: list[tuple[BaseException, int]] = []

    def boom() -> None:
        raise WrongPassphrase()

    with qtbot.waitSignal(ops.idle, timeout=5000):
        ops.run(boom, on_done=lambda r: pytest.fail("no result expected"),
                on_error=lambda e: errors.append((e, threading.get_ident())))
    assert len(errors) == 1
    assert isinstance(errors[0][0], WrongPassphrase) and errors[0][1] == main


def test_error_without_handler_shows_one_calm_box(qtbot, ops) -> None:
    from ui import messages_box

    def boom() -> None:
        raise WrongPassphrase()

    with qtbot.waitSignal(ops.idle, timeout=5000):
        ops.run(boom)
    with qtbot.waitSignal(ops.idle, timeout=5000):
        ops.run(boom)
    box = messages_box.current_box()
    assert box is not None
    assert box.text() == "Wrong passphrase."
    assert "Traceback" not in box.text()


def test_progress_and_cancel_running_job(qtbot, ops) -> None:
    started = threading.Event()
    release = threading.Event()

    def long_work(*, job) -> str:
        job.report(1, 3, "step")
        started.set()
        release.wait(10)
        job.raise_if_cancelled()
        return "finished anyway"

    job = ops.run(long_work, lane="cpu", on_done=lambda r: pytest.fail("was cancelled"))
    with qtbot.waitSignal(job.progress, timeout=5000) as progress:
        pass
    assert progress.args == [1, 3, "step"]
    assert started.wait(5)
    job.cancel()
    assert job.cancelled
    with qtbot.waitSignal(job.cancelled_signal, timeout=5000):
        release.set()


def test_cancel_before_start_never_runs(qtbot, ops) -> None:
    gate = threading.Event()
    ran: list[str] = []
    blocker_job = ops.run(gate.wait, 10)  # occupies the single db worker
    second = ops.run(lambda: ran.append("x"))
    with qtbot.waitSignal(second.cancelled_signal, timeout=5000):
        second.cancel()
    with qtbot.waitSignal(blocker_job.done, timeout=5000):
        gate.set()
    assert not ops.busy
    assert ran == []


def test_db_lane_is_serial_and_one_thread(qtbot, ops) -> None:
    active = 0
    max_active = 0
    threads: set[int] = set()
    lock = threading.Lock()
    order: list[int] = []

    def write(i: int) -> int:
        nonlocal active, max_active
        with lock:
            active += 1
            max_active = max(max_active, active)
        threads.add(threading.get_ident())
        threading.Event().wait(0.005)  # widen the window a race would need
        with lock:
            active -= 1
        return i

    with qtbot.waitSignal(ops.idle, timeout=10_000):
        for i in range(20):
            ops.run(write, i, on_done=order.append)
    assert max_active == 1
    assert len(threads) == 1
    assert order == list(range(20))


def test_unknown_lane_is_refused(ops) -> None:
    with pytest.raises(ValueError):
        ops.run(lambda: None, lane="gpu")


def test_shutdown_waits_and_refuses_new_work(qtbot) -> None:
    from ui.ops import Ops

    helper = Ops()
    done = threading.Event()
    helper.run(lambda: done.set())
    helper.shutdown(wait_ms=5000)
    assert done.is_set()
    with pytest.raises(RuntimeError):
        helper.run(lambda: None)
