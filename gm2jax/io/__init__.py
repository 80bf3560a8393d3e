"""Input readers (GM2Calc, SLHA) and packaged benchmark points."""

from gm2jax.io.gm2calc import MSSMInput as MSSMInput
from gm2jax.io.slha_input import read_mssm_file as read_mssm_file
from gm2jax.io.slha import parse_slha as parse_slha

__all__ = [
    "MSSMInput",
    "parse_slha",
    "read_mssm_file",
]
