from otter.test_files import test_case

OK_FORMAT = False

name = "flatten"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_flatten_forward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'flatten.forward')

@test_case(points=0.6666666666666666, hidden=False)
def test_flatten_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'flatten.backward')

