"""Rewrites random 4 KiB blocks of a file, each followed by fsync, and saves what the file must hold after.

usage: fsync_writes.py FILE EXPECTED COUNT SEED
"""
import os
import random
import sys

path, expected_path, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
generator = random.Random(seed)
with open(path, "rb") as source:
    content = bytearray(source.read())
blocks = len(content) // 4096
fd = os.open(path, os.O_RDWR)
for _ in range(count):
    offset = generator.randrange(blocks) * 4096
    block = os.urandom(4096)
    os.pwrite(fd, block, offset)
    os.fsync(fd)
    content[offset:offset + 4096] = block
os.close(fd)
with open(expected_path, "wb") as expected:
    expected.write(content)
