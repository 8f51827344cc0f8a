"""A lean Server-Sent Events client for asyncio: one raw loopback connection per stream.

Hundreds of these run in one process, so a stream is not parsed into events: its bytes are kept and
searched for the markup a test waits for, and each read's arrival time is recorded, so the time an
update reached the client does not include the time the benchmark took to notice it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time


class SseStream:
    """GET `path` as `text/event-stream` and keep what arrives; `await open()`, then `wait_for(...)`."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self._buffer = bytearray()
        self._base = 0
        """Absolute offset of `_buffer[0]` (bytes before it were trimmed)."""
        self._ends: list[int] = []
        self._times: list[float] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.error: BaseException | None = None

    async def open(self, timeout: float = 30.0) -> None:
        """Connect and check the answer is a 200 event stream."""
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self._writer = writer
            request = (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
            )
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status + b" " or b"text/event-stream" not in head.lower():
            writer.close()
            raise ConnectionError(f"{self.path}: {status.decode(errors='replace')}")
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while chunk := await reader.read(1 << 16):
                self._buffer += chunk
                self._ends.append(self._base + len(self._buffer))
                self._times.append(time.perf_counter())
                self._arrived.set()
        except OSError as error:
            self.error = error
        finally:
            self._arrived.set()

    @property
    def offset(self) -> int:
        """The absolute offset of the next byte to arrive: pass it as `since` to ignore what came before."""
        return self._base + len(self._buffer)

    @property
    def ended(self) -> bool:
        return self._task is not None and self._task.done()

    def count(self, marker: bytes) -> int:
        """How many times `marker` occurs in what is kept."""
        return self._buffer.count(marker)

    async def wait_for(self, marker: bytes, *, since: int, timeout: float) -> float:
        """When (perf_counter) `marker` arrived at or after absolute offset `since`; TimeoutError after
        `timeout`, ConnectionError if the stream ends first."""
        scanned = since
        async with asyncio.timeout(timeout):
            while True:
                start = max(0, scanned - self._base)
                position = self._buffer.find(marker, start)
                if position >= 0:
                    end = self._base + position + len(marker)
                    return self._times[bisect.bisect_left(self._ends, end)]
                if self.ended:
                    raise ConnectionError(f"the stream {self.path} ended: {self.error}")
                scanned = max(since, self.offset - len(marker) + 1)
                self._arrived.clear()
                await self._arrived.wait()

    def trim(self, before: int | None = None) -> None:
        """Forget what arrived before absolute offset `before` (default: everything so far), so long runs
        keep memory flat."""
        cut = min(self.offset, before if before is not None else self.offset) - self._base
        if cut <= 0:
            return
        del self._buffer[:cut]
        self._base += cut
        kept = bisect.bisect_right(self._ends, self._base)
        del self._ends[:kept]
        del self._times[:kept]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
