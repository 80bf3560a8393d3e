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
@click.option("--loops", type=click.IntRange(0, 2), default=None,
              help="Loop order 0, 1 or 2 (default: GM2CalcConfig entry 1 of the file, else 2).")
@click.option("--resum/--no-resum", default=None, help="tan(beta) resummation (default: GM2CalcConfig entry 2, else on).")
@click.option("--format", "fmt", type=click.Choice(["gm2calc", "slha"]), default=None,
              help="Input format (default: detected; Block MASS/HMIX = spectrum file).")
@click.option("--model", type=click.Choice(["mssm", "thdm"]), default=None, help="Model (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--slha", "as_slha", is_flag=True, help="Write each input back with Block GM2CalcOutput (GM2Calc's SLHA output).")
@click.option("--benchmark", "benchmarks", multiple=True, help="A packaged benchmark point by name (see --list-benchmarks).")
@click.option("--list-benchmarks", is_flag=True, help="List the packaged benchmark points and exit.")
def amu(files, lepton, loops, resum, fmt, model, as_json, as_slha, benchmarks, list_benchmarks):
    """a_l for GM2Calc input, SLHA spectrum or 2HDM FILES ('-' = stdin), batched in one compilation.

    A file that cannot be read gives its own error line (file and problem) and the others are
    still computed.  Exit code: 0 all fine, 1 an unphysical or unconverged point, 2 an unreadable file.
    JSON fields: file, model, format, lepton, loops, resummed, total (one_loop + two_loop at that
    order), one_loop, two_loop, two_loop_parts, uncertainty, neutralino, chargino, delta, status,
    problem, notes; spectrum files add onshell (converted mu, M1, M2, msl2, mse2).
    """
    # Lazy imports keep `gm2jax --version` fast.  No global JAX configuration: amu_files computes
    # in float64 through the package's own guarantee (gm2jax._precision) and returns Python rows.
    from gm2jax.errors import Gm2jaxError
    from gm2jax.io import benchmarks as bm
    from gm2jax.io.amu_batch import amu_files, failed

    if list_benchmarks:
        for name, path in bm.list_benchmarks().items():
            click.echo(f"{name}\t{path}")
        return
    try:
        inputs = list(files) + [str(bm.benchmark_path(b)) for b in benchmarks]
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    if not inputs:
        raise click.UsageError("give at least one input FILE or --benchmark NAME")
    if inputs.count("-") > 1:
        raise click.UsageError("standard input ('-') can be given only once")
    try:
        rows = amu_files(inputs, lepton=lepton, resum=resum, loops=loops, fmt=fmt, model=model, keep_text=as_slha)
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    for row in rows:
        if row.get("error"):
            click.echo(f"Error: {row['error']}", err=True)
        if as_slha:
            _echo_slha(row)
        elif as_json:
            click.echo(json.dumps(row, allow_nan=False))
        elif not row.get("error"):
            click.echo(_amu_line(row))
    if any(row.get("error") for row in rows):
        sys.exit(2)
    if any(failed(row) for row in rows):
        sys.exit(1)


def _amu_line(row) -> str:
    fmt = lambda x: "not computed" if x is None else f"{x:.8e}"
    unc = "" if row.get("uncertainty") is None else f" +- {row['uncertainty']:.8e}"
    parts = f"1L {fmt(row.get('one_loop'))}, 2L {fmt(row.get('two_loop'))}" if row.get("model") == "mssm" else ""
    tags = ", ".join(str(t) for t in (row.get("format"), f"loops {row.get('loops')}", "resummed" if row.get("resummed") else None) if t)
    line = f"{row['file']}: a_{row['lepton']} = {fmt(row['total'])}{unc}" + (f" ({parts})" if parts else "") + f" [{tags}]"
    if row.get("status"):
        line += f"  PROBLEM: {row['problem']}"
    for note in row.get("notes", []) or []:
        line += f"  NOTE: {note}"
    return line


def _echo_slha(row) -> None:
    from gm2jax.io.slha_output import gm2calc_output_text

    click.echo(gm2calc_output_text(row.pop("input_text", ""), row), nl=False)


def _out_dir(config_path: str, out: str | None):
    import pathlib

    d = pathlib.Path(out) if out else pathlib.Path("out") / pathlib.Path(config_path).stem
    d.mkdir(parents=True, exist_ok=True)
    return d


def _write_json(path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1, allow_nan=False) + "\n")


def _progress(enabled: bool):
    """One clock for the whole command (phase lines on stderr; stdout keeps the results)."""
    from gm2jax.progress import Progress

    p = Progress(enabled=enabled)
    p.say("reading the configuration ...")
    return p


