"""python -m mimmo_kit pilot|estimate|train|gates|evaluate|evaluate-stages|export|check|reference|mimoize|regression ..."""
import argparse
import importlib
import sys

COMMANDS = {"pilot": "pilot", "estimate": "estimate", "train": "train", "evaluate": "evaluate", "export": "export", "check": "check",
            "reference": "reference", "gates": "gates",
            "evaluate-stages": "stage_evaluate", "mimoize": "mimoize", "regression": "regression"}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mimmo_kit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"mimmo_kit.{module}")
        modules[name] = mod
        mod.add_arguments(sub.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0]))
    args = parser.parse_args(argv)
    result = modules[args.command].run(args)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
