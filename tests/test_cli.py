"""The command line: help for every command, and a run end to end."""

import json

from click.testing import CliRunner

from analyzer.cli import cli


def test_every_command_has_chinese_help():
    runner = CliRunner()
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "示例" in result.output, name


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