def _sample_and_write(cfg, init, out, progress, overrides):
    from gm2jax import plot
    from gm2jax import sample as smp

    res = smp.run_nuts(cfg, init=init, progress=progress, **overrides)
    with progress.phase("writing", "posterior.nc, posterior_summary.json, corner.png, marginals.png"):
        nc = smp.save_netcdf(res, out / "posterior.nc")
        _write_json(out / "posterior_summary.json", res.to_dict())
        png = smp.corner_plot(res, out / "corner.png")
        best = dict(zip(cfg.names, res.init[0].tolist()))
        marg = plot.save_figure(plot.marginals(res.idata, cfg, best=best), out / "marginals.png")
    for line in smp.summary_lines(res):
        click.echo(line)
    click.echo(f"wrote {nc}, {out / 'posterior_summary.json'}, {png}, {marg}")
    return res


def _sample_overrides(chains, warmup, samples, seed):
    return {k: v for k, v in (("chains", chains), ("warmup", warmup), ("samples", samples), ("seed", seed)) if v is not None}


_SAMPLE_OPTIONS = [
    click.option("--chains", type=int, default=None, help="NUTS chains (default: [sample] of the config)."),
    click.option("--warmup", type=int, default=None, help="NUTS warm-up steps per chain."),
    click.option("--samples", type=int, default=None, help="NUTS samples per chain."),
]


def _add_options(options):
    def deco(f):
        for opt in reversed(options):
            f = opt(f)
        return f

    return deco


def _or_exit(run):
    """``run()``; a gm2jax error (every prior point unphysical, ...) or an unwritable output
    directory exits 2 with one line instead of a traceback."""
    from gm2jax.errors import Gm2jaxError

    try:
        return run()
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    except OSError as err:
        click.echo(f"Error: {err.filename or ''}: {err.strerror or err}; give a writable output directory", err=True)
        sys.exit(2)


def _load_config_or_exit(config, fit_overrides, sample_overrides):
    """Load CONFIG and apply CLI overrides; a bad config exits 2 naming the key.

    No global JAX configuration: the library functions the commands call (fit, sample, scan)
    run in float64 themselves (``jax.enable_x64`` blocks / gm2jax._precision).
    """
    from gm2jax.config import load_config
    from gm2jax.configs import resolve_config
    from gm2jax.errors import Gm2jaxError

    try:
        cfg = load_config(resolve_config(config))
        fit_overrides = {k: v for k, v in fit_overrides.items() if v is not None}
        if fit_overrides:
            cfg = cfg.replace(fit=fit_overrides)
        if sample_overrides:
            cfg = cfg.replace(sample=sample_overrides)
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    return cfg


@main.command()
@click.argument("config")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Output directory (default: out/<config stem>/).")
@click.option("--sample/--no-sample", "do_sample", default=True, show_default=True, help="Also run a short NUTS posterior from the best fit.")
@click.option("--starts", type=int, default=None, help="Number of random starts (default: [fit] of the config).")
@click.option("--seed", type=int, default=None, help="PRNG seed of the starts (and of NUTS).")
@click.option("--profiles/--no-profiles", default=True, show_default=True, help="1-D/2-D profile likelihoods.")
@click.option("--hessian/--no-hessian", default=True, show_default=True, help="Newton polish and Hessian covariance.")
@click.option("--hessian-method", type=click.Choice(["auto", "autodiff", "gradient_differences"]), default=None,
              help="Hessian by autodiff or by differences of the compiled gradient (default: [fit] of the config, 'auto').")
@_add_options(_SAMPLE_OPTIONS)
@click.option("--progress/--quiet", default=True, show_default=True, help="Phase lines with elapsed time on stderr.")
def fit(config, out, do_sample, starts, seed, profiles, hessian, hessian_method, chains, warmup, samples, progress):
    """Multi-start best fit of CONFIG (TOML file or packaged name), profiles, Hessian covariance and a short NUTS posterior.

    Writes to --out: fit.json (best fit, chi2, pulls, covariance, profiles, evaluations,
    wall time), profiles.png, and unless --no-sample posterior.nc (ArviZ netCDF),
    posterior_summary.json (R-hat, ESS, divergences), corner.png and marginals.png.
    """
    progress = _progress(progress)
    cfg = _load_config_or_exit(
        config, {"starts": starts, "seed": seed, "hessian_method": hessian_method}, _sample_overrides(chains, warmup, samples, seed)
    )
    from gm2jax import fit as fitmod

    d = _or_exit(lambda: _out_dir(config, out))
    res = _or_exit(lambda: fitmod.run_fit(cfg, hessian=hessian, profiles=profiles, progress=progress))
    with progress.phase("writing", "fit.json, profiles.png"):
        _write_json(d / "fit.json", res.to_dict())
        written = [str(d / "fit.json")]
        if res.profiles_1d or res.profiles_2d:
            fitmod.plot_profiles(res, d / "profiles.png")
            written.append(str(d / "profiles.png"))
    for line in fitmod.summary_lines(res):
        click.echo(line)
    click.echo("wrote " + ", ".join(written))
    if do_sample:
        _or_exit(lambda: _sample_and_write(cfg, res.x, d, progress, {}))


