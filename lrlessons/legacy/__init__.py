"""torch 1.3's learning-rate schedulers, emulated on today's optimizer (lessons 02 and 03).

torch 1.3 cannot be installed on today's Python, yet its behaviour is what many
tutorials and old training scripts assume. These classes have 1.3's names and
constructor signatures and drive a real modern ``torch.optim`` optimizer the way
1.3 did: the constructor writes the epoch-0 lr at once, ``step(epoch=None)``
writes the closed-form ``get_lr()`` (computed from ``base_lrs``) into every param
group, so of several schedulers on one optimizer the one stepped last wins, and
resuming with ``last_epoch != -1`` needs ``initial_lr`` in every group. The
details are in ``_base``; ``cosine_lr`` tells the short history of the closed form.
``tests/test_legacy.py`` checks every class against the 1.3 formulas.

    from lrlessons.legacy import StepLR, ExponentialLR
"""
from lrlessons.legacy._base import _LRScheduler
from lrlessons.legacy.cosine_lr import CosineAnnealingLR, CosineAnnealingWarmRestarts
from lrlessons.legacy.cyclic_lr import CyclicLR, OneCycleLR
from lrlessons.legacy.lambda_lr import LambdaLR
from lrlessons.legacy.plateau_lr import ReduceLROnPlateau
from lrlessons.legacy.step_lr import ExponentialLR, MultiStepLR, StepLR

__all__ = ["LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
           "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "_LRScheduler"]
