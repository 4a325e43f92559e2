"""The lesson 07 explorer, driven headless through the same callbacks the widgets use.

- the menu holds every closed form in lrlessons.formulas (or says why not);
- each scheduler's controls are the real class's constructor arguments, with its defaults;
- moving a control changes the curve, the image and the code;
- the code shown, executed, rebuilds the curve shown with the real library;
- invalid combinations show a message and keep the previous curve (never an exception);
- the check button reports the largest difference from the real scheduler.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlessons
import lrlessons.formulas
from lrlessons import explorer as X
from lrlessons.explorer import Explorer, entries

# Closed forms that have no menu entry of their own, and why (the menu test keeps this honest).
NOT_IN_MENU = {
    "lambda_lr": "drawn by the LambdaLR entry with a fixed choice of lambdas",
    "multiplicative_lr": "drawn by the MultiplicativeLR entry with a fixed choice of ratios",
    "cyclic_momentum": "a momentum curve, not an lr",
    "one_cycle_momentum": "a momentum curve, not an lr",
}

# One control move per scheduler, to a value that keeps the combination valid.
MOVES = {
    ("torch", "StepLR"): ("step_size", 3),
    ("torch", "MultiStepLR"): ("milestones", "4, 8, 8"),
    ("torch", "ConstantLR"): ("factor", 0.5),
    ("torch", "LinearLR"): ("total_iters", 12),
    ("torch", "ExponentialLR"): ("gamma", 0.8),
    ("torch", "PolynomialLR"): ("power", 2.0),
    ("torch", "CosineAnnealingLR"): ("T_max", 7),
    ("torch", "CosineAnnealingWarmRestarts"): ("T_mult", 2),
    ("torch", "CyclicLR"): ("mode", "triangular2"),
    ("torch", "OneCycleLR"): ("pct_start", 0.1),
    ("torch", "LambdaLR"): ("lr_lambda", "min(1.0, (epoch + 1) / 5)"),
    ("torch", "MultiplicativeLR"): ("lr_lambda", "0.5 if epoch % 10 == 0 else 1.0"),
    ("torch", "SequentialLR"): ("milestone", 8),
    ("torch", "ChainedScheduler"): ("T_max", 12),
    ("torch", "ReduceLROnPlateau"): ("patience", 2),
    ("timm", "PlateauLRScheduler"): ("patience_t", 2),
    ("timm", "WSDLRScheduler"): ("decay_fn", "cosine"),
    ("timm", "CosineLRScheduler"): ("warmup_t", 3),
    ("timm", "TanhLRScheduler"): ("t_initial", 12),
    ("timm", "PolyLRScheduler"): ("power", 2.0),
    ("timm", "StepLRScheduler"): ("decay_rate", 0.5),
    ("timm", "MultiStepLRScheduler"): ("decay_rate", 0.5),
    ("keras", "ExponentialDecay"): ("staircase", True),
    ("keras", "PiecewiseConstantDecay"): ("boundaries", "100, 700"),
    ("keras", "PolynomialDecay"): ("power", 2.0),
    ("keras", "InverseTimeDecay"): ("decay_rate", 1.5),
    ("keras", "CosineDecay"): ("alpha", 0.2),
    ("keras", "CosineDecayRestarts"): ("m_mul", 0.5),
}

ENTRY_IDS = [f"{e.library}-{e.cls}" for e in entries()]
_cache: dict = {}


def fresh(entry) -> Explorer:
    return Explorer(entry.library, entry.cls)


def peak_tol(entry) -> float:
    return 2e-6 if entry.library == "keras" else 1e-12  # Keras computes in float32


def test_menu_holds_every_closed_form():
    in_menu = {e.formula for e in entries() if isinstance(e.formula, str)}
    # the explorer's libraries are torch, timm and Keras: other libraries' closed forms are not its menu
    others = set(lrlessons.formulas.__all__) - set(lrlessons.formulas.torch_schedules.__all__) \
        - set(lrlessons.formulas.timm_schedules.__all__) - set(lrlessons.formulas.keras_schedules.__all__)
    for name in set(lrlessons.formulas.__all__) - others:
        assert name in in_menu or name in NOT_IN_MENU, f"{name} is neither in the explorer's menu nor explained"
    # and every menu entry names a real class of its library
    for e in entries():
        assert inspect.isclass(X.real_class(e)), e
    # the menu has every scheduler class of torch and timm (the base classes aside)
    import timm.scheduler
    import torch.optim.lr_scheduler as L
    torch_classes = {n for n, c in vars(L).items() if inspect.isclass(c) and issubclass(c, L.LRScheduler)
                     and c.__module__ == L.__name__ and not n.startswith("_")} - {"LRScheduler"}
    assert torch_classes == {e.cls for e in entries("torch")}
    timm_classes = {n for n, c in vars(timm.scheduler).items() if inspect.isclass(c)
                    and issubclass(c, timm.scheduler.scheduler.Scheduler) and c is not timm.scheduler.scheduler.Scheduler}
    assert timm_classes == {e.cls for e in entries("timm")}
    assert set(X.LEFT_OUT) and all(isinstance(v, str) and v for v in X.LEFT_OUT.values())


def test_a_missing_closed_form_is_left_out(monkeypatch):
    monkeypatch.delattr(lrlessons.formulas, "step_lr")
    assert "StepLR" not in [e.cls for e in entries("torch")]
    assert Explorer("torch").scheduler_w.options[0] != "StepLR"


@pytest.mark.parametrize("entry", entries(), ids=ENTRY_IDS)
def test_controls_are_the_constructor_arguments(entry):
    sig = X.signature_defaults(entry)
    controls = {c.name for c in entry.controls} - ({"metric"} if entry.metric else set())
    if entry.cls in ("SequentialLR", "ChainedScheduler"):  # a stated recipe of two schedulers
        assert "LinearLR" in entry.recipe and "CosineAnnealingLR" in entry.recipe
        assert fresh(entry).message == ""
        return
    lr = {entry.lr_arg} if entry.lr_arg in sig else set()
    assert controls | set(entry.skipped) | lr == set(sig), "every argument is a control, the lr, or explained"
    assert not controls & set(entry.skipped) and not controls & lr
    ex = fresh(entry)
    for c in entry.controls:
        w = ex.controls[c.name]
        default = sig.get(c.name)
        if default is not None:  # the control starts at the class's own default
            got = w.value
            if c.kind in ("ints", "floats"):
                assert X._parse_list(got, c.kind, c.name) == list(default)
            elif c.kind == "choice" and default not in c.options:  # a function: the first fixed choice
                assert got == (c.start or c.options[0])
            else:
                assert got == pytest.approx(default), c.name
        if c.kind == "logfloat":
            assert w.base ** w.min <= w.value <= w.base ** w.max, c.name
        elif c.kind in ("float", "int", "optint", "optfloat"):
            assert w.min <= w.value <= w.max, c.name
        assert c.name in w.description and f"lrx-param-{c.name}" in w._dom_classes
    if entry.lr_arg in sig and sig[entry.lr_arg] is not None:
        assert ex.lr == pytest.approx(sig[entry.lr_arg])
    # the drawn curve is the closed form at these arguments, one value per optimizer step
    assert (ex.message == "" or ex.message.startswith("Note")) and ex.curve.size == ex.n_steps


@pytest.mark.parametrize("entry", entries(), ids=ENTRY_IDS)
def test_moving_a_control_changes_curve_image_and_code_and_the_code_rebuilds_it(entry):
    ex = fresh(entry)
    name, value = MOVES[entry.key]
    before = (ex.curve.copy(), ex.png, ex.code)
    ex.set(name, value)
    assert ex.message == "" or ex.message.startswith("Note"), ex.message
    assert not np.array_equal(ex.curve, before[0])
    assert ex.png != before[1] and ex.image_w.value == ex.png
    assert ex.code != before[2] and ex.code_w.value == ex.code
    assert f"{name}=" in ex.code or f"{name}]" in ex.code or name == "milestone"
    assert str(value).split(",")[0] in ex.code
    # the code shown, executed, rebuilds the curve shown with the real library
    ns: dict = {}
    exec(compile(ex.code, "<explorer code>", "exec"), ns)  # noqa: S102 - the code the learner copies
    curve = np.asarray(ns["curve"], dtype=float)
    assert curve.shape == ex.curve.shape
    assert np.abs(curve - ex.curve).max() <= peak_tol(entry) * np.abs(curve).max()


@pytest.mark.parametrize("entry", entries(), ids=ENTRY_IDS)
def test_check_reports_the_largest_difference(entry):
    ex = fresh(entry)
    ex.set_many(train_epochs=10, batches_per_epoch=10)
    result = ex.check()
    ns: dict = {}
    exec(compile(ex.code, "<explorer code>", "exec"), ns)  # the real library, run independently of check()
    real = np.asarray(ns["curve"], dtype=float)
    assert result["max_abs"] == pytest.approx(np.abs(real - ex.curve).max(), abs=1e-18)
    assert result["steps"] == ex.n_steps == 100
    assert f"{result['max_abs']:.3g}" in ex.check_out_w.value
    assert result["ok"] == (result["max_abs"] <= peak_tol(entry) * np.abs(real).max())


def test_check_catches_a_wrong_closed_form(monkeypatch):
    ex = Explorer("torch", "StepLR")
    assert ex.check()["ok"]
    right = lrlessons.formulas.step_lr
    monkeypatch.setattr(lrlessons.formulas, "step_lr", lambda t, *a, **k: right(t, *a, **k) * 1.01)
    ex.set("gamma", 0.5)
    result = ex.check()
    assert not result["ok"] and result["max_abs"] == pytest.approx(0.01 * 0.1)
    assert "Within 1e-12 of the peak lr: no" in ex.check_out_w.value


def test_check_reports_what_the_real_library_refuses(monkeypatch):
    ex = Explorer("torch", "StepLR")
    import lrlessons.explorer.widget as widget
    monkeypatch.setattr(widget, "real_module", lambda entry: (_ for _ in ()).throw(RuntimeError("no such class")))
    result = ex.check()
    assert not result["ok"] and "no such class" in result["error"] and "no such class" in ex.check_out_w.value


def _assert_kept(ex, before, words):
    assert ex.message.startswith("Cannot draw") and all(w in ex.message for w in words), ex.message
    assert "Traceback" not in ex.message and "#b00020" in ex.message_w.value
    assert np.array_equal(ex.curve, before[0]) and ex.png == before[1] and ex.code == before[2]


def test_one_cycle_too_short_shows_a_message_and_keeps_the_curve():
    ex = Explorer("torch", "OneCycleLR")
    before = (ex.curve.copy(), ex.png, ex.code)
    ex.set("total_steps", ex.n_steps - 1)
    _assert_kept(ex, before, ["too short", str(ex.n_steps)])
    ex.set("total_steps", 10 * ex.n_steps).set("pct_start", 0.0001)  # warmup of zero steps
    assert "pct_start" in ex.message and "ZeroDivisionError" in ex.message
    ex.set("pct_start", 0.25)
    assert ex.message == "" and not np.array_equal(ex.curve, before[0])


def test_bad_list_and_failing_formula_show_messages(monkeypatch):
    ex = Explorer("torch", "MultiStepLR")
    before = (ex.curve.copy(), ex.png, ex.code)
    ex.set("milestones", "5, ten")
    _assert_kept(ex, before, ["milestones", "'5, ten'", "comma-separated"])
    monkeypatch.setattr(lrlessons.formulas, "multi_step_lr", lambda *a, **k: 1 / 0)
    ex.set("milestones", "3, 6")
    _assert_kept(ex, before, ["division by zero"])
    monkeypatch.setattr(lrlessons.formulas, "multi_step_lr", lambda t, *a, **k: np.full(np.shape(t), np.nan))
    ex.set("gamma", 0.5)
    _assert_kept(ex, before, ["not a finite number"])


@settings(max_examples=25)
@given(data=st.data())
def test_any_control_values_give_a_curve_or_a_message(data):
    """Property: whatever the controls say, the widget never raises."""
    entry = data.draw(st.sampled_from(entries()))
    ex = _cache.get(entry.key) or _cache.setdefault(entry.key, fresh(entry))
    values = {"train_epochs": data.draw(st.integers(1, 30)), "batches_per_epoch": data.draw(st.integers(1, 20))}
    for c in entry.controls:
        w = ex.controls[c.name]
        if c.kind in ("int", "optint"):
            value = data.draw(st.integers(int(w.min), int(w.max)))
        elif c.kind in ("float", "logfloat", "optfloat"):
            lo, hi = (10 ** w.min, 10 ** w.max) if c.kind == "logfloat" else (w.min, w.max)
            value = data.draw(st.floats(lo, hi))
        elif c.kind == "bool":
            value = data.draw(st.booleans())
        elif c.kind == "choice":
            value = data.draw(st.sampled_from(c.options))
        else:
            value = data.draw(st.sampled_from(["3, 9", "0", "", "2, 2, 40", "x", "0.1, 0.01, 0.001"]))
        values[c.name] = value
    before = ex.curve.copy()
    ex.set_many(**values)
    if ex.message.startswith("Cannot draw"):
        assert np.array_equal(ex.curve, before)
    else:  # what is drawn is the closed form at what the controls say, one value per step
        assert ex.curve.size == ex.n_steps and np.isfinite(ex.curve).all()
        assert np.array_equal(ex.curve, ex.compute())


def test_library_switch_rebuilds_the_controls():
    ex = Explorer("torch", "StepLR")
    ex.set("library", "keras")
    assert ex.entry.library == "keras" and ex.scheduler_w.value == entries("keras")[0].cls
    assert set(ex.controls) == {c.name for c in ex.entry.controls}
    assert "keras.optimizers.schedules" in ex.code and ex.interval_w.layout.display == "none"
    ex.set("scheduler", "CosineDecay")
    assert "CosineDecay(" in ex.code and "warmup_target" in ex.controls


def test_pin_overlays_the_previous_curve():
    ex = Explorer("timm", "CosineLRScheduler", t_initial=10, cycle_limit=3)
    ex.pin()
    first = ex.curve.copy()
    ex.set("cycle_mul", 2.0)
    assert np.array_equal(ex.pinned[0], first) and not np.array_equal(ex.curve, first)
    assert np.array_equal(ex._pin_line.get_ydata(), first) and "pinned" in ex.label_w.value
    ex.clear_pin()
    assert ex.pinned is None and len(ex._pin_line.get_ydata()) == 0


def test_horizon_and_log_scale():
    ex = Explorer("torch", "StepLR", train_epochs=4, batches_per_epoch=3)
    assert ex.curve.size == 12 and np.array_equal(ex.curve[:3], [0.1] * 3)  # constant within an epoch
    png = ex.png
    ex.set("log", True)
    assert ex._ax.get_yscale() == "log" and ex.png != png
    ex.set("interval", "step")
    assert 'interval="step"' in ex.code
    np.testing.assert_allclose(ex.curve, lrlessons.formulas.step_lr(np.arange(12), 0.1, step_size=5))


def test_unknown_names_are_refused_clearly():
    with pytest.raises(ValueError, match="scheduler='Nope' is not allowed"):
        Explorer("torch", "Nope")
    with pytest.raises(ValueError, match="library='mxnet'"):
        Explorer("mxnet")
    with pytest.raises(KeyError, match="name='nope'"):
        Explorer("torch", "StepLR").set("nope", 1)


def test_plain_text_face_is_stable_and_the_widget_is_there():
    ex = X.explore("timm", "CosineLRScheduler")
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == ex.summary() == repr(ex)
    assert "0x" not in bundle["text/plain"] and "CosineLRScheduler(" in bundle["text/plain"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id


@pytest.mark.parametrize("name, value, allowed", [
    ("lr_min", -1, "from 0 to 0.1"), ("t_initial", 5000, "from 1 to 1000"), ("lr", 30, "from 1e-06 to 10"),
    ("cycle_limit", 2.5, "whole number"), ("lr_min", float("nan"), "a number"), ("warmup_prefix", "yes", "True or False"),
    ("x_axis", "hours", "'epoch', 'step'"),
])
def test_values_outside_a_range_are_refused_not_clamped(name, value, allowed):
    ex = Explorer("timm", "CosineLRScheduler")
    before = (ex.curve.copy(), ex.png, {**ex.kwargs(), "lr": ex.lr})
    assert ex.set(name, value) is ex
    assert ex.message.startswith("Refused: ") and f"{name}={value!r} is not allowed" in ex.message and allowed in \
        ex.message, ex.message
    assert np.array_equal(ex.curve, before[0]) and ex.png == before[1] and {**ex.kwargs(), "lr": ex.lr} == before[2]


def test_wider_ranges_and_refusal_at_construction():
    ex = X.explore("timm", "CosineLRScheduler", t_initial=1000, lr=3.0)  # the lr slider goes up to 10
    assert ex.kwargs()["t_initial"] == 1000 and ex.lr == 3.0 and ex.message == ""
    ex = X.explore("timm", "CosineLRScheduler", lr_min=-1, t_initial=30)
    assert ex.kwargs() == {**Explorer("timm", "CosineLRScheduler", t_initial=30).kwargs()}
    assert ex.message.startswith("Refused: lr_min=-1 is not allowed")


def test_pin_and_clear_pin_chain_like_set():
    ex = Explorer("torch", "StepLR")
    assert ex.pin() is ex and ex.set("gamma", 0.5).clear_pin() is ex and ex.pinned is None


def test_title_counts_and_x_axis_units():
    ex = Explorer("torch", "StepLR", train_epochs=1, batches_per_epoch=1)
    assert ex._ax.get_title(loc="left").endswith("1 epoch x 1 optimizer step per epoch")
    ex.set_many(train_epochs=12, batches_per_epoch=10)
    assert ex._ax.get_title(loc="left").endswith("12 epochs x 10 optimizer steps per epoch")
    assert ex.x_axis_w.value == "epoch" and ex._ax.get_xlabel() == "epoch"
    assert ex._line.get_xdata()[-1] == pytest.approx(11.9) and ex._ax.get_xlim()[1] == pytest.approx(12)
    ex.set("x_axis", "step")
    assert ex._ax.get_xlabel().startswith("optimizer step") and ex._line.get_xdata()[-1] == 119
    assert Explorer("keras", "CosineDecay").x_axis_w.value == "step"


def test_keras_restart_at_a_period_start_is_explained(monkeypatch):
    """Keras's float32 period count can put a period's first step in the previous period (full-lr gap)."""
    ex = Explorer("keras", "CosineDecayRestarts", t_mul=1.5, first_decay_steps=100)
    shown = ex.curve.copy()
    fake = shown.copy()
    fake[250] = 0.0  # what Keras gives where its float32 log lands just below 2: the floor, alpha * lr
    monkeypatch.setattr(Explorer, "real_curve", lambda self: fake)
    result = ex.check()
    assert not result["ok"] and result["period_starts"] == [250] and result["max_abs"] == pytest.approx(0.1)
    assert "first step of a period (250)" in ex.check_out_w.value and "float32 logarithm" in ex.check_out_w.value
    fake[300] = 0.0  # not a period start: no such explanation
    assert "period_starts" not in ex.check()


@pytest.mark.parametrize("scheduler, moves", [
    ("LambdaLR", {"lr_lambda": "0.1 * 0.95 ** epoch"}), ("MultiplicativeLR", {"lr_lambda": "0.95"}),
    ("SequentialLR", {"milestone": 3, "T_max": 17, "eta_min": 0.01, "start_factor": 0.2}),
    ("ChainedScheduler", {"total_iters": 4, "T_max": 30, "eta_min": 0.002}),
    ("ReduceLROnPlateau", {"metric": X.METRICS[2], "patience": 3, "cooldown": 2, "min_lr": 0.001}),
])
def test_recipe_entries_match_the_real_torch(scheduler, moves):
    ex = Explorer("torch", scheduler, train_epochs=40, batches_per_epoch=3, **moves)
    assert ex.message == "" and ex.check()["ok"]
    ex.set("interval", "step")
    assert ex.check()["ok"]


@settings(max_examples=15)
@given(t_initial=st.integers(1, 60), decay=st.integers(1, 60), warmup=st.integers(0, 10),
       stable=st.sampled_from(["constant", "rsqrt", "power"]),
       decay_fn=st.sampled_from(["linear", "1-sqrt", "cosine", "power", "exp"]),
       lr_min=st.floats(0, 0.01), t_in_epochs=st.booleans())
def test_wsd_closed_form_is_timm(t_initial, decay, warmup, stable, decay_fn, lr_min, t_in_epochs):
    from timm.scheduler import WSDLRScheduler

    decay = min(decay, t_initial)
    timescale = None if warmup else 7.0
    kw = dict(t_initial=t_initial, decay_t=decay, lr_min=lr_min, stable_fn=stable, stable_timescale=timescale,
              decay_fn=decay_fn, warmup_t=warmup, warmup_lr_init=0.001)
    if stable != "constant" and not warmup and timescale is None:
        return
    real = lrlessons.trace(lambda o: WSDLRScheduler(o, t_in_epochs=True, **kw), epochs=t_initial + warmup + 5).lr
    np.testing.assert_allclose(X.wsd_lr(np.arange(real.size), 0.1, **kw), real, rtol=1e-12, atol=1e-15)
