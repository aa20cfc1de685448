from otter.test_files import test_case

OK_FORMAT = False

name = "backward_and_update"
points = None

@test_case(points=0.5, hidden=False)
def test_backward_and_update_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'backward_and_update.backward')

@test_case(points=0.5, hidden=False)
def test_backward_and_update_update(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'backward_and_update.update')

