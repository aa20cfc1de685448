from otter.test_files import test_case

OK_FORMAT = False

name = "conv_forward"
points = None

@test_case(points=1.5, hidden=False)
def test_conv_forward_worked_example(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'conv_forward.worked_example')

@test_case(points=1.0, hidden=False)
def test_conv_forward_small_relu(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'conv_forward.small_relu')

