from otter.test_files import test_case

OK_FORMAT = False

name = "max_backward"
points = None

@test_case(points=0.5714285714285714, hidden=False)
def test_max_backward_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'max_backward.basic')

@test_case(points=0.5714285714285714, hidden=False)
def test_max_backward_overlapping(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'max_backward.overlapping')

@test_case(points=0.5714285714285714, hidden=False)
def test_max_backward_tall_window(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'max_backward.tall_window')

@test_case(points=0.5714285714285714, hidden=False)
def test_max_backward_first_of_ties(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'max_backward.first_of_ties')

