"""The command line: help for every command, and a run end to end."""

import json

import click

from click.testing import CliRunner

from analyzer.cli import cli


def _leaf_commands(group, path=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_command_has_chinese_help():
    runner = CliRunner()
    leaves = list(_leaf_commands(cli))
    assert ("run",) in leaves and ("eval", "facts") in leaves
    for path in leaves:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "示例" in result.output, path


def test_run_and_read(tmp_path):
    report = tmp_path / "情况 汇报.txt"
    report.write_text("关于老旧小区改造的情况汇报\n一、基本情况\n改造小区12个。\n二、存在问题\n资金不足。\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(report), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "成功 1 个" in result.output
    data = json.loads((tmp_path / "out" / "documents" / "情况 汇报.txt.json").read_text(encoding="utf-8"))
    assert [s["kind"] for s in data["reports"][0]["sections"]] == ["basic", "problems"]

    result = runner.invoke(cli, ["read", str(report)])
    assert result.exit_code == 0 and "二、存在问题" in result.output and "problems" in result.output


def test_run_on_empty_folder_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "没有找到可处理的文件" in result.output


def test_ledger_command_reads_and_checks_a_ledger_alone(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["小区名称", "建成年份", "户数", "到位资金（万元）", "已拨付资金（万元）"])
    ws.append(["金亭花苑", 1992, 2350, 400, 500])
    ws.append(["幸福里", 1995, 312, 300, 300])
    wb.save(tmp_path / "台账.xlsx")
    runner = CliRunner()
    result = runner.invoke(cli, ["ledger", str(tmp_path / "台账.xlsx")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "小区名称 → community_name" in result.output and "线索（1 条）" in result.output
    assert "已拨付资金500万元超过" in result.output
    flags = json.loads(runner.invoke(cli, ["ledger", str(tmp_path / "台账.xlsx"), "--json"]).output)
    assert [(f["kind"], f["ledger_row"]["name"]) for f in flags] == [("part_exceeds_whole", "金亭花苑")]
    (tmp_path / "坏.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    result = runner.invoke(cli, ["ledger", str(tmp_path / "坏.csv")])
    assert result.exit_code != 0 and "Traceback" not in result.output
