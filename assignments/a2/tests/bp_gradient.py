from otter.test_files import test_case

OK_FORMAT = False

name = "bp_gradient"
points = None

@test_case(points=0.8, hidden=False)
def test_bp_gradient_small(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bp_gradient.small')

@test_case(points=0.8, hidden=False)
def test_bp_gradient_strided_padded(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bp_gradient.strided_padded')

