from otter.test_files import test_case

OK_FORMAT = False

name = "dilated_backward"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_dilated_backward_sensitivity_map(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_backward.sensitivity_map')

@test_case(points=0.6666666666666666, hidden=False)
def test_dilated_backward_gradient(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_backward.gradient')

@test_case(points=0.6666666666666666, hidden=False)
def test_dilated_backward_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_backward.backward')

