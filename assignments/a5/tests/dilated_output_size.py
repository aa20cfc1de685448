from otter.test_files import test_case

OK_FORMAT = False

name = "dilated_output_size"
points = None

@test_case(points=0.5, hidden=False)
def test_dilated_output_size_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'dilated_output_size.basic')

