"""`python -m finfocus_ecs.cli`: what the tests and benchmarks run, as the console script does."""

from finfocus_ecs.cli import main

main()
