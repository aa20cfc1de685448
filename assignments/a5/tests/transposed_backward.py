from otter.test_files import test_case

OK_FORMAT = False

name = "transposed_backward"
points = None

@test_case(points=0.42857142857142855, hidden=False)
def test_transposed_backward_sensitivity_map(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_backward.sensitivity_map')

@test_case(points=0.42857142857142855, hidden=False)
def test_transposed_backward_gradient(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_backward.gradient')

@test_case(points=0.42857142857142855, hidden=False)
def test_transposed_backward_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_backward.backward')

@test_case(points=0.42857142857142855, hidden=False)
def test_transposed_backward_update(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_backward.update')

