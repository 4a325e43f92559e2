"""lrlessons.anytime: the seed stack trains each copy as a separate run would, checkpoints resume
exactly, and schedule-free evaluation switches weights and BatchNorm statistics as documented."""
import numpy as np
import pytest
import schedulefree
import torch
from hypothesis import given, settings, strategies as st
from transformers import get_wsd_schedule

from lrlessons import anytime, training
from lrlessons.data import load

SPLIT = load("digits")
OPTIMIZERS = {
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-2),
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "sf-adamw": lambda p: schedulefree.AdamWScheduleFree(p, lr=1e-2, warmup_steps=5),
    "sf-sgd": lambda p: schedulefree.SGDScheduleFree(p, lr=1.0, warmup_steps=5),
}


def test_copies_start_like_make_model():
    stack = anytime.SeedStack((3, 7), hidden=16)
    for s, seed in enumerate((3, 7)):
        single = training.make_model(hidden=16, seed=seed)
        assert torch.equal(stack.w1[s], single[0].weight.T) and torch.equal(stack.b1[s, 0], single[0].bias)
        assert torch.equal(stack.w2[s], single[2].weight.T) and torch.equal(stack.b2[s, 0], single[2].bias)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_stack_trains_each_seed_as_alone(name, batch_norm):
    both = anytime.run(OPTIMIZERS[name], None, steps=30, seeds=(0, 1), hidden=16, batch_norm=batch_norm,
                       eval_every=10, data=SPLIT)
    alone = anytime.run(OPTIMIZERS[name], None, steps=30, seeds=(1,), hidden=16, batch_norm=batch_norm,
                        eval_every=10, data=SPLIT)
    np.testing.assert_allclose(both.train_loss[:, 1], alone.train_loss[:, 0], rtol=2e-4)
    np.testing.assert_allclose(both.test_acc[:, 1], alone.test_acc[:, 0], atol=1 / 450 + 1e-9)
    assert not np.allclose(both.train_loss[:, 0], both.train_loss[:, 1])  # the seeds really differ


@settings(max_examples=6)
@given(fork=st.integers(1, 5).map(lambda k: 5 * k), decay=st.integers(1, 10), decay_type=st.sampled_from(["linear", "cosine", "1-sqrt"]))
def test_resume_is_the_uninterrupted_run(fork, decay, decay_type):
    opt = OPTIMIZERS["adamw"]
    plan = lambda o: get_wsd_schedule(o, 3, decay, num_stable_steps=fork - 3, decay_type=decay_type)
    whole = anytime.run(opt, plan, steps=fork + decay, seeds=(0, 2), hidden=8, eval_every=5, data=SPLIT)
    stable = anytime.run(opt, lambda o: get_wsd_schedule(o, 3, 1, num_stable_steps=10**6), steps=fork,
                         seeds=(0, 2), hidden=8, eval_every=5, save_at=(fork,), data=SPLIT)
    branch = anytime.run(opt, plan, steps=fork + decay, seeds=(0, 2), hidden=8, eval_every=5,
                         resume=stable.checkpoints[fork], data=SPLIT)
    assert np.array_equal(branch.lrs, whole.lrs)
    assert np.array_equal(branch.eval_steps, whole.eval_steps)
    np.testing.assert_array_equal(branch.train_loss, whole.train_loss)


def test_schedule_free_resume_matches_too():
    opt = OPTIMIZERS["sf-adamw"]
    whole = anytime.run(opt, None, steps=20, seeds=(0,), hidden=8, eval_every=10, data=SPLIT)
    first = anytime.run(opt, None, steps=10, seeds=(0,), hidden=8, eval_every=10, save_at=(10,), data=SPLIT)
    rest = anytime.run(opt, None, steps=20, seeds=(0,), hidden=8, eval_every=10, resume=first.checkpoints[10],
                       data=SPLIT)
    np.testing.assert_allclose(rest.train_loss, whole.train_loss, rtol=1e-5)
    np.testing.assert_array_equal(rest.lrs, whole.lrs)


def test_lrs_are_the_ones_used():
    sf = anytime.run(OPTIMIZERS["sf-sgd"], None, steps=8, seeds=(0,), hidden=8, data=SPLIT)
    np.testing.assert_allclose(sf.lrs, [min(k + 1, 5) / 5 for k in range(8)], rtol=1e-15)
    plan = lambda o: get_wsd_schedule(o, 2, 3, num_stable_steps=2)
    run = anytime.run(OPTIMIZERS["adamw"], plan, steps=8, seeds=(0,), hidden=8, data=SPLIT)
    np.testing.assert_allclose(run.lrs, [0, 0.005, 0.01, 0.01, 0.01, 0.0075, 0.0025, 0], atol=1e-15)


