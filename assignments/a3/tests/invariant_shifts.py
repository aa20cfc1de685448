from otter.test_files import test_case

OK_FORMAT = False

name = "invariant_shifts"
points = None

@test_case(points=0.25, hidden=False)
def test_invariant_shifts_form(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a3', 'question': 'invariant_shifts', 'name': 'form', 'check': 'answer', 'points': 0.25, 'hidden': False, 'description': 'invariant_shifts is a list of ints', 'cases': [{'id': 'form', 'params': {'name': 'invariant_shifts', 'quantity': 'invariant_shifts', 'format_only': True, 'image': {'shape': [1, 6, 8], 'pixel': [2, 3]}, 'pool': {'window': [2, 2], 'stride': 2}, 'shifts': [-3, -2, -1, 0, 1, 2, 3]}, 'inputs': {}, 'reference': {'values': {}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

