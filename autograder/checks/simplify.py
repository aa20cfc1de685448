"""Simpler configurations of a case, one change at a time: the lattice the runner searches after a hidden failure.

Each check family declares its own simplifications (stride -> 1, padding -> 0, one channel, one filter, identity
activator, square shapes, smaller sizes: the smallest valid one first, then one less), in a fixed order, and only
ones that keep the case valid.
"""

from __future__ import annotations

from typing import NamedTuple

RELU, IDENTITY = "ReluActivator", "IdentityActivator"


class Simplification(NamedTuple):
    kind: str       # what is simplified (stride, input height, ...): the search shrinks one kind as far as it fails
    change: str     # in words, for the feedback: "stride 1"
    params: dict


def _with(params: dict, **changes) -> dict:
    return {**params, **changes}


def _fits(size: int, filter_size: int, padding: int = 0) -> bool:
    return size >= 1 and filter_size >= 1 and size + 2 * padding >= filter_size


def _layer(params: dict, padding_key: str | None) -> list[Simplification]:
    """Conv and pooling layers: input_shape (c, h, w), filter_shape (fh, fw), stride, maybe padding and filters."""
    c, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    p = params.get(padding_key, 0) if padding_key else 0
    out = []
    if params["stride"] > 1:
        out.append(Simplification("stride", "stride 1", _with(params, stride=1)))
    if p > 0:
        out.append(Simplification("padding", "no zero padding", _with(params, **{padding_key: 0})))
    if c > 1:
        out.append(Simplification("channels", "one channel", _with(params, input_shape=[1, h, w])))
    if params.get("filter_number", 1) > 1:
        out.append(Simplification("filters", "one filter", _with(params, filter_number=1)))
    for key in ("activator", "previous_activator"):
        if params.get(key) == RELU:
            out.append(Simplification(key, f"{key.replace('_', ' ')} {IDENTITY}", _with(params, **{key: IDENTITY})))
    if params.get("bias", True) is not False and "filter_number" in params:
        out.append(Simplification("bias", "zero biases", _with(params, bias=False)))
    if params.get("ties"):
        out.append(Simplification("ties", "no ties", _with(params, ties=False)))
    if h != w and _fits(min(h, w), max(fh, fw), p):
        out.append(Simplification("square input", "a square input", _with(params, input_shape=[c, min(h, w), min(h, w)])))
    if fh != fw:
        out.append(Simplification("square filter", "a square filter", _with(params, filter_shape=[min(fh, fw)] * 2)))
    for size in _smaller(h, max(1, fh - 2 * p)):
        out.append(Simplification("input height", f"input height {size}", _with(params, input_shape=[c, size, w])))
    for size in _smaller(w, max(1, fw - 2 * p)):
        out.append(Simplification("input width", f"input width {size}", _with(params, input_shape=[c, h, size])))
    for size in _smaller(fh, 1):
        out.append(Simplification("filter height", f"filter height {size}", _with(params, filter_shape=[size, fw])))
    for size in _smaller(fw, 1):
        out.append(Simplification("filter width", f"filter width {size}", _with(params, filter_shape=[fh, size])))
    return out


def _smaller(size: int, smallest: int) -> list[int]:
    """The sizes a search tries below `size`: the smallest one first (often enough), then one less."""
    return [n for n in dict.fromkeys((smallest, size - 1)) if smallest <= n < size]


def _valid(params: dict, padding_key: str | None) -> bool:
    """Every axis of the (padded) input holds the filter at least once."""
    _, h, w = params["input_shape"]
    fh, fw = params["filter_shape"]
    p = params.get(padding_key, 0) if padding_key else 0
    return _fits(h, fh, p) and _fits(w, fw, p)


def _conv(params):
    return [s for s in _layer(params, "zero_padding") if _valid(s.params, "zero_padding")]


def _pool(params):
    return [s for s in _layer(params, None) if _valid(s.params, None)]


