from otter.test_files import test_case

OK_FORMAT = False

name = "pooling_properties"
points = None

@test_case(points=0.5, hidden=False)
def test_pooling_properties_mean_gradient_total(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'pooling_properties.mean_gradient_total')

@test_case(points=0.5, hidden=False)
def test_pooling_properties_max_gradient_total(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'pooling_properties.max_gradient_total')

