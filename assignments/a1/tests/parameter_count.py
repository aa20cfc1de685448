from otter.test_files import test_case

OK_FORMAT = False

name = "parameter_count"
points = None

@test_case(points=0.25, hidden=False)
def test_parameter_count_form(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'parameter_count.form')

