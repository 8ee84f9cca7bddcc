"""Command line: a thin layer over the Python API. Every command parses options, makes one API
call and formats what comes back. User-facing text is Simplified Chinese."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .runner import DEFAULT_TIMEOUT, RunSummary, analyze_batch

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="analyzer %(version)s")
def cli() -> None:
    """城镇老旧小区改造情况汇报批量分析工具。

    读取 .pdf / .docx / .txt 格式的情况汇报、调研报告、讲话稿等，拆分合集、识别标题、日期和章节，
    为每个文件输出一份 JSON 结果。
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="台账文件（.xlsx/.xls/.csv），用于与报告数据核对。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("outputs/run"), show_default=True, help="结果输出目录。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="并行处理的进程数，默认等于 CPU 核数；为 1 时结果文件也依次写出，只占用一个核。")
@click.option("--timeout", type=click.FloatRange(1, None), default=DEFAULT_TIMEOUT, show_default=True,
              help="单个文件的处理时间上限（秒），超时的文件记为失败，其余文件继续处理。")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="记录每次运行结果的 SQLite 数据库，默认为 OUT/analyzer.db；内容未变的文件下次直接沿用。")
@click.option("--force", is_flag=True, help="忽略数据库中已有的结果，全部重新分析。")
def run(paths: tuple[Path, ...], ledger: Path | None, out_dir: Path, jobs: int | None, timeout: float,
        db: Path | None, force: bool) -> None:
    """批量分析文件或文件夹中的报告，结果写入 OUT 目录。

    \b
    示例：
        analyzer run 报告/ --ledger 台账.xlsx --out 结果/ --jobs 2
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]分析中"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("成功 {task.fields[ok]} · 失败 {task.fields[failed]}"),
                  TimeElapsedColumn(), TextColumn("{task.fields[name]}"),
                  console=console, transient=False) as bar:
        task = bar.add_task("run", total=None, ok=0, failed=0, name="")

        def progress(summary: RunSummary, name: str) -> None:
            bar.update(task, total=summary.total, completed=summary.ok + summary.failed,
                       ok=summary.ok, failed=summary.failed, name=name[:40])

        summary = analyze_batch(paths, out_dir, ledger=ledger, jobs=jobs, timeout=timeout, progress=progress,
                                db=db, force=force)
    if summary.total == 0:
        raise click.ClickException("没有找到可处理的文件（支持 .pdf、.docx、.txt）。请检查输入路径。")
    from .render.terminal import print_run_summary

    flags = json.loads((Path(summary.out_dir) / "flags.json").read_text(encoding="utf-8"))["flags"]
    outputs = {k: Path(p) for k, p in summary.outputs.items()}
    print_run_summary(summary.to_dict(), outputs, console, flags=flags)
    if summary.ledger_error:
        console.print(f"[red]台账未能读取，未做台账核对：[/red]{summary.ledger_error}")
    if summary.output_error:
        console.print(f"[red]{summary.output_error}[/red]")
    console.print(f"结果目录：{summary.out_dir}（documents/ 下每个文件一份 JSON，flags.json 为全部问题线索，"
                  f"run.json 为运行汇总）")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出完整 JSON 结果。")
def read(file: Path, as_json: bool) -> None:
    """读取单个文件，显示拆分出的报告、日期和章节结构。

    \b
    示例：
        analyzer read 情况汇报.pdf
    """
    from .pipeline import analyze_file

    result = analyze_file(file)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if result.status != "ok":
        raise click.ClickException(f"{file.name}：{result.error.message}")
    click.echo(f"{file.name}（{result.format}，{result.pages or '-'} 页）共 {len(result.reports)} 篇报告")
    for report in result.reports:
        click.echo(f"\n[{report.index}] {report.title}  日期：{report.date or '未注明'}"
                   f"{'  （原文不完整）' if report.truncated else ''}")
        for s in report.sections:
            click.echo(f"{'  ' * s.level}{s.heading}  〔{s.kind}〕")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="先在该数据库中查找已保存的结果（按文件内容匹配）。")
def show(file: Path, db: Path | None) -> None:
    """在终端中以表格显示一个文件的数据、问题和线索。FILE 可以是报告文件，也可以是结果 JSON。

    \b
    示例：
        analyzer show 情况汇报.pdf
        analyzer show outputs/demo/documents/情况汇报.pdf.json
    """
    from rich.console import Console

    from .pipeline import analyze_file, sha256_of
    from .render.terminal import show_document

    doc = None
    if file.suffix.lower() == ".json":
        doc = json.loads(file.read_text(encoding="utf-8"))
    elif db is not None:
        from .store import Store

        with Store(db) as store:
            doc = store.is_done(sha256_of(file), __version__)
    if doc is None:
        doc = analyze_file(file).to_dict()
    show_document(doc, Console())


@cli.command("ledger")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出台账自身核对的线索。")
def ledger_cmd(file: Path, as_json: bool) -> None:
    """只读取并核对一份台账（.xlsx/.xls/.csv）：显示表头与字段的对应，以及台账自身的问题线索。

    \b
    示例：
        analyzer ledger 台账.xlsx
    """
    from rich.console import Console

    from .ledger import LedgerFormatError, read_ledger
    from .ledger_checks import ledger_flags
    from .render.terminal import flags_table

    try:
        ledger = read_ledger(file)
    except LedgerFormatError as exc:
        raise click.ClickException(exc.args[0]) from None
    flags = ledger_flags([], ledger)
    if as_json:
        click.echo(json.dumps(flags, ensure_ascii=False, indent=1))
        return
    console = Console()
    console.print(ledger.summary())
    console.print(flags_table(flags))


@cli.command()
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("corpora/labels/problems.jsonl"), show_default=True, help="标注好的问题语句（JSONL）。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="模型保存目录，默认为 models/problem_clf。")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子（相同数据与种子得到相同模型）。")
def train(data: Path, out_dir: Path | None, seed: int) -> None:
    """用标注语料重新训练问题分类模型，并保存为可安全加载的格式（JSON + npz，不使用 pickle）。

    \b
    示例：
        analyzer train --data corpora/labels/problems.jsonl
    """
    from .classify import format_train, train_from_file

    _, info = train_from_file(data, out_dir, seed=seed)  # the labelled corpus is read, never changed
    click.echo(format_train(info))


@cli.group(name="eval")
def eval_group() -> None:
    """在标注语料上评测各抽取环节的准确率。"""


@eval_group.command(name="facts")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("corpora/facts"), show_default=True, help="标注语料目录（含 reports/ 与 annotations/）。")
@click.option("--errors", type=int, default=0, show_default=True, help="每类错误列出的样例条数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评测结果。")
def eval_facts(corpus: Path, errors: int, as_json: bool) -> None:
    """评测数据抽取：按类型输出精确率、召回率、F1，以及角色、主体、范围等属性的准确率。

    \b
    示例：
        analyzer eval facts --corpus corpora/facts --errors 10
    """
    from .evaluate import evaluate_facts, format_fact_scores

    scores = evaluate_facts(corpus)
    if as_json:
        click.echo(json.dumps(scores.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_fact_scores(scores, errors=errors))


@eval_group.command(name="checks")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("corpora/checks"), show_default=True,
              help="评测语料目录（含 reports/、ledger 台账与 expected.json）。")
@click.option("--examples", type=int, default=0, show_default=True, help="列出的漏报、误报样例条数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评测结果。")
def eval_checks(corpus: Path, examples: int, as_json: bool) -> None:
    """评测核查：按线索类型输出召回率，并统计干净报告上的误报。

    \b
    示例：
        analyzer eval checks --corpus corpora/checks --examples 10
    """
    from .evaluate import evaluate_checks, format_check_scores

    scores = evaluate_checks(corpus)
    if as_json:
        click.echo(json.dumps(scores.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_check_scores(scores, examples=examples))


@eval_group.command(name="problems")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("corpora/labels/problems.jsonl"), show_default=True, help="标注好的问题语句（JSONL）。")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="交叉验证折数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评测结果。")
def eval_problems(data: Path, folds: int, as_json: bool) -> None:
    """评测问题识别与分类：交叉验证与留出集上的识别精确率/召回率/F1、首选类别准确率和宏平均 F1。

    \b
    示例：
        analyzer eval problems --folds 5
    """
    from .classify import evaluate, format_eval

    result = evaluate(data, folds=folds)
    click.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_eval(result))


@eval_group.command(name="problem-reports")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("corpora/problems_eval"), show_default=True,
              help="整篇报告问题评测集目录（含 reports/ 与 annotations/）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评测结果。")
@click.option("--verbose", "-v", is_flag=True, help="逐条列出漏报、误报、类别错误和阶段错误。")
def eval_problem_reports(corpus: Path, as_json: bool, verbose: bool) -> None:
    """评测整篇报告上的问题识别：识别精确率/召回率/F1、首选类别准确率、类别宏平均 F1、阶段准确率，
    以及按文体、按报告的识别 F1。

    \b
    示例：
        analyzer eval problem-reports --corpus corpora/problems_eval --verbose
    """
    from .evaluate import evaluate_problem_reports, format_problem_report_scores

    result = evaluate_problem_reports(corpus)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(format_problem_report_scores(result, verbose=verbose))


def main() -> None:  # pragma: no cover - console entry for `python -m analyzer`
    cli(prog_name="analyzer")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
