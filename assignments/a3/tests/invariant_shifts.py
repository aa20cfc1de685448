from otter.test_files import test_case

OK_FORMAT = False

name = "invariant_shifts"
points = None

@test_case(points=0.25, hidden=False)
def test_invariant_shifts_form(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'invariant_shifts.form')

