"""Training without a fixed end: branching decays from checkpoints, schedule-free evaluation.

Lesson 11 compares warmup-stable-decay (WSD), cosine and schedule-free training over
several seeds. To keep that fast, :class:`SeedStack` holds one small network per seed
and runs them side by side in one set of tensors: copy ``s`` sees only its own batches
and its own gradients, so training the stack is training each copy on its own (the
same loop over seeds, minus the Python overhead). Every optimizer the lesson uses
(SGD, AdamW, schedule-free SGD and AdamW) updates each number independently of the
others, which is what makes this exact.

- :func:`run` trains the stack for a number of optimizer steps, records the lr of every
  step and evaluates every ``eval_every`` steps; ``save_at`` keeps checkpoints, and
  ``resume`` continues from one with a different scheduler: a WSD decay branched from
  the stable phase.
- :func:`evaluate` measures loss and accuracy. For a schedule-free optimizer it can
  switch the weights to the averaged point ``x`` (``optimizer.eval()``) and recompute
  the BatchNorm statistics there, as the schedulefree README recommends.

Used in lesson 11.
"""
from __future__ import annotations

import copy
import functools
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from lrlessons._checks import bad_value, one_of, positive_int
from lrlessons.data import Split, load
from lrlessons.env import THREADS

__all__ = ["EVAL_MODES", "Run", "SeedStack", "batch_indices", "evaluate", "is_schedule_free",
           "recompute_batchnorm", "run"]

#: How :func:`evaluate` treats a schedule-free optimizer (see its docstring).
EVAL_MODES = ("as is", "optimizer.eval()", "optimizer.eval() + BN")


class SeedStack(nn.Module):
    """One two-layer perceptron per seed, run side by side.

    Each copy is ``features -> hidden -> [BatchNorm] -> ReLU -> classes`` (with BatchNorm, the
    first layer has no bias: BatchNorm would remove it anyway). Copy ``s`` starts
    from the weights ``torch.nn.Linear`` draws after ``torch.manual_seed(seeds[s])``, as
    ``lrlessons.training.make_model`` does. Input ``(S, B, features)``, output
    ``(S, B, classes)``: ``x @ W + b`` per copy (``torch.baddbmm``). The BatchNorm layer
    normalises each copy's hidden units over that copy's batch only.
    """

    def __init__(self, seeds: Sequence[int], features: int = 64, hidden: int = 128, classes: int = 10,
                 batch_norm: bool = False) -> None:
        super().__init__()
        seeds = _seeds(seeds)
        positive_int("features", features)
        positive_int("hidden", hidden)
        positive_int("classes", classes)
        self.seeds, self.hidden, self.batch_norm = seeds, hidden, bool(batch_norm)
        w1, b1, w2, b2 = [], [], [], []
        for seed in seeds:
            torch.manual_seed(seed)
            first, second = nn.Linear(features, hidden), nn.Linear(hidden, classes)
            w1.append(first.weight.detach().T)
            b1.append(first.bias.detach())
            w2.append(second.weight.detach().T)
            b2.append(second.bias.detach())
        self.w1 = nn.Parameter(torch.stack(w1).contiguous())
        # before BatchNorm a bias has no effect (BatchNorm subtracts the mean), and its gradient is
        # pure round-off, which Adam would blow up to full-size steps: no bias there, as usual
        self.b1 = None if batch_norm else nn.Parameter(torch.stack(b1)[:, None, :].contiguous())
        self.w2 = nn.Parameter(torch.stack(w2).contiguous())
        self.b2 = nn.Parameter(torch.stack(b2)[:, None, :].contiguous())
        self.bn = nn.BatchNorm1d(len(seeds) * hidden) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.bmm(x, self.w1) if self.b1 is None else torch.baddbmm(self.b1, x, self.w1)  # (S, B, hidden)
        if self.bn is not None:
            s, b, _ = h.shape
            h = self.bn(h.transpose(0, 1).reshape(b, s * self.hidden)).reshape(b, s, self.hidden).transpose(0, 1)
        return torch.baddbmm(self.b2, torch.relu(h), self.w2)


def _seeds(seeds: Any) -> tuple[int, ...]:
    try:
        got = tuple(seeds)
    except TypeError:
        raise bad_value("seeds", seeds, "a non-empty sequence of whole numbers >= 0, e.g. (0, 1, 2)",
                        TypeError) from None
    if not got or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in got):
        raise bad_value("seeds", seeds, "a non-empty sequence of whole numbers >= 0, e.g. (0, 1, 2)")
    return tuple(int(s) for s in got)


def batch_indices(n: int, batch_size: int, seed: int, step: int) -> torch.Tensor:
    """Indices of the training batch of optimizer step ``step`` (counted from 0).

    Each epoch is a fresh shuffle drawn from ``(seed, epoch)`` (as in
    ``lrlessons.training.batches``); the last incomplete batch of an epoch is dropped,
    so every step has ``batch_size`` images and a run can resume at any step.
    """
    per_epoch = n // positive_int("batch_size", batch_size)
    if per_epoch < 1:
        raise bad_value("batch_size", batch_size, f"at most the number of training images ({n})")
    epoch, i = divmod(step, per_epoch)
    return _shuffle(n, seed, epoch)[i * batch_size:(i + 1) * batch_size].clone()


