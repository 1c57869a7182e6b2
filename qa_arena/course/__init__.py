"""The nbgrader course: assignment notebooks generated from the problem bank, course setup, the demo."""
