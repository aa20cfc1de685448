from otter.test_files import test_case

OK_FORMAT = False

name = "mean_forward"
points = None

@test_case(points=0.5, hidden=False)
def test_mean_forward_basic(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a3', 'question': 'mean_forward', 'name': 'basic', 'check': 'pool_forward', 'points': 0.5, 'hidden': False, 'description': '2x2 windows, stride 2', 'cases': [{'id': 'basic', 'params': {'kind': 'mean', 'input_shape': [1, 4, 4], 'filter_shape': [2, 2], 'stride': 2}, 'inputs': {'input_array': {'__array__': [[[0.4383312688620953, 0.12533718222341517, 0.0007188893752146979, 0.06336972320317208], [0.5632304504414678, 0.6882395415251847, 0.5007741105619563, 0.8756490014455545], [0.6255231101479969, 0.8126471445694521, 0.7505793396163656, 0.25017139539707733], [0.937796856058742, 0.1883535898437094, 0.3758299410226816, 0.3130582317456419]]]}, 'sensitivity_array': {'__array__': [[[-0.15376553979907936, 0.5769290403087604], [0.2851529392167633, -0.4141431961289266]]]}}, 'reference': {'values': {'expected': {'__array__': [[[0.4537846107630407, 0.3601279311464744], [0.6410801751549751, 0.4224097269454416]]]}, 'alternatives': {'max_instead_of_mean': {'__array__': [[[0.6882395415251847, 0.8756490014455545], [0.937796856058742, 0.7505793396163656]]]}, 'stride_ignored': {'__array__': [[[0.4537846107630407, 0.3287674309214427, 0.3601279311464744], [0.6724100616710253, 0.6880600340682397, 0.5942934617552383], [0.6410801751549751, 0.5318525037630522, 0.4224097269454416]]]}}}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

