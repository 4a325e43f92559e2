"""Twins of torch.optim.lr_scheduler's classes (lesson 04).

Same names, same constructor signatures and defaults, same observable behaviour on a
real torch optimizer; plain Python on a small base class (``base.LRScheduler``), one
family per file:

    lambda_lr.py     LambdaLR, MultiplicativeLR
    step_lr.py       StepLR, MultiStepLR, ExponentialLR
    linear_lr.py     ConstantLR, LinearLR, PolynomialLR
    cosine_lr.py     CosineAnnealingLR, CosineAnnealingWarmRestarts
    cyclic_lr.py     CyclicLR
    one_cycle_lr.py  OneCycleLR
    composition.py   SequentialLR, ChainedScheduler
    plateau.py       ReduceLROnPlateau
"""
from lrlessons.reference.torchlike.base import LRScheduler
from lrlessons.reference.torchlike.composition import ChainedScheduler, SequentialLR
from lrlessons.reference.torchlike.cosine_lr import CosineAnnealingLR, CosineAnnealingWarmRestarts
from lrlessons.reference.torchlike.cyclic_lr import CyclicLR
from lrlessons.reference.torchlike.lambda_lr import LambdaLR, MultiplicativeLR
from lrlessons.reference.torchlike.linear_lr import ConstantLR, LinearLR, PolynomialLR
from lrlessons.reference.torchlike.one_cycle_lr import OneCycleLR
from lrlessons.reference.torchlike.plateau import ReduceLROnPlateau
from lrlessons.reference.torchlike.step_lr import ExponentialLR, MultiStepLR, StepLR

__all__ = [
    "LRScheduler",
    "LambdaLR", "MultiplicativeLR",
    "StepLR", "MultiStepLR", "ExponentialLR",
    "ConstantLR", "LinearLR", "PolynomialLR",
    "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CyclicLR", "OneCycleLR",
    "SequentialLR", "ChainedScheduler",
    "ReduceLROnPlateau",
]
