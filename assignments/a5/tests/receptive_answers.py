from otter.test_files import test_case

OK_FORMAT = False

name = "receptive_answers"
points = None

@test_case(points=0.3333333333333333, hidden=False)
def test_receptive_answers_form(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'receptive_answers.form')

