from otter.test_files import test_case

OK_FORMAT = False

name = "lenet_train"
points = None

@test_case(points=0.7142857142857143, hidden=False)
def test_lenet_train_loop(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'lenet_train.loop')

