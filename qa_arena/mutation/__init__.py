"""Mutants generated from the golden code: propose with mutation operators, screen, let the instructor accept."""
