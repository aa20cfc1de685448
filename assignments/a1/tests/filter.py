from otter.test_files import test_case

OK_FORMAT = False

name = "filter"
points = None

@test_case(points=0.5, hidden=False)
def test_filter_init(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'filter.init')

@test_case(points=0.5, hidden=False)
def test_filter_update(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'filter.update')

