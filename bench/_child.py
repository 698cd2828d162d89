"""Run one command and report its wall time and peak RSS as JSON (``python -m bench._child OUT CMD...``).

A small launcher: a child forked straight from the benchmark process would report the benchmark's own peak RSS
(Linux keeps the pre-exec high-water mark, and the benchmark holds torch), so the command is started from here,
a bare interpreter, and its ``RUSAGE_CHILDREN`` maximum is the command's own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    t = time.perf_counter()
    code = subprocess.call(argv, stdout=sys.stdout, stderr=sys.stderr)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux reports KiB
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"wall": wall, "maxrss": rss, "returncode": code}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
