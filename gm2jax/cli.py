"""Command line: a thin layer over the library (``gm2jax --help``).

JAX is imported lazily so that ``gm2jax --version`` answers instantly.
"""

from __future__ import annotations

import json
import sys

import click

from gm2jax import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gm2jax")
def main():
    """gm2jax: differentiable new-physics contributions to lepton g-2."""


@main.command()
@click.argument("files", nargs=-1)
@click.option("--lepton", type=click.Choice(["e", "mu", "tau"]), default="mu", show_default=True)
@click.option("--resum/--no-resum", default=None, help="tan(beta) resummation (default: GM2CalcConfig entry 2; off for SLHA).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--benchmark", "benchmarks", multiple=True, help="A packaged benchmark point by name (see --list-benchmarks).")
@click.option("--list-benchmarks", is_flag=True, help="List the packaged benchmark points and exit.")
def amu(files, lepton, resum, as_json, benchmarks, list_benchmarks):
    """One-loop MSSM a_l for GM2Calc input or SLHA FILES ('-' = stdin), batched in one compilation."""
    from gm2jax.errors import Gm2jaxError
    from gm2jax.io import benchmarks as bm
    from gm2jax.io.amu_batch import amu_files

    if list_benchmarks:
        for name, path in bm.list_benchmarks().items():
            click.echo(f"{name}\t{path}")
        return
    inputs = list(files) + [str(bm.benchmark_path(b)) for b in benchmarks]
    if not inputs:
        raise click.UsageError("give at least one input FILE or --benchmark NAME")
    try:
        rows = amu_files(inputs, lepton=lepton, resum=resum)
    except Gm2jaxError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    failed = False
    for row in rows:
        failed |= row["status"] != 0
        if as_json:
            click.echo(json.dumps(row))
        else:
            fmt = lambda x: "nan" if x is None else f"{x:.6e}"  # noqa: E731
            click.echo(
                f"{row['file']}: a_{row['lepton']} = {fmt(row['total'])} "
                f"(neutralino {fmt(row['neutralino'])}, chargino {fmt(row['chargino'])}) "
                f"[{row['convention']} convention{', resummed' if row['resummed'] else ''}]"
                + ("" if row["status"] == 0 else f"  PROBLEM: {row['problem']}")
            )
    if failed:
        sys.exit(1)
if __name__ == "__main__":
    main()
