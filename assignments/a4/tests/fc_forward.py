from otter.test_files import test_case

OK_FORMAT = False

name = "fc_forward"
points = None

@test_case(points=0.75, hidden=False)
def test_fc_forward_relu(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_forward.relu')

@test_case(points=0.75, hidden=False)
def test_fc_forward_identity(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'fc_forward.identity')

