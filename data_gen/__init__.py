"""Synthetic labelled dates: a declared format catalogue and a seeded generator."""

from data_gen.formats import CATALOGUE, CATALOGUE_VERSION, FORMAT_NAMES, DateFormat, get_format
from data_gen.generator import DateExample, generate, generate_shard, longest_renderings, shard_sizes

__all__ = [
    "CATALOGUE",
    "CATALOGUE_VERSION",
    "FORMAT_NAMES",
    "DateExample",
    "DateFormat",
    "generate",
    "generate_shard",
    "get_format",
    "longest_renderings",
    "shard_sizes",
]
