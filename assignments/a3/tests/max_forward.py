from otter.test_files import test_case

OK_FORMAT = False

name = "max_forward"
points = None

@test_case(points=0.5, hidden=False)
def test_max_forward_basic(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a3', 'question': 'max_forward', 'name': 'basic', 'check': 'pool_forward', 'points': 0.5, 'hidden': False, 'description': '2x2 windows, stride 2', 'cases': [{'id': 'basic', 'params': {'kind': 'max', 'input_shape': [1, 4, 4], 'filter_shape': [2, 2], 'stride': 2}, 'inputs': {'input_array': {'__array__': [[[0.5005600200293336, 0.06272051353441238, 0.12579209005297728, 0.8131592698499575], [0.37553896914682566, 0.6259456550974569, 0.7501986668294331, 0.5633759302268543], [2.176713702116584e-05, 0.3129294675406207, 0.8754091415894601, 0.9375394938273268], [0.18767779189755532, 0.6881491897305365, 0.43750247807776416, 0.2509088231417893]]]}, 'sensitivity_array': {'__array__': [[[-0.4195468298582765, 0.545775274653272], [0.43722971491163376, -0.34788424183441147]]]}}, 'reference': {'values': {'expected': {'__array__': [[[0.6259456550974569, 0.8131592698499575], [0.6881491897305365, 0.9375394938273268]]]}, 'alternatives': {'mean_instead_of_max': {'__array__': [[[0.39119128945200715, 0.5631314892398056], [0.2971945540764334, 0.6253399841590851]]]}, 'stride_ignored': {'__array__': [[[0.6259456550974569, 0.7501986668294331, 0.8131592698499575], [0.6259456550974569, 0.8754091415894601, 0.9375394938273268], [0.6881491897305365, 0.8754091415894601, 0.9375394938273268]]]}}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

