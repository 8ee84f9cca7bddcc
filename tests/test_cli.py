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