def _shape(params):
    shape = params.get("shape")
    if not shape:
        return []
    return [Simplification(f"axis {i}", f"shape {tuple(shape[:i] + [1] + shape[i + 1:])}",
                           _with(params, shape=shape[:i] + [1] + shape[i + 1:])) for i, n in enumerate(shape) if n > 1]


def _filter(params):
    out = []
    if params["depth"] > 1:
        out.append(Simplification("depth", "depth 1", _with(params, depth=1)))
    if params["width"] != params["height"]:
        side = min(params["width"], params["height"])
        out.append(Simplification("square", f"a square {side}x{side} filter", _with(params, width=side, height=side)))
    for key in ("height", "width"):
        for size in _smaller(params[key], 1):
            out.append(Simplification(key, f"{key} {size}", _with(params, **{key: size})))
    return out


def _output_size(params):
    n, f, p, s = (params[k] for k in ("input_size", "filter_size", "zero_padding", "stride"))
    out = []
    if s > 1:
        out.append(Simplification("stride", "stride 1", _with(params, stride=1)))
    if p > 0 and n >= f:
        out.append(Simplification("padding", "no zero padding", _with(params, zero_padding=0)))
    for size in _smaller(n, max(1, f - 2 * p)):
        out.append(Simplification("input size", f"input size {size}", _with(params, input_size=size)))
    for size in _smaller(f, 1):
        out.append(Simplification("filter size", f"filter size {size}", _with(params, filter_size=size)))
    return out


def _variant(params):
    """Dilated and transposed layers (a5): the conv layer's simplifications, dilation 1 or no output padding first;
    a configuration torch cannot build is skipped by the search."""
    extra = "dilation" if params["layer"] == "dilated" else "output_padding"
    simpler = 1 if extra == "dilation" else 0
    out = []
    if params[extra] != simpler:
        out.append(Simplification(extra, f"{extra.replace('_', ' ')} {simpler}", _with(params, **{extra: simpler})))
    for step in _layer(params, "zero_padding"):
        if step.kind == "stride" and extra == "output_padding":  # torch's output padding stays below the stride
            step = step._replace(params=_with(step.params, output_padding=0))
        out.append(step)
    return out


def _batch_norm(params):
    """Batch normalization (a5): one channel, one training batch, smaller maps; a batch of one value is not searched."""
    if params.get("single"):
        return []
    n, c, h, w = params["input_shape"]
    out = []
    if params.get("steps", 1) > 1:
        out.append(Simplification("steps", "one training batch", _with(params, steps=1)))
    if c > 1:
        out.append(Simplification("channels", "one channel", _with(params, input_shape=[n, 1, h, w])))
    for size in _smaller(h, 1):
        out.append(Simplification("height", f"height {size}", _with(params, input_shape=[n, c, size, w])))
    for size in _smaller(w, 1):
        out.append(Simplification("width", f"width {size}", _with(params, input_shape=[n, c, h, size])))
    return [s for s in out if s.params["input_shape"][0] * s.params["input_shape"][2] * s.params["input_shape"][3] > 1]


FAMILIES = {
    "conv_forward": _conv, "conv_backward": _conv, "conv_update": _conv, "conv_gradcheck": _conv,
    "pool_forward": _pool, "pool_backward": _pool, "pool_gradcheck": _pool,
    "activator": _shape, "numerical_gradient": _shape, "relative_error": _shape,
    "filter_init": _filter, "filter_update": _filter, "output_size": _output_size,
    "variant_forward": _variant, "variant_backward": _variant, "variant_update": _variant, "variant_gradcheck": _variant,
    "bn_forward": _batch_norm, "bn_backward": _batch_norm, "bn_gradcheck": _batch_norm,
}


def simplifications(check_name: str, params: dict) -> list[Simplification]:
    """Each one-step simplification of a case, in a fixed order; [] if none."""
    family = FAMILIES.get(check_name)
    if family is None:
        return []
    try:
        return family(dict(params))
    except (KeyError, TypeError, ValueError):  # params this family does not know how to simplify
        return []
