from otter.test_files import test_case

OK_FORMAT = False

name = "fc_backward"
points = None

@test_case(points=0.8333333333333334, hidden=False)
def test_fc_backward_sensitivity_map(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_backward.sensitivity_map')

@test_case(points=0.8333333333333334, hidden=False)
def test_fc_backward_gradient(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_backward.gradient')

@test_case(points=0.8333333333333334, hidden=False)
def test_fc_backward_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_backward.backward')

