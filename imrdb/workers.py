"""Worker processes for the ingest: tasks in, results back in order, and a dead worker replaced.

Tasks go out through one queue; each worker answers on a pipe of its own whose writing end only that
worker holds, and a thread of the main process takes the answers off the pipes as they come (so the
workers never wait for the writer). A worker that dies (a file that crashes the PDF reader, the
out-of-memory killer), even halfway through sending a result, shows up as its pipe's end of file or
its process sentinel. (concurrent.futures and multiprocessing.Pool both hang when a worker dies while
sending: their one shared result pipe is left holding half a message.)

Each worker notes in shared memory which task, and which item of it (`mark`), it is on. When one
dies, the main process starts another in its place and sends the task again with that item left out
(`skip`), so one poisonous file costs only itself; a worker that died on no item is replaced and
its task sent again. Without a `skip`, or after MAX_UNEXPLAINED_DEATHS deaths on no item (something
other than a file keeps killing them), the run stops with WorkerDied.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait

from imrdb.errors import ImrdbError, WorkerDied

DIED = "a parser process died (killed, or out of memory); every batch written so far is stored: " \
       "run the same command again to continue"
MAX_UNEXPLAINED_DEATHS = 10  # workers replaced after dying on no item before a run stops: something kills them
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 1.0  # how often the main process looks for a worker overdue on one item
PARENT_CHECK_SECONDS = 1.0  # where the kernel cannot be asked: how often an idle worker looks for its parent
IDLE = -1
FIELDS = 3  # per worker in the shared progress array: task index, item position, when it started the item (ms)

# In a worker process: its slots in the shared progress array.
_progress = None
_slot = 0


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000  # CLOCK_MONOTONIC: one clock for every process of the machine


def mark(position: int) -> None:
    """Called by the function a worker runs: it is now on item `position` of its task (-1: on none), so
    that if the process dies there the main process knows which item to blame. Outside a worker: nothing."""
    if _progress is not None:
        _progress[FIELDS * _slot + 2] = _now_ms()
        _progress[FIELDS * _slot + 1] = position


def still_on() -> None:
    """Called by the function a worker runs partway through a long item (a scan, after each page it
    OCRs): the item's time limit starts again. Outside a worker: nothing."""
    if _progress is not None:
        _progress[FIELDS * _slot + 2] = _now_ms()


def _die_with(parent: int) -> bool:
    """Have the kernel kill this worker when the process that started it dies, however it dies (kill -9,
    the out-of-memory killer), so that no worker is left waiting for tasks for ever. True on Linux;
    elsewhere False, and the worker looks for its parent itself while it waits."""
    try:
        linux = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):  # no prctl: not Linux
        linux = False
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)
    return linux


