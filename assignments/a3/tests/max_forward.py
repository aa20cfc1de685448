from otter.test_files import test_case

OK_FORMAT = False

name = "max_forward"
points = None

@test_case(points=0.5, hidden=False)
def test_max_forward_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'max_forward.basic')

