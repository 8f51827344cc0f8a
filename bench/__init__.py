"""Splitboard's benchmarks (`python -m bench`, `make bench`) and load test (`python -m bench.load`).

Everything runs on loopback against the simulated cluster: the cluster and the measuring clients in
this process, the dashboard in a child process (so its memory is its own). Speed is reported as
ratios against baselines measured in the same run, never asserted by tests.
"""
