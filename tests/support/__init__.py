"""What the tests share beyond fixtures: paths of the checkout and its fixtures, real servers to start.

Imported by tests and benchmarks (`from tests.support.paths import ADDER`); fixtures stay in conftest.py.
"""
