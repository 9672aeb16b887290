"""``luoshi intel evaluate`` (k-fold on one labelled CSV, or ``--train A --test B``) and
``luoshi intel train``."""

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
        ev = sub.add_parser(
            "evaluate",
            help="k-fold on --data FILE (stratified and grouped by near-duplicates), "
            "or train on --train and report on --test (columns text,label)",
        )
        ev.add_argument("--data", help="one labelled CSV: repeated stratified and grouped k-fold")
        ev.add_argument("--train")
        ev.add_argument("--test")
        ev.add_argument("--folds", type=int, default=5)
        ev.add_argument("--repeats", type=int, default=2)
        ev.add_argument("--seed", type=int, default=20260101)
        ev.add_argument(
            "--scheme",
            choices=["both", "stratified", "grouped"],
            default="both",
            help="which k-fold to run (the table, the matrix and the last line are the grouped one's)",
        )
        ev.add_argument(
            "--group-threshold",
            type=float,
            default=None,
            help="near-duplicate threshold (estimated Jaccard of character 3-grams), default 0.5",
        )
        ev.add_argument("--titles", help="extra labelled training rows (CSV title,label), in every fold")
        ev.add_argument("--runs", type=int, default=3, help="timing passes; ms_per_message is their median")
        tr = sub.add_parser("train", help="train on registered cases; activate if no worse (guard)")
        tr.add_argument("--force", action="store_true", help="retrain even if the data did not change")
        tr.add_argument("--min-cases", type=int, default=None)

    def handle(self, *args, **options):
        if options["action"] == "evaluate":
            if options["data"]:
                self.kfold(options)
            elif options["train"] and options["test"]:
                self.evaluate(options["train"], options["test"], options["runs"], options["titles"])
            else:
                raise CommandError("需要 --data 文件,或同时给出 --train 与 --test")
        else:
            self.train(options)

    # -- output ------------------------------------------------------------------------------------

    def table(self, labels, truth, predicted):
        from sklearn.metrics import classification_report, confusion_matrix

        out = self.stdout
        report = classification_report(truth, predicted, labels=labels, digits=4, zero_division=0)
        out.write(report.rstrip())
        out.write("confusion matrix (rows = true label, columns = predicted, same order):")
        confusion = confusion_matrix(truth, predicted, labels=labels).tolist()
        width = max(5, *(len(str(v)) for row in confusion for v in row))
        for label, row in zip(labels, confusion, strict=True):
            out.write(" ".join(str(v).rjust(width) for v in row) + f"  {label}")

    def last_line(self, macro_f1, accuracy, ms):
        self.stdout.write(f"macro_f1={macro_f1:.4f} accuracy={accuracy:.4f} ms_per_message={ms:.2f}")

    # -- modes -------------------------------------------------------------------------------------

    def evaluate(self, train_path, test_path, runs=3, titles_path=None):
        from intel.classify import evaluate
        from intel.evaluation import EXTRA_LEAK, without_leaks

        train_texts, train_labels = read_csv(train_path)
        test_texts, test_labels = read_csv(test_path)
        extra = read_titles(titles_path)
        if extra:
            # The titles of the test messages are not trained on (they would carry their labels).
            extra, left_out = without_leaks(extra, test_texts)
            self.stdout.write(
                f"extra={len(extra[0])} (left out {left_out} whose character 3-grams lie "
                f"≥{EXTRA_LEAK:.0%} in a test message: their titles)"
            )
        try:
            _pipeline, result = evaluate(
                train_texts, train_labels, test_texts, test_labels, runs=runs, extra=extra
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"train={result.n_train} test={result.n_test} classes={len(result.labels)}")
        self.stdout.write(result.report.rstrip())
        self.stdout.write("confusion matrix (rows = true label, columns = predicted, same order):")
        width = max(5, *(len(str(v)) for row in result.confusion for v in row))
        for label, row in zip(result.labels, result.confusion, strict=True):
            self.stdout.write(" ".join(str(v).rjust(width) for v in row) + f"  {label}")
        self.last_line(result.macro_f1, result.accuracy, result.ms_per_message)

    def kfold(self, options):
        from collections import Counter

        from intel.classify import timed_fit
        from intel.evaluation import GROUP_THRESHOLD, cross_validate, near_duplicate_groups

        texts, labels = read_csv(options["data"])
        extra = read_titles(options["titles"])
        smallest = min(Counter(labels).values())
        if smallest < options["folds"]:
            raise CommandError(f"每个类别至少需要{options['folds']}条数据(--folds)")
        threshold = options["group_threshold"] or GROUP_THRESHOLD
        groups = near_duplicate_groups(texts, threshold=threshold)
        sizes = Counter(groups)
        in_groups = sum(n for n in sizes.values() if n > 1)
        out = self.stdout
        out.write(
            f"data={len(texts)} classes={len(set(labels))} extra={len(extra[0]) if extra else 0} "
            f"near-duplicate groups (Jaccard≥{threshold}): {sum(1 for n in sizes.values() if n > 1)} "
            f"holding {in_groups} messages"
        )
        timing = timed_fit()
        schemes = ["stratified", "grouped"] if options["scheme"] == "both" else [options["scheme"]]
        results = []
        for scheme in schemes:
            result = cross_validate(
                texts,
                labels,
                fit=timing.fit,
                folds=options["folds"],
                repeats=options["repeats"],
                seed=options["seed"],
                groups=groups if scheme == "grouped" else None,
                extra=extra,
                progress=lambda s, scheme=scheme: out.write(
                    f"  {scheme} repeat {s.repeat + 1} fold {s.fold + 1}: "
                    f"macro_f1={s.macro_f1:.4f} accuracy={s.accuracy:.4f} "
                    f"(train {s.n_train}, test {s.n_test})"
                ),
            )
            out.write(result.summary())
            results.append(result)
        final = results[-1]
        out.write(f"per class ({final.scheme}, out-of-fold predictions of repeat 1):")
        self.table(final.labels, labels, final.predicted)
        for result in results:
            out.write(result.summary())
        self.last_line(final.f1_mean, final.accuracy_mean, timing.ms_per_message)

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


def read_titles(path):
    """Extra labelled rows (``title,label`` or ``text,label``), or None."""
    if not path:
        return None
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            column = "title" if reader.fieldnames and "title" in reader.fieldnames else "text"
            if not reader.fieldnames or not {column, "label"} <= set(reader.fieldnames):
                raise CommandError(f"{path}: 需要 title,label 两列")
            rows = [((r[column] or "").strip(), (r["label"] or "").strip()) for r in reader]
    except OSError as exc:
        raise CommandError(f"无法读取 {path}: {exc}") from exc
    rows = [r for r in rows if r[0] and r[1]]
    return [r[0] for r in rows], [r[1] for r in rows]
