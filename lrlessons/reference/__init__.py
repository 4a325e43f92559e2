"""From-scratch twins of the real schedulers, with the real names and signatures.

``from lrlessons.reference import StepLR`` gives a plain-Python StepLR that drives a
real torch optimizer exactly as ``torch.optim.lr_scheduler.StepLR`` does;
``from lrlessons.reference import CosineLRScheduler`` does the same for timm.
torch's families live in ``torchlike/``, timm's in ``timmlike/``, one family per file.
"""
from lrlessons.reference.torchlike import *  # noqa: F401,F403
from lrlessons.reference.torchlike import __all__ as _torch_names
from lrlessons.reference.timmlike import *  # noqa: F401,F403
from lrlessons.reference.timmlike import __all__ as _timm_names

__all__ = list(_torch_names) + list(_timm_names)
