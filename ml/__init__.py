"""Closetspace's machine-learning core: encoders, fine-tuning, the vector index, ranking and evaluation.

Framework-free (PyTorch, numpy, annoy, sentence-transformers): nothing under ml/ imports Django, so scripts,
benchmarks, notebooks and the Celery workers call the same code.
"""
