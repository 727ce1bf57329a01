#!/usr/bin/env python3
"""Fails when a file under src/ includes a header of a room that is not below its own.

The rooms, top to bottom (README.md, "Layout"): a room may include only rooms of a lower rank.
"""
import pathlib
import re
import sys

RANKS = {
    "cli": 6,
    "wrapper": 5, "buildscript": 5, "manager": 5,
    "job": 4,
    "store": 3, "key": 3,
    "config": 2,
    "entry": 1,
    "args": 0, "util": 0,
}

src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / "src")
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []
for path in sorted(src.rglob("*")):
    if path.suffix not in (".h", ".cpp", ".c"):
        continue
    room = path.relative_to(src).parts[0]
    if room not in RANKS:
        bad.append(f"{path}: not in a room")
        continue
    for header in include.findall(path.read_text()):
        target = header.split("/")[0]
        if target == room:
            continue
        if target not in RANKS or RANKS[target] >= RANKS[room]:
            bad.append(f"{path.relative_to(src)}: {room} includes {header}")
for line in bad:
    print(line)
sys.exit(1 if bad else 0)
