"""A process that meters usage through a batcher, for crash and exit tests.

    python producer.py MODE OUTBOX CUSTOMER DIMENSION COUNT

Credentials and URLs come from the PAIGO_* environment variables. Record number i has the value
i, so the server's stored values say exactly which records arrived and how often. After each
accepted `add` it prints `accepted <i>`; then:

- MODE `hang`: prints `done` and sleeps until it is killed (the test sends SIGKILL);
- MODE `exit`: prints `done` and returns without closing the batcher (atexit must deliver).
"""

from __future__ import annotations

import sys
import time

from paigo_sdk import PaigoClient


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    mode, outbox, customer_id, dimension_id, count = argv
    client = PaigoClient(retry_deadline=5)
    batcher = client.usage.batcher(
        outbox=outbox or None,
        durability="sync",
        max_batch=25,
        flush_interval=3600 if mode == "hang" else 0.5,
        wire_batches=True,
    )
    for index in range(1, int(count) + 1):
        batcher.add(customer_id, dimension_id, index)
        _say(f"accepted {index}")
    _say("done")
    if mode == "hang":
        while True:
            time.sleep(60)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
