from otter.test_files import test_case

OK_FORMAT = False

name = "batch_norm_forward"
points = None

@test_case(points=0.6, hidden=False)
def test_batch_norm_forward_training(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'batch_norm_forward.training')

@test_case(points=0.6, hidden=False)
def test_batch_norm_forward_running_statistics(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'batch_norm_forward.running_statistics')

