from otter.test_files import test_case

OK_FORMAT = False

name = "output_size"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_output_size_examples(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a1', 'question': 'output_size', 'name': 'examples', 'check': 'output_size', 'points': 0.6666666666666666, 'hidden': False, 'description': 'sizes from the course text', 'cases': [{'id': 'worked_example', 'params': {'input_size': 5, 'filter_size': 3, 'zero_padding': 1, 'stride': 2}, 'inputs': {}, 'reference': {'values': {'size': 3, 'alternatives': {'true_division': 3.0, 'rounded_up': 3, 'padding_once': 2, 'stride_ignored': 5, 'padding_ignored': 2}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}, {'id': 'stride_one', 'params': {'input_size': 7, 'filter_size': 3, 'zero_padding': 0, 'stride': 1}, 'inputs': {}, 'reference': {'values': {'size': 5, 'alternatives': {'true_division': 5.0, 'rounded_up': 5, 'padding_once': 5, 'stride_ignored': 5, 'padding_ignored': 5}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

