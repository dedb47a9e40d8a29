"""Worker processes for the ingest: tasks in, results back in order, and a dead worker noticed at once.

Tasks go out through one queue; each worker answers on a pipe of its own whose writing end only that
worker holds, and a thread of the main process takes the answers off the pipes as they come (so the
workers never wait for the writer). A worker that dies (killed, out of memory), even halfway through
sending a result, shows up as its pipe's end of file or its process sentinel, and the run stops with
WorkerDied instead of waiting forever. (concurrent.futures and multiprocessing.Pool both hang when a
worker dies while sending: their one shared result pipe is left holding half a message.)
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait

from imrdb.errors import ImrdbError, WorkerDied

DIED = "a parser process died (killed, or out of memory); every batch written so far is stored: " \
       "run the same command again to continue"


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 1.0  # where the kernel cannot be asked: how often an idle worker looks for its parent


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
    if watched_by_kernel:
        return tasks.get()
    while True:
        try:
            return tasks.get(timeout=PARENT_CHECK_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                os._exit(1)


def _work(tasks, results, function: Callable, niceness: int, parent: int) -> None:
    watched_by_kernel = _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (the CLI asks the main process to stop on SIGTERM too)
    if niceness:
        os.nice(niceness)
    while (task := _next_task(tasks, parent, watched_by_kernel)) is not None:
        index, argument = task
        try:
            results.send((index, True, function(argument)))
        except ImrdbError as error:  # an expected failure (the database went away): told as it is
            results.send((index, False, error))
        except Exception as error:  # function's own failures are per file; this is the machinery's
            results.send((index, False, f"{type(error).__name__}: {error}"))


class Workers:
    """`count` forked processes applying `function` to tasks. Use as a context manager.

    `niceness` lowers the workers' scheduling priority: with more processes than cores, the main
    process (the ingest's single writer, which every letter waits for) runs first."""

    def __init__(self, count: int, function: Callable, niceness: int = 0):
        context = multiprocessing.get_context("fork")
        self._tasks = context.Queue()
        self._processes = []
        self._pipes = []
        for _ in range(count):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(self._tasks, sending, function, niceness, os.getpid()),
                                      daemon=True)
            process.start()
            sending.close()  # the worker holds the only writing end: its death is this pipe's end of file
            self._processes.append(process)
            self._pipes.append(receiving)
        self._outstanding = 0
        self._results: dict[int, object] = {}
        self._failure: ImrdbError | None = None
        self._arrived = threading.Condition()
        self._collector = threading.Thread(target=self._collect, name="imrdb-results", daemon=True)
        self._collector.start()

    def _collect(self) -> None:
        """Take results off the workers' pipes until one of them ends (a death, or close())."""
        sentinels = {process.sentinel for process in self._processes}
        while True:
            for source in wait([*self._pipes, *sentinels]):
                failure = None
                if source in sentinels:
                    failure = WorkerDied(DIED)
                else:
                    try:
                        index, ok, result = source.recv()
                    except (EOFError, OSError):
                        failure = WorkerDied(DIED)
                    else:
                        if not ok:
                            failure = result if isinstance(result, ImrdbError) else \
                                ImrdbError(f"a parser process failed: {result}")
                with self._arrived:
                    if failure is not None:
                        self._failure = failure
                        self._arrived.notify_all()
                        return
                    self._results[index] = result
                    self._arrived.notify_all()

    def map(self, arguments: Iterable, window: int) -> Iterator:
        """function(argument) for each argument, in order, with at most `window` tasks outstanding."""
        arguments = iter(arguments)
        sent = received = 0
        while True:
            while sent - received < window and (argument := next(arguments, None)) is not None:
                self._tasks.put((sent, argument))
                sent += 1
            self._outstanding = sent - received
            if received == sent:
                return
            with self._arrived:
                while received not in self._results and self._failure is None:
                    self._arrived.wait()
                if received not in self._results:
                    raise self._failure
                result = self._results.pop(received)
            received += 1
            self._outstanding = sent - received
            yield result

    def close(self) -> None:
        """Stop the workers: politely when all their tasks are done, at once when some are not."""
        if self._outstanding == 0:
            for _ in self._processes:
                self._tasks.put(None)
        for process in self._processes:
            if self._outstanding:
                process.terminate()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        self._collector.join(timeout=5)  # it returns once a worker has ended
        self._tasks.cancel_join_thread()  # tasks nobody will read must not keep this process alive
        self._tasks.close()
        for pipe in self._pipes:
            pipe.close()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
