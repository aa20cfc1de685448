"""The equivalence probe: does a mutant really behave differently from the solution?

Both run in this process on the same random configurations (beyond the hidden cases), and everything the tests may
read is compared: return values (or, for a method that returns nothing, the attribute it documents), the arrays
passed in, the answers, and the attributes the solution's docstrings name (self.<attribute>) among output_width,
output_height, output_array (after __init__ and forward), input_array and padded_input_array (after forward),
delta_array, filters and every filter's weights, bias, weights_grad and bias_grad (after __init__, the backward
pass and update).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..student import GradingTimeout, captured_output, time_limit

RTOL, ATOL = 1e-9, 1e-12


def observed(value):
    """A comparable form of what code produced: ('array', kind, shape, float64 values), or a plain value."""
    if isinstance(value, BaseException):
        return ("raised", type(value).__name__)
    if value is None or isinstance(value, (str, bool)):
        return value
    try:
        array = np.asarray(value)
    except Exception:
        return ("object", type(value).__name__)
    if array.dtype.kind not in "biuf":
        return ("object", type(value).__name__)
    kind = "f" if array.dtype.kind == "f" else "i"
    return ("array", kind, array.shape, array.astype(np.float64))


def same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple) and a[:1] == b[:1] == ("array",):
        return a[1:3] == b[1:3] and bool(np.allclose(a[3], b[3], rtol=RTOL, atol=ATOL, equal_nan=True))
    return a == b


def result_of(returned, obj, attribute):
    """What the tests judge: the returned value, or the documented attribute when the method returns None."""
    return returned if returned is not None else getattr(obj, attribute, None)


class Recorder:
    """Observations of one unit on one configuration: label -> observed value; a failure ends the scenario.

    Attributes are observed only when documented (named as self.<attribute> in a docstring of the solution; right
    after __init__, in the class's or __init__'s docstring)."""

    def __init__(self, documented: dict | None = None):
        self.values: dict[str, object] = {}
        self.documented = documented or {}

    def put(self, label, value):
        self.values[label] = observed(value)

    def attribute(self, label, obj, name, after_init=False):
        if name in self.documented.get("init" if after_init else "any", ()):
            self.values[label] = observed(getattr(obj, name)) if hasattr(obj, name) else ("no attribute", name)


def _activators(ns, data, rec):
    for name in ("ReluActivator", "IdentityActivator"):
        if name not in ns:
            continue
        unit = ns[name]()
        for key, value in data["values"].items():
            argument = value.copy() if isinstance(value, np.ndarray) else value
            rec.put(f"{name}.forward({key})", unit.forward(argument))
            rec.put(f"{name}.forward({key}) input after", argument)
            argument = value.copy() if isinstance(value, np.ndarray) else value
            rec.put(f"{name}.backward({key})", unit.backward(argument))
        outputs = data["relu_outputs"].copy()
        rec.put(f"{name}.backward(outputs with zeros)", unit.backward(outputs))


def _filter(ns, data, rec):
    w, h, d = data["size"]
    np.random.seed(data["seed"])
    f = ns["Filter"](w, h, d)
    for name in ("weights", "bias", "weights_grad", "bias_grad"):
        rec.attribute(f"Filter.{name} after __init__", f, name, after_init=True)
    rec.put("Filter.get_weights()", f.get_weights())
    rec.put("Filter.get_bias()", f.get_bias())
    f.weights, f.bias = data["weights"].copy(), data["bias"]
    f.weights_grad, f.bias_grad = data["weights_grad"].copy(), data["bias_grad"]
    f.update(data["learning_rate"])
    rec.attribute("Filter.weights after update", f, "weights")
    rec.attribute("Filter.bias after update", f, "bias")
    rec.put("Filter.get_weights() after update", f.get_weights())


def _conv_layer(ns, data, rec=None):
    """A ConvLayer of the configuration (its new filters recorded in `rec`), then given the configuration's weights."""
    c, h, w = data["input_shape"]
    fh, fw = data["filter_shape"]
    np.random.seed(data["seed"])
    layer = ns["ConvLayer"](w, h, c, fw, fh, data["filter_number"], data["zero_padding"], data["stride"],
                            ns[data["activator"]](), data["learning_rate"])
    if rec is not None:
        _filters(rec, layer, "after __init__")
    for f, weights, bias in zip(layer.filters, data["weights"], data["biases"]):
        f.weights, f.bias = weights.copy(), float(bias)
    return layer


def _filters(rec, layer, when):
    for i, f in enumerate(layer.filters):
        for name in ("weights", "bias", "weights_grad", "bias_grad"):
            rec.attribute(f"filter {i} {name} {when}", f, name, after_init=when == "after __init__")


