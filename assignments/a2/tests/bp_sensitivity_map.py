from otter.test_files import test_case

OK_FORMAT = False

name = "bp_sensitivity_map"
points = None

@test_case(points=0.5555555555555556, hidden=False)
def test_bp_sensitivity_map_small(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bp_sensitivity_map.small')

@test_case(points=0.5555555555555556, hidden=False)
def test_bp_sensitivity_map_strided_padded_relu(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bp_sensitivity_map.strided_padded_relu')

@test_case(points=0.5555555555555556, hidden=False)
def test_bp_sensitivity_map_non_square_filter(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bp_sensitivity_map.non_square_filter')

