"""Twins of timm.scheduler's classes (lesson 05): timm's names, signatures and defaults.

One family per file, as in timm; ``scheduler.py`` holds the shared base class
(warmup, noise, ``step`` / ``step_update``, checkpoints).
"""
from lrlessons.reference.timmlike.cosine_lr import CosineLRScheduler
from lrlessons.reference.timmlike.multistep_lr import MultiStepLRScheduler
from lrlessons.reference.timmlike.plateau_lr import PlateauLRScheduler
from lrlessons.reference.timmlike.poly_lr import PolyLRScheduler
from lrlessons.reference.timmlike.step_lr import StepLRScheduler
from lrlessons.reference.timmlike.tanh_lr import TanhLRScheduler

__all__: list[str] = [
    "CosineLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler", "PolyLRScheduler",
    "StepLRScheduler", "TanhLRScheduler",
]
