"""Statistics of an evaluation: confidence intervals, calibration, operating points, subgroups."""
