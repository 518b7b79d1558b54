"""A separate hub process appending to the audit trail, for the crash and multi-process tests.

``python -m tests.audit.writer_process DATA_DIR AUDIT_URL COUNT CHECKPOINT_EVERY``: appends COUNT
records (0: until killed) twenty at a time and prints each sequence number once its append returned,
that is once the record is acknowledged as committed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from audit.store import AuditStore
from tests.audit.conftest import event, settings_for


async def main(data_dir: Path, url: str, count: int, checkpoint_every: int) -> None:
    store = await AuditStore.open(settings_for(data_dir, url, audit_checkpoint_every=checkpoint_every))

    async def one(n: int) -> None:
        seq = await store.append(event(n, actor_id=f"pid-{os.getpid()}"))
        print(seq, flush=True)

    n = 0
    try:
        while count == 0 or n < count:
            await asyncio.gather(*(one(n + i) for i in range(min(20, count - n) if count else 20)))
            n += 20
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
