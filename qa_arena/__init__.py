"""QA Arena: grade students' pytest suites against golden code and hidden mutants."""

__version__ = "0.1.0"
