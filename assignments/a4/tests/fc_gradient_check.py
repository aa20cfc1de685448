from otter.test_files import test_case

OK_FORMAT = False

name = "fc_gradient_check"
points = None

@test_case(points=1.0, hidden=False)
def test_fc_gradient_check_every_component(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_gradient_check.every_component')

