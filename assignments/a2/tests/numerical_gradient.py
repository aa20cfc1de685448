from otter.test_files import test_case

OK_FORMAT = False

name = "numerical_gradient"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_numerical_gradient_sum_of_squares(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a2', 'question': 'numerical_gradient', 'name': 'sum_of_squares', 'check': 'numerical_gradient', 'points': 0.6666666666666666, 'hidden': False, 'description': 'the gradient of sum(x**2) at a vector', 'cases': [{'id': 'vector', 'params': {'function': 'sum_of_squares', 'shape': [3]}, 'inputs': {'x': {'__array__': [0.2274611558107411, -0.869392598476219, -0.706916194734637]}}, 'reference': {'values': {'gradient': {'__array__': [0.4549223116214822, -1.738785196952438, -1.413832389469274]}, 'alternatives': {'forward_difference': {'__array__': [0.4549323116220804, -1.7387751969577534, -1.4138223894732957]}, 'not_halved': {'__array__': [0.909844623242506, -3.477570393894957, -2.827664778926042]}}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

