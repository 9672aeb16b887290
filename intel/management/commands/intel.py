"""``luoshi intel evaluate --train TRAIN.csv --test TEST.csv`` and ``luoshi intel train``."""

import csv
import sys

from django.core.management.base import BaseCommand, CommandError


def read_csv(path: str) -> tuple[list[str], list[str]]:
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise CommandError(f"{path}: 需要 text,label 两列")
            rows = [(r["text"] or "", (r["label"] or "").strip()) for r in reader]
    except OSError as exc:
        raise CommandError(f"无法读取 {path}: {exc}") from exc
    rows = [r for r in rows if r[0].strip() and r[1]]
    if not rows:
        raise CommandError(f"{path}: 没有数据行")
    return [r[0] for r in rows], [r[1] for r in rows]


class Command(BaseCommand):
    help = "智能辅助: evaluate the category model on CSV files, or train it on registered cases."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="train on TRAIN.csv, report on TEST.csv (columns text,label)")
        ev.add_argument("--train", required=True)
        ev.add_argument("--test", required=True)
        ev.add_argument("--runs", type=int, default=3, help="timing passes; ms_per_message is their median")
        tr = sub.add_parser("train", help="train on registered cases; activate if better")
        tr.add_argument("--force", action="store_true", help="retrain even if the data did not change")
        tr.add_argument("--min-cases", type=int, default=None)

    def handle(self, *args, **options):
        if options["action"] == "evaluate":
            self.evaluate(options["train"], options["test"], options["runs"])
        else:
            self.train(options)

    def evaluate(self, train_path, test_path, runs=3):
        from intel.classify import evaluate

        train_texts, train_labels = read_csv(train_path)
        test_texts, test_labels = read_csv(test_path)
        try:
            _pipeline, result = evaluate(train_texts, train_labels, test_texts, test_labels, runs=runs)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout
        out.write(f"train={result.n_train} test={result.n_test} classes={len(result.labels)}")
        out.write(result.report.rstrip())
        out.write("confusion matrix (rows = true label, columns = predicted, same order):")
        width = max(5, *(len(str(v)) for row in result.confusion for v in row))
        for label, row in zip(result.labels, result.confusion, strict=True):
            out.write(" ".join(str(v).rjust(width) for v in row) + f"  {label}")
        out.write(
            f"macro_f1={result.macro_f1:.4f} accuracy={result.accuracy:.4f} "
            f"ms_per_message={result.ms_per_message:.2f}"
        )

    def train(self, options):
        from intel.classify import MIN_CASES, train_from_cases

        result = train_from_cases(
            min_cases=options["min_cases"] if options["min_cases"] is not None else MIN_CASES,
            force=options["force"],
        )
        self.stdout.write(result.reason)
        if result.version is not None:
            v = result.version
            self.stdout.write(
                f"version={v.pk} active={v.active} n_train={v.n_train} n_test={v.n_test} "
                f"macro_f1={v.macro_f1:.4f} accuracy={v.accuracy:.4f}"
            )
