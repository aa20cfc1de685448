from otter.test_files import test_case

OK_FORMAT = False

name = "network_size"
points = None

@test_case(points=0.75, hidden=False)
def test_network_size_keras_shapes(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'network_size.keras_shapes')

@test_case(points=0.75, hidden=False)
def test_network_size_keras_count(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'network_size.keras_count')

