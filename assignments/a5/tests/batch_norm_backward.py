from otter.test_files import test_case

OK_FORMAT = False

name = "batch_norm_backward"
points = None

@test_case(points=0.6, hidden=False)
def test_batch_norm_backward_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'batch_norm_backward.backward')

@test_case(points=0.6, hidden=False)
def test_batch_norm_backward_every_component(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'batch_norm_backward.every_component')

