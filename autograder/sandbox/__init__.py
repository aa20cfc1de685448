"""The sandbox: student code runs in a child process that sees only the Python standard library, numpy and the
child runtime, in namespaces of its own, as a tenant with its own limits; the grader judges the plain values it
sends back.

Modules: limits (resource limits), isolation (the bubblewrap command and what it binds), tenancy (per-submission
cgroups as root), framing (length-prefixed messages, used by both sides), child (the child's script), process
(one child as the grader sees it), executor (run_test's executor with the submission's time budget) and engine
(SandboxEngine). This file imports nothing: the child imports its package through it.
"""
