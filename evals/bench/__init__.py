"""Benchmarks and harnesses that run the application (the scorers beside them in ``evals`` import none of it)."""
