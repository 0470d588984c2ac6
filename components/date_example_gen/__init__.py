"""SyntheticDateExampleGen: an ExampleGen that generates labelled dates in Beam."""

from components.date_example_gen.component import SyntheticDateExampleGen

__all__ = ["SyntheticDateExampleGen"]
