from otter.test_files import test_case

OK_FORMAT = False

name = "output_shape"
points = None

@test_case(points=0.25, hidden=False)
def test_output_shape_form(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'output_shape.form')

