"""Rules of the pure core, one test each, written as examples a lawyer or accountant can check.

Each test here was written to kill mutants that survived the other tests (docs/mutation.md names
which): the boundaries that cost real money or trust.
"""