@main.command()
@click.argument("config")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Output directory (default: out/<config stem>/).")
@click.option("--seed", type=int, default=None, help="PRNG seed of NUTS.")
@_add_options(_SAMPLE_OPTIONS)
@click.option("--progress/--quiet", default=True, show_default=True, help="Phase lines with elapsed time on stderr.")
def sample(config, out, seed, chains, warmup, samples, progress):
    """NUTS posterior of CONFIG (TOML file or packaged name), started near a quick multi-start best fit.

    Writes to --out: posterior.nc (ArviZ netCDF with config and gm2jax version in attrs),
    posterior_summary.json (R-hat, ESS, divergences, ESS/s), corner.png and marginals.png.
    """
    progress = _progress(progress)
    cfg = _load_config_or_exit(config, {}, _sample_overrides(chains, warmup, samples, seed))
    d = _or_exit(lambda: _out_dir(config, out))
    _or_exit(lambda: _sample_and_write(cfg, None, d, progress, {}))


@main.command("scan")
@click.argument("config", type=click.Path(allow_dash=True))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Scan directory (a zarr store: one array per column); rerun the same command to resume.")
@click.option("--grid", "grid_points", type=int, default=None,
              help="Grid points per free parameter (fit configs; default 8 for <= 3 free parameters, else 512 Sobol points).")
@click.option("--sobol", "sobol_points", type=int, default=None, help="Sobol points instead of a grid (fit configs).")
@click.option("--seed", type=int, default=None)
@click.option("--chunk-size", type=int, default=None)
@click.option("--batch-size", type=int, default=None, help="Per-device lax.map batch inside a chunk.")
@click.option("--max-chunks", type=int, default=None, help="Stop after this many new chunks.")
@click.option("--overwrite", is_flag=True, help="Replace a different scan in OUT.")
@click.option("--dask", "scheduler", default=None, help="dask.distributed scheduler address, or 'local'.")
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--map/--no-map", "draw_map", default=True, show_default=True,
              help="Write OUT/map.png (Delta chi^2 of the first two scanned parameters) when the scan has a chi2.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def scan(config, out_dir, grid_points, sobol_points, seed, chunk_size, batch_size, max_chunks, overwrite, scheduler, workers,
         draw_map, progress):
    """Grid/Sobol scan of a scan spec or fit configuration CONFIG (TOML/JSON, '-' = JSON on stdin).

    A fit configuration is scanned over its free parameters with the fit's own chi^2 (LEP, theory and
    constraint terms included).  At the end: the run summary as JSON on stdout; the human summary
    (best point, chi2_min, allowed fractions at 1 and 2 sigma, flagged points by reason) on stderr;
    the map OUT/map.png.  Exit code 3: stopped by --max-chunks (rerun to resume).
    """
    from gm2jax.errors import Gm2jaxError
    from gm2jax.scan import run_scan, summarize

    client = cluster = None
    try:
        if scheduler is not None:
            try:
                import distributed
            except ImportError:
                raise click.UsageError("--dask needs dask.distributed: pip install 'gm2jax[distributed]'") from None
            if scheduler == "local":
                cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
                client = distributed.Client(cluster)
            else:
                client = distributed.Client(scheduler)
        if config != "-":
            from gm2jax.configs import resolve_config

            config = str(resolve_config(config))
        clock = _progress(progress)
        with clock.phase("scan", "compiling the model on the first chunk (10-60 s), then a bar over the points"):
            summary = run_scan(
                config, out_dir, grid_points=grid_points, sobol_points=sobol_points, seed=seed,
                chunk_size=chunk_size, batch_size=batch_size, max_chunks=max_chunks,
                overwrite=overwrite, client=client, progress=progress,
            )
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    click.echo(json.dumps(summary.to_dict()))
    if not summary.complete:
        sys.exit(3)  # partial (--max-chunks): rerun to resume
    report = summarize(out_dir)
    click.echo(str(report), err=True)
    if draw_map and report.best:
        from gm2jax import plot

        plot.scan_map(out_dir, save=f"{out_dir}/map.png")
        click.echo(f"map: {out_dir}/map.png", err=True)


@main.command("configs")
@click.option("--paths", is_flag=True, help="Print the file of each configuration too.")
def configs(paths):
    """List the packaged fit configurations (usable by name: `gm2jax fit NAME`)."""
    from gm2jax.configs import config_description, packaged_configs

    for name, path in packaged_configs().items():
        click.echo(f"{name}\t{path if paths else config_description(path)}")


@main.command("init")
@click.argument("name")
@click.argument("dest", required=False)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def init(name, dest, force):
    """Copy the packaged configuration NAME to DEST (default ./NAME.toml) to edit."""
    from gm2jax.configs import copy_config
    from gm2jax.errors import Gm2jaxError

    try:
        path = copy_config(name, dest, overwrite=force)
    except Gm2jaxError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}; run it with: gm2jax fit {path}")


if __name__ == "__main__":
    main()
