"""Closed forms: each schedule as a pure NumPy function of the step array ``t``.

``lrlessons.formulas.step_lr(t, base_lr=0.1, step_size=30, gamma=0.1)`` returns the
lr at every step in ``t`` at once, with no scheduler and no optimizer; the explorer
(lesson 07) and the fast plots use them. The name of each function is the snake_case
name of the class it mirrors and its keyword arguments are that class's constructor
arguments: torch's schedules are in ``torch_schedules``, timm's in
``timm_schedules``, Keras's ``LearningRateSchedule`` classes in ``keras_schedules``.
transformers' ``get_X`` schedules are ``X(t, base_lr, **kwargs)`` in
``transformers_schedules`` (lesson 09), e.g. ``wsd_schedule``.
"""
from lrlessons.formulas import keras_schedules, timm_schedules, torch_schedules, transformers_schedules
from lrlessons.formulas.keras_schedules import *  # noqa: F401,F403
from lrlessons.formulas.timm_schedules import *  # noqa: F401,F403
from lrlessons.formulas.torch_schedules import *  # noqa: F401,F403
from lrlessons.formulas.transformers_schedules import *  # noqa: F401,F403

__all__ = (list(torch_schedules.__all__) + list(timm_schedules.__all__) + list(keras_schedules.__all__)
           + list(transformers_schedules.__all__))
