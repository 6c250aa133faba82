"""Shared vocabulary: units, names and checks every package uses, defined once.

A leaf like ``kinematics`` (numpy only, imports nothing of ours): ``sensor``, ``analysis`` and
``posturelog`` may all import it, so a name the simulator, the analysis and the store must agree
on (context names, remedy kinds, sample columns, the nanosecond constant) lives here.
"""