@functools.lru_cache(maxsize=256)
def _shuffle(n: int, seed: int, epoch: int) -> torch.Tensor:
    """One epoch's order, drawn once (a run asks for it at every step of the epoch)."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def is_schedule_free(optimizer: torch.optim.Optimizer) -> bool:
    """True for schedulefree's optimizers, which keep a train/eval mode of their own."""
    return "train_mode" in optimizer.param_groups[0] and callable(getattr(optimizer, "eval", None))


@torch.no_grad()
def recompute_batchnorm(model: SeedStack, split: Split, batches: int = 20, batch_size: int = 32) -> None:
    """Replace BatchNorm's running mean and variance by averages over training batches.

    Runs ``batches`` training batches through the model in train mode without a gradient
    step (the schedulefree README's recipe); with the weights at ``x`` it gives
    statistics that belong to ``x``. Uses a cumulative average (``momentum=None``).
    """
    positive_int("batches", batches)
    if model.bn is None:
        return
    model.bn.reset_running_stats()
    momentum, model.bn.momentum = model.bn.momentum, None
    was_training = model.training
    model.train()
    try:
        for k in range(batches):
            idx = torch.stack([batch_indices(len(split.x_train), batch_size, 10_000 + s, k) for s in model.seeds])
            model(split.x_train[idx])
    finally:
        model.bn.momentum = momentum
        model.train(was_training)


@torch.no_grad()
def evaluate(model: SeedStack, split: Split, optimizer: torch.optim.Optimizer | None = None,
             how: str = "optimizer.eval() + BN") -> dict[str, np.ndarray]:
    """Loss on the whole training set, test loss and test accuracy, one value per seed.

    The model is evaluated in eval mode (BatchNorm uses its running statistics). For a
    schedule-free optimizer ``how`` says which weights are measured:

    - ``"as is"``: the weights the optimizer trains with (``y``), the bug of a loop that
      forgets ``optimizer.eval()``;
    - ``"optimizer.eval()"``: the averaged weights ``x``, with BatchNorm statistics that
      were gathered at ``y`` during training;
    - ``"optimizer.eval() + BN"``: ``x``, and BatchNorm statistics recomputed at ``x``.

    The model and the optimizer are left in train mode afterwards.
    """
    one_of("how", how, EVAL_MODES)
    sf = optimizer is not None and is_schedule_free(optimizer)
    # the running statistics only (the affine weights belong to the optimizer's x/y switch)
    saved_bn = {k: v.clone() for k, v in model.bn.named_buffers()} if model.bn is not None else None
    if sf and how != "as is":
        optimizer.eval()
        if how == "optimizer.eval() + BN":
            recompute_batchnorm(model, split)
    model.eval()
    out = {}
    for part, x, y in (("train", split.x_train, split.y_train), ("test", split.x_test, split.y_test)):
        logits = model(x.expand(len(model.seeds), *x.shape))
        losses = nn.functional.cross_entropy(logits.transpose(1, 2), y.expand(len(model.seeds), -1),
                                             reduction="none").mean(1)
        out[f"{part}_loss"] = losses.numpy().astype(np.float64)
        out[f"{part}_acc"] = (logits.argmax(2) == y).float().mean(1).numpy().astype(np.float64)
    model.train()
    if saved_bn is not None:  # training goes on with the statistics it had
        for k, v in model.bn.named_buffers():
            v.copy_(saved_bn[k])
    if sf:
        optimizer.train()
    return out


@dataclass
class Run:
    """What :func:`run` recorded (arrays over evaluations have one column per seed).

    ``lrs[k]`` is the lr optimizer step ``k`` used (for a schedule-free optimizer, the
    lr after its built-in warm-up, ``scheduled_lr``); ``eval_steps`` the number of steps
    taken when each evaluation was made; ``train_loss``, ``test_loss``, ``test_acc``
    their results, shape ``(len(eval_steps), seeds)``, measured the first way ``how``
    names; ``by_mode[way]`` holds the same three for every way of ``how``; ``checkpoints`` maps a step
    from ``save_at`` to the state saved there.
    """

    seeds: tuple[int, ...]
    lrs: np.ndarray
    eval_steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    by_mode: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    checkpoints: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    model: SeedStack | None = field(default=None, repr=False)
    optimizer: torch.optim.Optimizer | None = field(default=None, repr=False)

    def final(self, what: str = "train_loss") -> np.ndarray:
        """The last evaluation's ``what`` (one value per seed)."""
        one_of("what", what, ("train_loss", "test_loss", "test_acc"))
        return getattr(self, what)[-1]


