from otter.test_files import test_case

OK_FORMAT = False

name = "layer_as_layer"
points = None

@test_case(points=0.6666666666666666, hidden=False)
def test_layer_as_layer_fc_as_conv(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'layer_as_layer.fc_as_conv')

@test_case(points=0.6666666666666666, hidden=False)
def test_layer_as_layer_conv1x1_as_fc(env):
    from autograder.notebook import run_otter_test
    run_otter_test(env, 'layer_as_layer.conv1x1_as_fc')

