from otter.test_files import test_case

OK_FORMAT = False

name = "mean_backward"
points = None

@test_case(points=0.75, hidden=False)
def test_mean_backward_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'mean_backward.basic')

@test_case(points=0.75, hidden=False)
def test_mean_backward_overlapping(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'mean_backward.overlapping')

