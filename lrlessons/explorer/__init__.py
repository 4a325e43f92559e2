"""An interactive explorer of the course's schedules: ``explore()`` in a notebook (lesson 07).

Pick a library (torch, timm, Keras) and a scheduler; every constructor argument gets a
control built from the real class's signature (same name, same default, a sensible
range). The curve is redrawn from the closed forms in ``lrlessons.formulas`` each time
a control moves, so a 10,000-step curve follows a slider smoothly. Below the plot: the
controls, a "pin" button that keeps the current curve to compare with the next, a
button that steps the real scheduler and says whether it agrees, and the code that
builds the shown schedule with the real library (ready to copy).

Two modules, each readable alone:

- ``catalog``: the menu, one ``Entry`` per scheduler with its controls and ranges
  (and, for the classes that take functions, other schedulers or a metric, the small
  recipe the explorer fixes); ``LEFT_OUT`` says what the menu does not offer;
- ``widget``: the ``Explorer`` that draws, refuses bad values with a message, and checks.

Headless use (tests, benchmarks, lesson cells) drives the same callbacks::

    ex = explore("timm", "CosineLRScheduler")
    ex.set("cycle_mul", 2.0)          # moves the control; the curve is recomputed
    ex.curve, ex.code, ex.message     # what the widget shows
    ex.check()                        # steps the real scheduler, returns the verdict
"""
from lrlessons.explorer.catalog import (ENTRIES, LAMBDAS, LEFT_OUT, METRICS, RATIOS, SKIP_ALWAYS, Control, Entry,
                                        closed_form, entries, initial_value, real_class, signature_defaults,
                                        wsd_lr)
from lrlessons.explorer.widget import Explorer, explore

__all__ = ["Control", "ENTRIES", "Entry", "Explorer", "LAMBDAS", "LEFT_OUT", "METRICS", "RATIOS", "SKIP_ALWAYS",
           "closed_form", "entries", "explore", "initial_value", "real_class", "signature_defaults", "wsd_lr"]