def _conv(ns, data, rec):
    cls = ns["ConvLayer"]
    for args in data["sizes"]:
        rec.put(f"ConvLayer.calculate_output_size{args}", cls.calculate_output_size(*args))
    layer = _conv_layer(ns, data, rec)
    for name in ("output_width", "output_height", "output_array"):
        rec.attribute(f"{name} after __init__", layer, name, after_init=True)
    rec.put("number of filters", len(layer.filters))
    x = data["input_array"]
    argument = x.copy()
    rec.put("forward", result_of(layer.forward(argument), layer, "output_array"))
    rec.put("input after forward", argument)
    for name in ("output_array", "input_array", "padded_input_array"):
        rec.attribute(f"{name} after forward", layer, name)
    previous = ns[data["previous_activator"]]()
    sens = data["sensitivity_array"]
    if hasattr(ns["ConvLayer"], "bp_sensitivity_map"):
        rec.put("bp_sensitivity_map", result_of(layer.bp_sensitivity_map(sens.copy(), previous), layer, "delta_array"))
        layer.bp_gradient(sens.copy())
        _filters(rec, layer, "after bp_gradient")
        fresh = _conv_layer(ns, data)
        fresh.backward(x.copy(), sens.copy(), previous)
        rec.attribute("delta_array after backward", fresh, "delta_array")
        _filters(rec, fresh, "after backward")
        fresh.update()
        _filters(rec, fresh, "after update")


def _pool(ns, data, rec):
    name = data["class"]
    c, h, w = data["input_shape"]
    fh, fw = data["filter_shape"]
    layer = ns[name](w, h, c, fw, fh, data["stride"])
    for attribute in ("output_width", "output_height", "output_array"):
        rec.attribute(f"{name}.{attribute} after __init__", layer, attribute, after_init=True)
    for key in ("input_array", "ties"):
        x = data[key].copy()
        rec.put(f"{name}.forward({key})", result_of(layer.forward(x), layer, "output_array"))
        rec.put(f"{name}.backward({key})", result_of(layer.backward(x, data["sensitivity_array"].copy()), layer,
                                                        "delta_array"))
        rec.put(f"{name}: the {key} after forward and backward", x)


def _gradcheck(ns, data, rec):
    if "numerical_gradient" in ns:
        x = data["x"].copy()
        rec.put("numerical_gradient", ns["numerical_gradient"](lambda v: float(np.sum(np.sin(v) * v ** 2)), x))
        rec.put("x after numerical_gradient", x)
        rec.put("numerical_gradient(h=1e-3)", ns["numerical_gradient"](lambda v: float(np.sum(v ** 3)),
                                                                         data["x"].copy(), 1e-3))
    if "relative_error" in ns:
        for key, (a, b) in data["pairs"].items():
            rec.put(f"relative_error({key})", ns["relative_error"](np.copy(a), np.copy(b)))


def _answers(ns, data, rec):
    for name in data["names"]:
        rec.put(name, ns.get(name))


def _nonzero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