def run(make_optimizer: Callable[[Any], torch.optim.Optimizer],
        make_scheduler: Callable[[torch.optim.Optimizer], Any] | None = None, *,
        steps: int, seeds: Sequence[int] = (0, 1, 2), hidden: int = 128, batch_norm: bool = False,
        batch_size: int = 32, eval_every: int = 20, save_at: Sequence[int] = (),
        resume: dict[str, Any] | None = None, how: str | Sequence[str] = "optimizer.eval() + BN",
        data: str | Split = "digits") -> Run:
    """Train one network per seed for ``steps`` optimizer steps (in all) and record it.

    Args:
        make_optimizer: ``parameters -> optimizer``, e.g. ``lambda p: torch.optim.AdamW(p, lr=1e-2)``.
        make_scheduler: ``optimizer -> scheduler`` stepped after every optimizer step, or None.
        steps: the step at which training stops (counting the steps before ``resume``).
        seeds: one network per seed (initial weights and batch order).
        hidden, batch_norm: the network (see :class:`SeedStack`).
        batch_size: images per step and seed.
        eval_every: evaluate after every this many steps (and after the last).
        save_at: steps after which to keep a checkpoint in ``Run.checkpoints``.
        resume: a checkpoint from ``save_at``: continue that run from there. The
            scheduler is built new by ``make_scheduler`` and stepped forward to the
            checkpoint's step, so a WSD schedule that branches into its decay there
            takes over exactly where the stable phase stood.
        how: how a schedule-free optimizer is evaluated (see :func:`evaluate`), or a
            sequence of such ways: each evaluation is then made every way, and the
            first is the one ``Run.train_loss`` etc. show.
        data: a data set name for ``lrlessons.data.load`` or a loaded ``Split``.
    """
    positive_int("steps", steps)
    positive_int("eval_every", eval_every)
    seeds = _seeds(seeds)
    hows = (how,) if isinstance(how, str) else tuple(how)
    if not hows:
        raise bad_value("how", how, "one of " + ", ".join(map(repr, EVAL_MODES)) + ", or a sequence of them")
    for h in hows:
        one_of("how", h, EVAL_MODES)
    save_at = tuple(save_at)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= steps for s in save_at):
        raise bad_value("save_at", save_at, f"a sequence of whole numbers from 1 to steps={steps}")
    if resume is not None and not (isinstance(resume, dict) and {"step", "model", "optimizer"} <= set(resume)):
        raise bad_value("resume", resume, "None or a checkpoint from Run.checkpoints", TypeError)
    if resume is not None and not resume["step"] < steps:
        raise bad_value("steps", steps, f"more than the checkpoint's step ({resume['step']})")
    if not callable(make_optimizer):
        raise bad_value("make_optimizer", make_optimizer, "a function parameters -> optimizer", TypeError)
    if make_scheduler is not None and not callable(make_scheduler):
        raise bad_value("make_scheduler", make_scheduler, "None or a function optimizer -> scheduler", TypeError)
    split = data if isinstance(data, Split) else load(data)
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        return _train(make_optimizer, make_scheduler, split, steps, seeds, hidden, batch_norm, batch_size,
                      eval_every, save_at, resume, hows)
    finally:
        torch.set_num_threads(threads)


def _train(make_optimizer, make_scheduler, split, steps, seeds, hidden, batch_norm, batch_size, eval_every,
           save_at, resume, hows) -> Run:
    model = SeedStack(seeds, split.features, hidden, split.classes, batch_norm)
    opt = make_optimizer(model.parameters())
    sf = is_schedule_free(opt)
    start, lrs, evals = 0, [], []
    if resume is not None:
        model.load_state_dict(resume["model"])
        opt.load_state_dict(resume["optimizer"])
        start, lrs, evals = resume["step"], list(resume["lrs"]), list(resume["evals"])
    sched = None
    if make_scheduler is not None:
        sched = make_scheduler(opt)
        with warnings.catch_warnings():  # stepping a scheduler without an optimizer step warns
            warnings.simplefilter("ignore")
            for _ in range(start):
                sched.step()
    if sf:
        opt.train()
    model.train()
    n, checkpoints = len(split.x_train), {}
    for k in range(start, steps):
        idx = torch.stack([batch_indices(n, batch_size, seed, k) for seed in seeds])
        logits = model(split.x_train[idx])
        # summed over seeds: each copy's gradient is that of its own mean loss
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), split.y_train[idx], reduction="none").mean(1).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        lrs.append(opt.param_groups[0]["scheduled_lr"] if sf else opt.param_groups[0]["lr"])
        if sched is not None:
            sched.step()
        if (k + 1) % eval_every == 0 or k + 1 == steps:
            evals.append((k + 1, {h: evaluate(model, split, opt, h) for h in hows}))
        if k + 1 in save_at:
            if sf:  # the README: put the optimizer in eval mode to save a checkpoint
                opt.eval()
            checkpoints[k + 1] = {"step": k + 1, "model": copy.deepcopy(model.state_dict()),
                                  "optimizer": copy.deepcopy(opt.state_dict()), "lrs": list(lrs),
                                  "evals": list(evals)}
            if sf:
                opt.train()
    by_mode = {h: {what: np.array([e[h][what] for _, e in evals]) for what in ("train_loss", "test_loss", "test_acc")}
               for h in hows}
    first = by_mode[hows[0]]
    return Run(seeds, np.array(lrs, dtype=np.float64), np.array([s for s, _ in evals]), first["train_loss"],
               first["test_loss"], first["test_acc"], by_mode, checkpoints, model, opt)
