"""`python -m react_bench ...` is `react-bench ...`."""

from .cli import main

main()
