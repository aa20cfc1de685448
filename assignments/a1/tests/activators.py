from otter.test_files import test_case

OK_FORMAT = False

name = "activators"
points = None

@test_case(points=0.3333333333333333, hidden=False)
def test_activators_relu_forward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'activators.relu_forward')

@test_case(points=0.3333333333333333, hidden=False)
def test_activators_relu_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'activators.relu_backward')

@test_case(points=0.3333333333333333, hidden=False)
def test_activators_identity(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'activators.identity')

