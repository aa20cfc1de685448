from otter.test_files import test_case

OK_FORMAT = False

name = "bottleneck_cost"
points = None

@test_case(points=0.5, hidden=False)
def test_bottleneck_cost_worked_example(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'bottleneck_cost.worked_example')

