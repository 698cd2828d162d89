"""Side-by-side benchmarks: dsconf against real DeepSpeed (and Hydra), in one process, alternating.

Run ``python -m bench`` (``--help`` for options) from the repository root with DeepSpeed installed; the nox session
``bench`` does that in a fresh virtualenv. ``--write-readme`` rewrites the README's Performance block from the run.
Targets are printed as PASS/MISS; they are never unit tests (timings on a shared machine are noise-prone).
"""
