"""`python -m kubeflow`: compile the KFP package, submit a run, schedule recurring runs, list/disable them.

  python -m kubeflow compile --pipeline-root minio://mlpipeline/datenmt --image REGISTRY/datenmt-pipeline:TAG \
      --serving-volume PVC_NAME   (or, with a gs:// root: [--serving-model-dir gs://bucket/serving])
  python -m kubeflow submit   --endpoint URL --experiment datenmt [--namespace NS] [--epochs 20 ...]
  python -m kubeflow schedule --endpoint URL --experiment datenmt --cron "0 0 3 * * *"
  python -m kubeflow schedules --endpoint URL --experiment datenmt
  python -m kubeflow disable  --endpoint URL RECURRING_RUN_ID
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kubeflow import kubeflow_v2_runner, scheduling  # noqa: E402
from pipeline import configs, flags  # noqa: E402

DEFAULT_PACKAGE = os.path.join("outputs", "kubeflow", kubeflow_v2_runner.PACKAGE_FILE)


def _compile(args) -> int:
    options = kubeflow_v2_runner.CompileOptions(
        pipeline_root=args.pipeline_root, image=args.image, pipeline_name=args.pipeline_name,
        serving_model_dir=args.serving_model_dir, serving_volume=args.serving_volume, schema_path=args.schema_path,
        enable_tuning=args.tuning, hyperparameters_uri=args.hyperparameters,
        **({"beam_pipeline_args": tuple(args.beam_args)} if args.beam_args else {}))
    try:
        serving = kubeflow_v2_runner.serving_model_dir(options)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    path = kubeflow_v2_runner.compile_package(options, args.package)
    volume = (f" on volume {args.serving_volume} mounted at {kubeflow_v2_runner.SERVING_VOLUME_MOUNT}"
              if args.serving_volume else "")
    print(f"compiled {path} (image {args.image}, pipeline root {args.pipeline_root}, serving models in "
          f"{serving}{volume})")
    return 0


def _target(args, package: str | None = None) -> scheduling.Target:
    """Where runs go. Runs always carry a pipeline root: --pipeline-root, else the one `package` was
    compiled with (KFP ignores a package's defaultPipelineRoot and would use the cluster's default)."""
    root = args.pipeline_root
    if root is None and package is not None:
        root = kubeflow_v2_runner.compiled_pipeline_root(package)
    return scheduling.Target(endpoint=args.endpoint, experiment=args.experiment, pipeline_root=root,
                             namespace=args.namespace)


def parameter_values(args) -> dict:
    """The pipeline parameters set on the command line; unset ones keep the compiled defaults."""
    return {name: getattr(args, name) for name in configs.KFP_PARAMETERS if getattr(args, name) is not None}


def _require_package(path: str) -> None:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no pipeline package at {path}: run `python -m kubeflow compile` first")


def _submit(args) -> int:
    _require_package(args.package)
    target = _target(args, args.package)
    run_id = scheduling.submit_run(scheduling.make_client(target), target, args.package, args.pipeline_name,
                                   args.version, parameter_values(args))
    print(f"submitted run {run_id} of {args.pipeline_name} version {args.version} to {args.endpoint}")
    return 0


def _schedule(args) -> int:
    _require_package(args.package)
    target = _target(args, args.package)
    recurring_id = scheduling.schedule_runs(scheduling.make_client(target), target, args.package,
                                            args.pipeline_name, args.version, args.cron, parameter_values(args),
                                            max_concurrency=args.max_concurrency)
    print(f"scheduled recurring run {recurring_id} ({args.cron}) in experiment {args.experiment}")
    return 0


def _schedules(args) -> int:
    target = _target(args)
    for s in scheduling.list_schedules(scheduling.make_client(target), target):
        print(f"{s['id']}\t{s['status']}\t{s['cron']}\t{s['name']}")
    return 0


def _disable(args) -> int:
    target = _target(args)
    scheduling.disable_schedule(scheduling.make_client(target), args.recurring_run_id)
    print(f"disabled recurring run {args.recurring_run_id}")
    return 0


def _cluster_flags(parser: argparse.ArgumentParser, experiment: bool = True) -> None:
    parser.add_argument("--endpoint", required=True, help="KFP API endpoint, e.g. http://localhost:8080")
    parser.add_argument("--namespace", help="Kubernetes namespace (multi-user KFP)")
    parser.add_argument("--experiment", default="datenmt", help="KFP experiment")
    parser.add_argument("--pipeline-root", help="pipeline root for the runs (default: the one the package was "
                                                "compiled with; KFP itself ignores it and would use the cluster's)")


def _run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--package", default=DEFAULT_PACKAGE)
    flags.add_settings_arguments(parser, ["pipeline_name"])
    parser.add_argument("--version", default=datetime.datetime.now(datetime.UTC).strftime("v%Y%m%d-%H%M%S"),
                        help="pipeline version name (default: a UTC timestamp)")
    flags.add_settings_arguments(parser.add_argument_group("pipeline parameters (unset: the compiled defaults)"),
                                 configs.KFP_PARAMETERS, with_defaults=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kubeflow", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    commands = parser.add_subparsers(dest="command", required=True)

    compile_ = flags.add_settings_arguments(
        commands.add_parser("compile", help="write the KFP pipeline package (.yaml)"),
        ["pipeline_name", "tuning", "hyperparameters", "beam_args"])
    compile_.add_argument("--pipeline-root", required=True,
                          help="object-store root the cluster can write (gs://, s3:// or minio://)")
    compile_.add_argument("--serving-volume", metavar="PVC_NAME",
                          help="a PersistentVolumeClaim in the runs' namespace, mounted at "
                               f"{kubeflow_v2_runner.SERVING_VOLUME_MOUNT} in the steps that use the serving "
                               "directory (declared in the package, as kfp.kubernetes.mount_pvc does)")
    compile_.add_argument("--serving-model-dir",
                          help="where the Pusher writes numbered versions and the baseline step finds the serving "
                               "one, written by the steps' TensorFlow: a path under "
                               f"{kubeflow_v2_runner.SERVING_VOLUME_MOUNT}/ with --serving-volume, else gs://... "
                               f"(default: {kubeflow_v2_runner.SERVING_VOLUME_MOUNT}/serving_model with a volume, "
                               "PIPELINE_ROOT/serving_model for a gs:// root)")
    compile_.add_argument("--schema-path", default=kubeflow_v2_runner.IMAGE_SCHEMA_PATH,
                          help="the curated schema as a path inside the image (default %(default)s)")
    compile_.add_argument("--image", default=os.environ.get("DATENMT_IMAGE", kubeflow_v2_runner.DEFAULT_IMAGE),
                          help="the steps' container image (env DATENMT_IMAGE)")
    compile_.add_argument("--package", default=DEFAULT_PACKAGE)
    compile_.set_defaults(handler=_compile)

    submit = commands.add_parser("submit", help="upload the package as a new version and start one run")
    _cluster_flags(submit)
    _run_flags(submit)
    submit.set_defaults(handler=_submit)

    schedule = commands.add_parser("schedule", help="upload the package as a new version and run it on a cron")
    _cluster_flags(schedule)
    _run_flags(schedule)
    schedule.add_argument("--cron", required=True,
                          help='six-field cron with seconds, as KFP expects, e.g. "0 0 3 * * *" (03:00 daily)')
    schedule.add_argument("--max-concurrency", type=int, default=1)
    schedule.set_defaults(handler=_schedule)

    schedules = commands.add_parser("schedules", help="list the experiment's recurring runs")
    _cluster_flags(schedules)
    schedules.set_defaults(handler=_schedules)

    disable = commands.add_parser("disable", help="disable a recurring run")
    _cluster_flags(disable)
    disable.add_argument("recurring_run_id")
    disable.set_defaults(handler=_disable)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