def _next_task(tasks, parent: int, watched_by_kernel: bool):
    if not watched_by_kernel:
        while not tasks.poll(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                os._exit(1)
    return tasks.recv()


def _work(tasks, results, function: Callable, niceness: int, parent: int, progress, slot: int) -> None:
    global _progress, _slot
    watched_by_kernel = _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (the CLI asks the main process to stop on SIGTERM too)
    if niceness:
        os.nice(niceness)
    _progress, _slot = progress, slot
    while (task := _next_task(tasks, parent, watched_by_kernel)) is not None:
        index, argument = task
        progress[FIELDS * slot + 1] = IDLE
        progress[FIELDS * slot] = index
        try:
            results.send((index, True, function(argument)))
        except ImrdbError as error:  # an expected failure (the database went away): told as it is
            results.send((index, False, error))
        except Exception as error:  # function's own failures are per file; this is the machinery's
            results.send((index, False, f"{type(error).__name__}: {error}"))
        progress[FIELDS * slot] = IDLE


class Workers:
    """`count` forked processes applying `function` to tasks. Use as a context manager.

    `niceness` lowers the workers' scheduling priority: with more processes than cores, the main
    process (the ingest's single writer, which every letter waits for) runs first.
    `skip(argument, position, overdue)` gives the task to send again when a worker died on item
    `position` of `argument` (see `mark`), or was stopped there (`overdue`) after `item_time_limit`
    seconds on it (a PDF that hangs its reader).

    Each worker has a pipe of tasks and a pipe of answers of its own, and the main process knows which
    tasks it gave to which worker: a worker killed at any moment takes no lock or task with it (a
    shared multiprocessing.Queue can be left locked, or a task taken and never answered)."""

    def __init__(self, count: int, function: Callable, niceness: int = 0,
                 skip: Callable[[object, int, bool], object] | None = None, item_time_limit: float | None = None):
        self._context = multiprocessing.get_context("fork")
        self._function, self._niceness, self._skip = function, niceness, skip
        self._item_time_limit = item_time_limit  # seconds on one item before its worker is stopped (needs skip)
        self._overdue: set[int] = set()  # slots whose worker was stopped for taking too long
        self._progress = self._context.Array("q", [IDLE] * (FIELDS * count), lock=False)
        self._processes: list = [None] * count  # None: dead, not replaced yet
        self._answers: list = [None] * count
        self._tasks: list = [None] * count
        self._given: list[dict[int, object]] = [{} for _ in range(count)]  # per worker: tasks given, not answered
        self._lock = threading.Lock()  # guards the lists above between the main thread and the collector
        self._wake_reader, self._wake_writer = self._context.Pipe(duplex=False)
        for slot in range(count):
            self._spawn(slot)
        self._results: dict[int, object] = {}
        self._failure: ImrdbError | None = None
        self._dead: list[int] = []  # slots whose worker died, for the main thread to replace
        self._closing = False
        self._unexplained = 0  # deaths on no item (killed while idle, or between items)
        self._arrived = threading.Condition()
        self._collector = threading.Thread(target=self._collect, name="imrdb-results", daemon=True)
        self._collector.start()

    def _spawn(self, slot: int) -> None:
        """Start the worker of `slot` (from the main thread only: forking while another thread holds a
        lock, SQLite's included, could leave the child waiting on it)."""
        task_reader, task_writer = self._context.Pipe(duplex=False)
        answer_reader, answer_writer = self._context.Pipe(duplex=False)
        self._progress[FIELDS * slot] = self._progress[FIELDS * slot + 1] = IDLE
        process = self._context.Process(
            target=_work, args=(task_reader, answer_writer, self._function, self._niceness, os.getpid(),
                                self._progress, slot), daemon=True)
        process.start()
        task_reader.close()
        answer_writer.close()  # the worker holds the only writing end: its death is this pipe's end of file
        with self._lock:
            self._processes[slot], self._answers[slot], self._tasks[slot] = process, answer_reader, task_writer

    def _give(self, index: int, argument) -> None:
        """Send a task to the live worker with the fewest tasks in hand (a dead one's are given again later)."""
        with self._lock:
            slot = min((slot for slot, process in enumerate(self._processes) if process is not None),
                       key=lambda slot: len(self._given[slot]), default=None)
            if slot is None:  # every worker is dead at this instant: the first one replaced takes it
                slot = 0
            self._given[slot][index] = argument
            connection = self._tasks[slot]
        try:
            connection.send((index, argument))
        except OSError:  # it died: the task is in its hand-over list and goes to its replacement
            pass

    def _collect(self) -> None:
        """Take answers off the workers' pipes; report a worker's death to the main thread."""
        while not self._closing:
            with self._lock:
                handles = {}
                for slot, process in enumerate(self._processes):
                    if process is not None:  # a dead worker is not watched until the main thread replaces it
                        handles[self._answers[slot]] = handles[process.sentinel] = slot
            for source in wait([*handles, self._wake_reader]):
                if source is self._wake_reader:
                    self._wake_reader.recv_bytes()
                    continue
                slot = handles[source]
                with self._lock:
                    process, answers = self._processes[slot], self._answers[slot]
                if process is None:  # its death is reported already (its pipe and its sentinel both woke us)
                    continue
                failure, died = None, False
                try:  # a dead worker's last answers are read before its death is reported
                    while answers.poll():
                        index, ok, result = answers.recv()
                        with self._arrived:
                            with self._lock:
                                self._given[slot].pop(index, None)
                            if ok:
                                self._results[index] = result
                            elif failure is None:
                                failure = result if isinstance(result, ImrdbError) else \
                                    ImrdbError(f"a parser process failed: {result}")
                            self._arrived.notify_all()
                except (EOFError, OSError):
                    died = True
                died = died or not process.is_alive()
                with self._arrived:
                    if failure is not None and self._failure is None:
                        self._failure = failure
                    if died:
                        answers.close()
                        with self._lock:
                            self._processes[slot] = None
                        self._dead.append(slot)
                    self._arrived.notify_all()

    def _replace(self, slot: int) -> None:
        """Main thread: start a worker in a dead one's place and give its tasks again, less the item it died on."""
        task, position = self._progress[FIELDS * slot], self._progress[FIELDS * slot + 1]
        with self._lock:
            given, self._given[slot] = self._given[slot], {}
            self._tasks[slot].close()
        if given and self._skip is None:
            raise WorkerDied(DIED)
        blamed = task in given and position != IDLE
        overdue = slot in self._overdue
        self._overdue.discard(slot)
        if not blamed:  # a death on an item leaves that item out, so those end; any other kind could repeat
            self._unexplained += 1
            if self._unexplained > MAX_UNEXPLAINED_DEATHS:
                raise WorkerDied(DIED)
        self._spawn(slot)
        self._wake_writer.send_bytes(b"!")  # the collector watches the new worker from now on
        for index, argument in sorted(given.items()):
            if index == task and blamed:
                argument = self._skip(argument, position, overdue)
            self._give(index, argument)

    def _stop_overdue(self) -> None:
        """Kill a worker that has spent more than item_time_limit seconds on one item; its death then
        leaves that item out as for any other (the item reported as overdue, not as a crash)."""
        if not self._item_time_limit or self._skip is None:
            return
        now = _now_ms()
        with self._lock:
            for slot, process in enumerate(self._processes):
                base = FIELDS * slot
                if (process is not None and slot not in self._overdue and self._progress[base] != IDLE
                        and self._progress[base + 1] != IDLE
                        and now - self._progress[base + 2] > self._item_time_limit * 1000):
                    self._overdue.add(slot)
                    process.kill()

    def map(self, arguments: Iterable, window: int) -> Iterator:
        """function(argument) for each argument, in order, with at most `window` tasks outstanding."""
        arguments = iter(arguments)
        sent = received = 0
        while True:
            while sent - received < window and (argument := next(arguments, None)) is not None:
                self._give(sent, argument)
                sent += 1
            if received == sent:
                return
            with self._arrived:
                while received not in self._results and self._failure is None and not self._dead:
                    self._arrived.wait(WATCH_SECONDS if self._item_time_limit else None)
                    self._stop_overdue()
                if self._failure is not None:
                    raise self._failure
                dead, self._dead = self._dead, []
                result = self._results.pop(received, self)
            for slot in dead:
                self._replace(slot)
            if result is self:  # a worker was replaced; the answer is still to come
                continue
            received += 1
            yield result

    def close(self) -> None:
        """Stop the workers: politely when all their tasks are done, at once when some are not."""
        self._closing = True
        with self._lock:
            processes = [(process, self._tasks[slot], bool(self._given[slot]))
                         for slot, process in enumerate(self._processes) if process is not None]
        for process, tasks, busy in processes:
            if busy:
                process.terminate()
            else:
                try:
                    tasks.send(None)
                except OSError:
                    pass
        for process, _, _ in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        self._wake_writer.send_bytes(b"!")
        self._collector.join(timeout=5)
        for connection in [*self._answers, *self._tasks, self._wake_reader, self._wake_writer]:
            if connection is not None:
                connection.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
