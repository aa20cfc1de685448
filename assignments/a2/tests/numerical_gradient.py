from otter.test_files import test_case

OK_FORMAT = False

name = "numerical_gradient"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_numerical_gradient_sum_of_squares(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'numerical_gradient.sum_of_squares')

