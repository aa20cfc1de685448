from otter.test_files import test_case

OK_FORMAT = False

name = "relative_error"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_relative_error_arrays(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a2', 'question': 'relative_error', 'name': 'arrays', 'check': 'relative_error', 'points': 0.6666666666666666, 'hidden': False, 'description': 'two close arrays', 'cases': [{'id': 'close', 'params': {'shape': [5], 'noise': 0.001}, 'inputs': {'a': {'__array__': [-0.13412915928946179, -1.0714544712822582, -0.462026467987239, 1.6781729183496825, -1.4663788237769833]}, 'b': {'__array__': [-0.13426005793036794, -1.0706960977027475, -0.46131254248792697, 1.6775666306232817, -1.4661552519195062]}}, 'reference': {'values': {'value': 0.0007731997578491155, 'alternatives': {'relative_error_no_floor': 0.0007731997578491155, 'relative_error_mean': 0.0003743707856491368, 'relative_error_one_sided': 0.001547596116640866}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

