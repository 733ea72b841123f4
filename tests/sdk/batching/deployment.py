"""One deployment model as a real process: meter COUNT records through a batcher, then stop.

    python deployment.py MODE CUSTOMER DIMENSION COUNT

Credentials and URLs come from the PAIGO_* environment variables. Record values are 1..COUNT
(and COUNT+1..2*COUNT in a forked child), so the server's stored values show exactly what arrived
and how often. MODE is one of:

- `threads`: four application threads add concurrently; the batcher is closed.
- `asyncio`: an AsyncUsageBatcher fed by four tasks; closed.
- `gevent`: gevent monkey-patches the process first; four greenlets add; closed.
- `fork`: the client and batcher are used, then the process forks (gunicorn --preload, Celery
  prefork); parent and child each meter their own records and close.
- `sigterm`: `flush_on_sigterm`; records are queued with triggers out of reach, `ready` is
  printed, and the process waits for the test's SIGTERM.
- `serverless`: a handler decorated with `flush_before_return`; the process then ends with
  `os._exit` right after the handler returns, as a frozen function would.
- `exit`: returns without closing; interpreter exit delivers.
"""

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["gevent"]:
    from gevent import monkey  # type: ignore[import-untyped]

    monkey.patch_all()

import asyncio
import os
import threading
import time

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.batching import flush_before_return, flush_on_sigterm


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _in_threads(add: object, values: range, spawn: str = "thread") -> None:
    parts = [values[i::4] for i in range(4)]

    def work(part: range) -> None:
        for value in part:
            add(value)  # type: ignore[operator]

    if spawn == "gevent":
        import gevent

        gevent.joinall([gevent.spawn(work, part) for part in parts])
        return
    workers = [threading.Thread(target=work, args=(part,)) for part in parts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main(argv: list[str]) -> int:
    mode, customer_id, dimension_id, count_text = argv
    count = int(count_text)
    values = range(1, count + 1)
    if mode == "asyncio":
        return asyncio.run(_main_async(customer_id, dimension_id, values))
    client = PaigoClient(retry_deadline=5)
    batcher = client.usage.batcher(flush_interval=0.2, retry_deadline=30)

    def add(value: int) -> None:
        batcher.add(customer_id, dimension_id, value)

    if mode in ("threads", "gevent"):
        _in_threads(add, values, spawn=mode.replace("threads", "thread"))
        report = batcher.close(timeout=60)
        _say(f"pending {report.pending}")
        return 0
    if mode == "fork":
        # Use the client and the batcher first: the pool holds a live connection at the fork.
        half = count // 2
        for value in range(1, half + 1):
            add(value)
        batcher.flush(timeout=60)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for value in range(count + 1, 2 * count + 1):
                    add(value)
                code = 0 if batcher.close(timeout=60).pending == 0 else 2
            finally:
                os._exit(code)
        for value in range(half + 1, count + 1):
            add(value)
        _, status = os.waitpid(pid, 0)
        report = batcher.close(timeout=60)
        _say(f"child {os.waitstatus_to_exitcode(status)} pending {report.pending}")
        return 0
    if mode == "sigterm":
        queued = client.usage.batcher(flush_interval=3600, max_batch=1_000_000)
        flush_on_sigterm(queued, timeout=30)
        for value in values:
            queued.add(customer_id, dimension_id, value)
        _say("ready")
        time.sleep(120)
        return 1
    if mode == "serverless":
        frozen = client.usage.batcher(flush_interval=3600, max_batch=1_000_000)

        @flush_before_return(frozen, timeout=30)
        def handler(event: dict[str, int]) -> int:
            for value in range(1, event["count"] + 1):
                frozen.add(customer_id, dimension_id, value)
            return event["count"]

        handler({"count": count})
        _say("returned")
        os._exit(0)  # the platform freezes the process: no atexit, no thread runs again
    if mode == "exit":
        for value in values:
            add(value)
        _say("done")
        return 0
    raise SystemExit(f"unknown mode {mode}")


async def _main_async(customer_id: str, dimension_id: str, values: range) -> int:
    async with AsyncPaigoClient(retry_deadline=5) as client:
        batcher = client.usage.batcher(flush_interval=0.2, retry_deadline=30)

        async def work(part: range) -> None:
            for value in part:
                await batcher.add(customer_id, dimension_id, value)

        await asyncio.gather(*(work(values[i::4]) for i in range(4)))
        report = await batcher.close(timeout=60)
        _say(f"pending {report.pending}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
