"""A delaying TCP proxy for scripts/netlab (the kernel here has no netem).

usage: netlab-delay.py LISTEN_HOST:PORT TARGET_HOST:PORT MILLISECONDS JITTER_MILLISECONDS

Every byte read on either side is written to the other MILLISECONDS ± JITTER_MILLISECONDS later (uniform),
never before the bytes read ahead of it, so a stream keeps its order. A side that closes is closed on the
other once what it sent has been delivered. Runs until killed.
"""

import asyncio
import random
import sys
import time

CHUNK = 64 * 1024
QUEUED_CHUNKS = 256


def split_address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


async def carry(reader, writer, delay, jitter):
    queue = asyncio.Queue(QUEUED_CHUNKS)

    async def read_side():
        last = 0.0
        while True:
            data = await reader.read(CHUNK)
            due = max(last, time.monotonic() + (delay + random.uniform(-jitter, jitter)) / 1000)
            last = due
            await queue.put((due, data))
            if not data:
                return

    async def write_side():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(read_side(), write_side())
    except (ConnectionError, OSError):
        pass


async def serve(client_reader, client_writer, target, delay, jitter):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(
            carry(client_reader, upstream_writer, delay, jitter),
            carry(upstream_reader, client_writer, delay, jitter),
        )
    finally:
        for writer in (client_writer, upstream_writer):
            try:
                writer.close()
            except OSError:
                pass


async def main():
    listen = split_address(sys.argv[1])
    target = split_address(sys.argv[2])
    delay, jitter = float(sys.argv[3]), float(sys.argv[4])
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, target, delay, jitter), listen[0], listen[1], reuse_address=True
    )
    print("listening", sys.argv[1], "->", sys.argv[2], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    asyncio.run(main())
