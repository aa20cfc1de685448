from otter.test_files import test_case

OK_FORMAT = False

name = "lenet_forward"
points = None

@test_case(points=0.42857142857142855, hidden=False)
def test_lenet_forward_forward(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_forward.forward')

@test_case(points=0.42857142857142855, hidden=False)
def test_lenet_forward_loss(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_forward.loss')

@test_case(points=0.42857142857142855, hidden=False)
def test_lenet_forward_predict(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_forward.predict')

