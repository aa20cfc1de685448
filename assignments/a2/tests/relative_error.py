from otter.test_files import test_case

OK_FORMAT = False

name = "relative_error"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_relative_error_arrays(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'relative_error.arrays')

