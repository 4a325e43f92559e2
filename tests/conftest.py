"""Shared test settings.

Hypothesis runs derandomized by default so that CI is repeatable (the examples are
still drawn over the whole argument space, from a fixed seed). For fresh random
examples run with ``HYPOTHESIS_PROFILE=explore``.
"""
import os
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("LRLESSONS_PROGRESS", "0")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import torch  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

torch.set_num_threads(1)

settings.register_profile(
    "repeatable", derandomize=True, deadline=None, max_examples=40, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "explore", deadline=None, max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
warnings.filterwarnings("default")
