from otter.test_files import test_case

OK_FORMAT = False

name = "max_backward"
points = None

@test_case(points=0.8, hidden=False)
def test_max_backward_basic(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a3', 'question': 'max_backward', 'name': 'basic', 'check': 'pool_backward', 'points': 0.8, 'hidden': False, 'description': '2x2 windows, stride 2', 'cases': [{'id': 'basic', 'params': {'kind': 'max', 'input_shape': [1, 4, 4], 'filter_shape': [2, 2], 'stride': 2}, 'inputs': {'input_array': {'__array__': [[[0.2501227424795353, 0.37595596384443647, 0.7500494455151387, 0.8128426664892547], [0.9376437647234537, 0.5631265007484964, 0.06335061077886171, 0.1881451928889953], [0.8753990234484519, 0.6256562917696659, 0.6875826652999338, 0.5000530029375589], [0.4377143317631087, 0.125820628079182, 0.00030333197149376336, 0.313453591198038]]]}, 'sensitivity_array': {'__array__': [[[0.418132451080657, 0.5640859911332852], [0.06268997216897465, -0.02981977395021862]]]}}, 'reference': {'values': {'expected': {'__array__': [[[0.0, 0.0, 0.0, 0.5640859911332852], [0.418132451080657, 0.0, 0.0, 0.0], [0.06268997216897465, 0.0, -0.02981977395021862, 0.0], [0.0, 0.0, 0.0, 0.0]]]}, 'contributions': {'__array__': [[[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]}, 'alternatives': {}, 'total': 1.0150886404326982}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

@test_case(points=0.8, hidden=False)
def test_max_backward_overlapping(env):
    from autograder.notebook import run_otter_test
    spec = {'assignment': 'a3', 'question': 'max_backward', 'name': 'overlapping', 'check': 'pool_backward', 'points': 0.8, 'hidden': False, 'description': 'overlapping windows (stride 1)', 'cases': [{'id': 'overlap', 'params': {'kind': 'max', 'input_shape': [1, 4, 4], 'filter_shape': [2, 2], 'stride': 1}, 'inputs': {'input_array': {'__array__': [[[0.9377378628702715, 0.06331381028671254, 0.8759194636535266, 0.31280751544859026], [0.7501138231448862, 0.5004597550340614, 0.43771626811057923, 0.00029518507583328735], [0.3757559033211651, 0.18806545158562843, 0.8130125983922346, 0.563236018875695], [0.6258396554781622, 0.12598753379859193, 0.25003346542652216, 0.6876419673097532]]]}, 'sensitivity_array': {'__array__': [[[-0.48919026835673196, 0.2864993155993607, -0.20821169557162378], [0.8461996851798861, 0.6667253448891641, -0.7475610314220957], [0.8874770300765351, 0.5521831457710888, -0.3069439086763288]]]}}, 'reference': {'values': {'expected': {'__array__': [[[-0.48919026835673196, 0.0, 0.07828762002773693, 0.0], [0.8461996851798861, 0.0, 0.0, 0.0], [0.0, 0.0, 0.16440355056182843, 0.0], [0.8874770300765351, 0.0, 0.0, 0.0]]]}, 'contributions': {'__array__': [[[1.0, 0.0, 2.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 4.0, 0.0], [1.0, 0.0, 0.0, 0.0]]]}, 'alternatives': {}, 'total': 1.4871776174892546}, 'provenance': {'torch': '2.13.0+cpu', 'device': 'cpu', 'dtype': 'float64'}}}], 'settings': {'rtol': 1e-06, 'atol': 1e-09, 'fd_step': 1e-05, 'fd_tolerance': 1e-06, 'test_timeout_s': 20.0, 'submission_timeout_s': 600.0, 'device': 'auto'}}
    run_otter_test(env, spec)

