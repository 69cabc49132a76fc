"""Benchmarks that print figures; run them with `make bench`."""

import warnings

# bench.scale asks its EXPLAINs through Starlette's test client, as the tests do.
warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
