from otter.test_files import test_case

OK_FORMAT = False

name = "output_size"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_output_size_examples(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'output_size.examples')

