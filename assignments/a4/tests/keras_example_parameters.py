from otter.test_files import test_case

OK_FORMAT = False

name = "keras_example_parameters"
points = None

@test_case(points=0.3333333333333333, hidden=False)
def test_keras_example_parameters_form(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'keras_example_parameters.form')

