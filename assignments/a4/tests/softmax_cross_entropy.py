from otter.test_files import test_case

OK_FORMAT = False

name = "softmax_cross_entropy"
points = None

@test_case(points=0.8, hidden=False)
def test_softmax_cross_entropy_forward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'softmax_cross_entropy.forward')

@test_case(points=0.8, hidden=False)
def test_softmax_cross_entropy_large_logits(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'softmax_cross_entropy.large_logits')

@test_case(points=0.8, hidden=False)
def test_softmax_cross_entropy_backward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'softmax_cross_entropy.backward')

