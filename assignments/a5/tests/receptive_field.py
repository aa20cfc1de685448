from otter.test_files import test_case

OK_FORMAT = False

name = "receptive_field"
points = None

@test_case(points=0.4, hidden=False)
def test_receptive_field_stride_one(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'receptive_field.stride_one')

@test_case(points=0.4, hidden=False)
def test_receptive_field_strides_and_dilation(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'receptive_field.strides_and_dilation')