def test_evaluate_modes_for_schedule_free():
    run = anytime.run(OPTIMIZERS["sf-sgd"], None, steps=30, seeds=(0, 1), hidden=16, batch_norm=True, data=SPLIT)
    model, opt = run.model, run.optimizer
    before = {k: v.clone() for k, v in model.state_dict().items()}
    results = {how: anytime.evaluate(model, SPLIT, opt, how) for how in anytime.EVAL_MODES}
    after = model.state_dict()
    for k in before:  # weights back at y (to round-off), BatchNorm statistics restored exactly
        if "running" in k or "num_batches" in k:
            assert torch.equal(before[k], after[k]), k
        else:
            torch.testing.assert_close(before[k], after[k], rtol=1e-5, atol=1e-6)
    assert model.training and opt.param_groups[0]["train_mode"]
    losses = [results[h]["train_loss"] for h in anytime.EVAL_MODES]
    assert not np.allclose(losses[0], losses[1]) and not np.allclose(losses[1], losses[2])
    # as is = the loss of the parameters as they stand (y)
    model.eval()
    with torch.no_grad():
        logits = model(SPLIT.x_train.expand(2, *SPLIT.x_train.shape))
    model.train()
    direct = torch.nn.functional.cross_entropy(logits[0], SPLIT.y_train).item()
    assert np.isclose(results["as is"]["train_loss"][0], direct, rtol=1e-5)


def test_recompute_batchnorm_is_a_plain_average():
    model = anytime.SeedStack((0,), hidden=4, batch_norm=True)
    anytime.recompute_batchnorm(model, SPLIT, batches=3, batch_size=16)
    means = []
    for k in range(3):
        idx = anytime.batch_indices(len(SPLIT.x_train), 16, 10_000, k)
        h = SPLIT.x_train[idx] @ model.w1[0]
        means.append(h.mean(0))
    torch.testing.assert_close(model.bn.running_mean, torch.stack(means).mean(0).detach(), rtol=1e-5, atol=1e-6)
    assert model.bn.momentum == 0.1 and model.training


def test_batch_indices_cover_an_epoch():
    n, b = 100, 32
    epoch = torch.cat([anytime.batch_indices(n, b, 4, k) for k in range(n // b)])
    assert len(set(epoch.tolist())) == (n // b) * b
    assert not torch.equal(anytime.batch_indices(n, b, 4, 0), anytime.batch_indices(n, b, 4, n // b))


@pytest.mark.parametrize("kwargs, name", [
    (dict(steps=0), "steps"), (dict(steps=5, seeds=()), "seeds"), (dict(steps=5, seeds=(-1,)), "seeds"),
    (dict(steps=5, how="eval"), "how"), (dict(steps=5, how=()), "how"), (dict(steps=5, save_at=(6,)), "save_at"),
    (dict(steps=5, resume={"step": 1}), "resume"), (dict(steps=5, eval_every=0), "eval_every"),
    (dict(steps=5, batch_size=5000), "batch_size"), (dict(steps=5, hidden=0), "hidden"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=f"^{name}="):
        anytime.run(OPTIMIZERS["adamw"], None, data=SPLIT, **kwargs)


def test_bad_factories_and_modes():
    with pytest.raises(TypeError, match="^make_optimizer="):
        anytime.run(0.1, steps=5, data=SPLIT)
    with pytest.raises(TypeError, match="^make_scheduler="):
        anytime.run(OPTIMIZERS["adamw"], 3, steps=5, data=SPLIT)
    with pytest.raises(ValueError, match="^how="):
        anytime.evaluate(anytime.SeedStack((0,)), SPLIT, None, "train")
    run = anytime.run(OPTIMIZERS["adamw"], None, steps=4, seeds=(0,), hidden=4, save_at=(2,), data=SPLIT)
    with pytest.raises(ValueError, match="^steps="):
        anytime.run(OPTIMIZERS["adamw"], None, steps=2, seeds=(0,), hidden=4, resume=run.checkpoints[2], data=SPLIT)
    with pytest.raises(ValueError, match="^what="):
        run.final("loss")
