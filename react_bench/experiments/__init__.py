"""The experiment runner: declarative specs (``specs/*.yaml``), resumable jobs through the one
pipeline, local or Ray execution, and tables/figures from the results store (docs/experiments.md)."""

from .jobs import Job, Plan, plan_jobs
from .outputs import write_outputs
from .runner import RunSummary, make_plan, run_experiment
from .spec import ExperimentSpec, Row, SpecError, builtin_names, load_spec, parse_spec

__all__ = ["ExperimentSpec", "Job", "Plan", "Row", "RunSummary", "SpecError", "builtin_names", "load_spec",
           "make_plan", "parse_spec", "plan_jobs", "run_experiment", "write_outputs"]
