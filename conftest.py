"""Settings for every pytest run from the repository root, notebooks included.

Kernels that nbval starts inherit this environment: no progress bars in outputs
(they are for learners, not for stored notebooks) and Keras on its torch backend.
"""
import os

os.environ.setdefault("LRLESSONS_PROGRESS", "0")
os.environ.setdefault("KERAS_BACKEND", "torch")
