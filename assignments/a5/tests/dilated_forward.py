from otter.test_files import test_case

OK_FORMAT = False

name = "dilated_forward"
points = None

@test_case(points=0.6, hidden=False)
def test_dilated_forward_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_forward.basic')

@test_case(points=0.6, hidden=False)
def test_dilated_forward_strided_padded(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_forward.strided_padded')

