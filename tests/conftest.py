"""
One torch thread for the test session and the processes it starts (CLI runs, workers), as benchmarks/ pins it.

The tests train tiny networks, where a second intra-op thread brings little; on a machine that is busy (a shared CI
runner, benchmarks running), torch's idle worker threads spin against the main one and make the suite several times
slower. ``OMP_NUM_THREADS`` set by the caller wins, for the session and its subprocesses (the suite holds with any
thread count: ``OMP_NUM_THREADS=2 python -m pytest`` runs it with two).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

# After OMP_NUM_THREADS, which torch reads when it is first imported
import torch as th

th.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
