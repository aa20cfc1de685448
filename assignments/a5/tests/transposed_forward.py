from otter.test_files import test_case

OK_FORMAT = False

name = "transposed_forward"
points = None

@test_case(points=0.6, hidden=False)
def test_transposed_forward_basic(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_forward.basic')

@test_case(points=0.6, hidden=False)
def test_transposed_forward_padded_channels(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'transposed_forward.padded_channels')

