from otter.test_files import test_case

OK_FORMAT = False

name = "output_shape"
points = None

@test_case(points=0.25, hidden=False)
def test_output_shape_form(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a1', 'question': 'output_shape', 'name': 'form', 'check': 'answer', 'points': 0.25, 'hidden': False, 'description': 'output_shape is a tuple of three ints', 'cases': [{'id': 'form', 'params': {'name': 'output_shape', 'quantity': 'output_shape', 'format_only': True, 'layer': {'input_shape': [3, 28, 20], 'filter_number': 16, 'filter_shape': [5, 3], 'zero_padding': 1, 'stride': 2}}, 'inputs': {}, 'reference': {'values': {}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

