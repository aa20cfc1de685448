"""Reference implementations of everything students write. Never shipped: releases only get stubs."""