class Configurations:
    """Random configurations for each unit, drawn once from a seed and shared by the solution and every mutant."""

    def __init__(self, seed: int, count: int):
        self.seed, self.count = seed, count

    def for_units(self, names: set[str]) -> list[tuple[str, dict]]:
        rng = np.random.default_rng(self.seed)
        found = []
        for i in range(self.count):
            if names & {"ReluActivator", "IdentityActivator"}:
                found.append(("activators", self.activators(rng)))
            if "Filter" in names:
                found.append(("filter", self.filter(rng, i)))
            if "ConvLayer" in names:
                found.append(("conv", self.conv(rng, i)))
            for pool in ("MaxPoolingLayer", "MeanPoolingLayer"):
                if pool in names:
                    found.append(("pool", self.pool(rng, pool)))
            if names & {"numerical_gradient", "relative_error"}:
                found.append(("gradcheck", self.gradcheck(rng)))
        answers = sorted(n for n in names if n[:1].islower() and n not in ("numerical_gradient", "relative_error"))
        if answers:
            found.append(("answers", {"names": answers}))
        return found

    @staticmethod
    def activators(rng):
        shape = tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 4)))
        return {"values": {"array": _nonzero(rng, shape), "float": float(_nonzero(rng, ())),
                           "int": int(rng.integers(-3, 4))},
                "relu_outputs": np.where(rng.random(shape) < 0.4, 0.0, rng.uniform(0.1, 2, shape))}

    @staticmethod
    def filter(rng, i):
        w, h, d = (int(n) for n in rng.integers(1, 5, 3))
        return {"size": (w, h, d), "seed": i, "weights": rng.uniform(-1, 1, (d, h, w)), "bias": float(rng.uniform(-1, 1)),
                "weights_grad": _nonzero(rng, (d, h, w)), "bias_grad": float(_nonzero(rng, ())),
                "learning_rate": float(rng.choice([0.01, 0.1, 0.5]))}

    @staticmethod
    def conv(rng, i):
        c, k = (int(n) for n in rng.integers(1, 4, 2))
        fh, fw = (int(n) for n in rng.integers(1, 5, 2))
        p, s = int(rng.integers(0, 3)), int(rng.integers(1, 4))
        h, w = (int(n) for n in rng.integers(max(fh, fw), 9, 2))
        out_h, out_w = (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1
        previous = str(rng.choice(["ReluActivator", "IdentityActivator"]))
        x = rng.uniform(-1, 1, (c, h, w))
        if previous == "ReluActivator":
            x = np.maximum(x, 0)
        sizes = [tuple(int(n) for n in rng.integers(1, 6, 4)) for _ in range(3)]
        sizes = [(n + f, f, p_, s_) for n, f, p_, s_ in sizes]
        return {"input_shape": (c, h, w), "filter_shape": (fh, fw), "filter_number": k, "zero_padding": p,
                "stride": s, "activator": str(rng.choice(["ReluActivator", "IdentityActivator"])),
                "previous_activator": previous, "learning_rate": float(rng.choice([0.01, 0.1])), "seed": i,
                "weights": rng.uniform(-1, 1, (k, c, fh, fw)), "biases": rng.uniform(-1, 1, k), "input_array": x,
                "sensitivity_array": rng.uniform(-1, 1, (k, out_h, out_w)), "sizes": sizes}

    @staticmethod
    def pool(rng, name):
        c = int(rng.integers(1, 4))
        fh, fw = (int(n) for n in rng.integers(1, 4, 2))
        s = int(rng.integers(1, 4))
        h, w = (int(n) for n in rng.integers(max(fh, fw), 9, 2))
        out = (c, (h - fh) // s + 1, (w - fw) // s + 1)
        return {"class": name, "input_shape": (c, h, w), "filter_shape": (fh, fw), "stride": s,
                "input_array": rng.uniform(-1, 1, (c, h, w)),
                "ties": rng.integers(0, 3, (c, h, w)).astype(np.float64),
                "sensitivity_array": rng.uniform(-1, 1, out)}

    @staticmethod
    def gradcheck(rng):
        shape = tuple(int(n) for n in rng.integers(1, 4, rng.integers(1, 3)))
        a = rng.uniform(-1, 1, shape)
        zeros = a.copy()
        zeros.flat[0] = 0.0
        return {"x": rng.uniform(-1, 1, shape),
                "pairs": {"close": (a, a + rng.normal(scale=1e-3, size=shape)), "far": (a, rng.uniform(-1, 1, shape)),
                          "zeros": (zeros, zeros.copy()), "scalars": (float(a.flat[0]), float(a.flat[0]) * 1.01)}}


UNITS = {"activators": _activators, "filter": _filter, "conv": _conv, "pool": _pool, "gradcheck": _gradcheck,
         "answers": _answers}


@dataclass(frozen=True)
class Difference:
    unit: str
    label: str
    configuration: str
    solution: object
    mutant: object

    def describe(self) -> str:
        return f"{self.label} differs ({self.unit}, {self.configuration}): solution {_short(self.solution)}, " \
               f"mutant {_short(self.mutant)}"


def _short(value) -> str:
    if isinstance(value, tuple) and value[:1] == ("array",):
        kind = "int" if value[1] == "i" else "float"
        if value[2] == ():
            return f"{value[3].item():.6g} ({kind})"
        return f"{kind} array of shape {value[2]}"
    return repr(value)


def _configuration_text(unit: str, data: dict) -> str:
    keys = ("input_shape", "filter_shape", "filter_number", "zero_padding", "stride", "activator",
            "previous_activator", "size", "class")
    shown = {k: data[k] for k in keys if k in data}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or unit


class Probe:
    """Observations of the solution on every configuration, then the first difference of each mutant, if any."""

    def __init__(self, solution_namespace: dict, configurations: list[tuple[str, dict]], documented: dict | None = None,
                 time_limit_s: float = 10):
        self.configurations, self.limit, self.documented = configurations, time_limit_s, documented or {}
        self.expected = [self.observe(solution_namespace, unit, data) for unit, data in configurations]

    def observe(self, ns: dict, unit: str, data: dict) -> dict:
        rec = Recorder(self.documented)
        try:
            with time_limit(self.limit), captured_output():
                UNITS[unit](ns, data, rec)
        except GradingTimeout:
            rec.values["(end)"] = ("timeout",)
        except Exception as exc:
            rec.values["(end)"] = observed(exc)
        else:
            rec.values["(end)"] = "completed"
        return rec.values

    def difference(self, mutant_namespace: dict) -> Difference | None:
        for (unit, data), expected in zip(self.configurations, self.expected):
            actual = self.observe(mutant_namespace, unit, data)
            for label in list(expected) + [k for k in actual if k not in expected]:
                a, b = expected.get(label, ("missing",)), actual.get(label, ("missing",))
                if not same(a, b):
                    return Difference(unit, label, _configuration_text(unit, data), a, b)
        return None
