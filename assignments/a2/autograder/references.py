"""Expected values from torch, in float64, on CUDA when available (device: auto), with TF32 switched off.

torch is imported lazily: students checking public cases in their notebook never need it (public references
are computed at release time and shipped with the tests).
"""

from __future__ import annotations

import functools

import numpy as np

from .cases import CaseSpec, decode, encode


@functools.lru_cache(maxsize=None)
def _torch():
    import torch

    # TF32 only affects float32 matmul/conv on Ampere+ GPUs; everything here is float64, but say so explicitly.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    # The course's tensors are tiny: one CPU thread is ~10x faster than a contended pool, and sums in a fixed order.
    torch.set_num_threads(1)
    return torch


def resolve_device(setting: str = "auto") -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' without a GPU is an error."""
    torch = _torch()
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("course.yml asks for device: cuda, but torch sees no CUDA device")
    return setting


class TorchReference:
    """Reference computations for the course's layers; every result is a float64 numpy array."""

    def __init__(self, device: str = "auto"):
        self.torch = _torch()
        self.device = resolve_device(device)

    @property
    def provenance(self) -> dict:
        return {"torch": self.torch.__version__, "device": self.device, "dtype": "float64"}

    def tensor(self, array):
        """A float64 copy on the reference device (never a view: torch ops must not touch the case's inputs)."""
        return self.torch.tensor(np.array(array, dtype=np.float64, order="C"), device=self.device)

    @staticmethod
    def numpy(tensor) -> np.ndarray:
        return tensor.detach().cpu().numpy().astype(np.float64)

    def relu(self, x) -> np.ndarray:
        """x: any shape -> max(0, x)."""
        return self.numpy(self.torch.relu(self.tensor(x)))

    def conv2d(self, input_array, weights, biases, stride, padding) -> np.ndarray:
        """input (C, H, W), weights (K, C, FH, FW), biases (K,) -> cross-correlation (K, OH, OW), no activation."""
        out = self.torch.nn.functional.conv2d(
            self.tensor(input_array)[None], self.tensor(weights), self.tensor(biases),
            stride=stride, padding=padding)
        return self.numpy(out[0])

    def conv_gradients(self, input_array, weights, biases, sensitivity, stride, padding, crop=None):
        """Autograd of sum(sensitivity * conv2d(...)) -> (d input, d weights, d biases).

        crop=(h, w) keeps only the top-left h x w outputs before weighting (used to model mistakes)."""
        x = self.tensor(input_array).requires_grad_()
        w = self.tensor(weights).requires_grad_()
        b = self.tensor(biases).requires_grad_()
        out = self.torch.nn.functional.conv2d(x[None], w, b, stride=stride, padding=padding)[0]
        if crop is not None:
            out = out[:, :crop[0], :crop[1]]
        (out * self.tensor(sensitivity)).sum().backward()
        return self.numpy(x.grad), self.numpy(w.grad), self.numpy(b.grad)

    def conv_transpose(self, sensitivity, weights, stride, padding) -> np.ndarray:
        """conv_transpose2d of a (K, H, W) map with (K, C, FH, FW) weights -> (C, H', W')."""
        out = self.torch.nn.functional.conv_transpose2d(self.tensor(sensitivity)[None], self.tensor(weights),
                                                        stride=stride, padding=padding)
        return self.numpy(out[0])

    def sgd_step(self, parameters, gradients, learning_rate) -> list[np.ndarray]:
        """One torch.optim.SGD step on copies of the parameters."""
        tensors = [self.tensor(p).requires_grad_() for p in parameters]
        for t, g in zip(tensors, gradients):
            t.grad = self.tensor(g)
        self.torch.optim.SGD(tensors, lr=learning_rate).step()
        return [self.numpy(t) for t in tensors]

    def conv_layer_shape(self, input_shape, filter_number, filter_height, filter_width, padding, stride) -> tuple:
        """Output shape (K, OH, OW) of a conv layer, read off torch's Conv2d."""
        layer = self.torch.nn.Conv2d(input_shape[0], filter_number, (filter_height, filter_width),
                                     stride=stride, padding=padding, dtype=self.torch.float64)
        with self.torch.no_grad():
            out = layer(self.torch.zeros((1, *input_shape), dtype=self.torch.float64))
        return tuple(int(n) for n in out.shape[1:])

    def conv_parameter_count(self, channels, filter_number, filter_height, filter_width) -> int:
        """Trainable parameters (weights and biases) of torch's Conv2d with that geometry."""
        layer = self.torch.nn.Conv2d(channels, filter_number, (filter_height, filter_width))
        return int(sum(p.numel() for p in layer.parameters()))


class References:
    """torch references for cases, computed once per (check, case) and reused for every submission.

    `check` below is a checks.Check (its name, inputs and references), not imported: checks sit above this module."""

    def __init__(self, device: str = "auto"):
        self.device = device
        self._torch_ref = None
        self._cache: dict[tuple[str, str], tuple[dict, dict]] = {}

    @property
    def torch_ref(self):
        if self._torch_ref is None:
            self._torch_ref = TorchReference(self.device)
        return self._torch_ref

    def compute(self, check, case: CaseSpec, inputs: dict) -> tuple[dict, dict]:
        """(reference values, provenance) for a case, ignoring any stored reference."""
        key = (check.name, case.key)
        if key not in self._cache:
            values = check.references(case.params, inputs, self.torch_ref)
            self._cache[key] = (values, self.torch_ref.provenance)
        return self._cache[key]

    def get(self, check, case: CaseSpec, inputs: dict) -> tuple[dict, dict]:
        """Stored references (public cases) when present, else computed with torch."""
        if case.reference is not None:
            return decode(case.reference["values"]), case.reference["provenance"]
        return self.compute(check, case, inputs)

    def materialize(self, check, case: CaseSpec) -> CaseSpec:
        """The case with its inputs and torch references stored in it (what a public case ships with)."""
        inputs = check.inputs(case)
        values, provenance = self.compute(check, case, inputs)
        return CaseSpec(id=case.id, params=case.params, seed=None, inputs=encode(inputs),
                        reference={"values": encode(values), "provenance": provenance})


_DEFAULT_REFERENCES: dict[str, References] = {}


def default_references(device: str) -> References:
    """One References per device for the life of the process, so repeated tests reuse torch results."""
    return _DEFAULT_REFERENCES.setdefault(device, References(device))
