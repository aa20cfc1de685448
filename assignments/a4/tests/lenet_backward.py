from otter.test_files import test_case

OK_FORMAT = False

name = "lenet_backward"
points = None

@test_case(points=0.8, hidden=False)
def test_lenet_backward_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_backward.backward')

@test_case(points=0.8, hidden=False)
def test_lenet_backward_step(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_backward.step')

