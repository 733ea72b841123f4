"""The `paigo-simulator` command line: argument parsing (serving is covered end to end)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from paigo_sdk._version import __version__
from simulator._cli import banner, build_parser, exposure_warning, main
from simulator.clock import ManualClock
from simulator.faults import FaultRule


def parse(*argv: str):
    return build_parser().parse_args(["serve", *argv])


def test_defaults_bind_loopback_with_the_default_credentials(monkeypatch):
    monkeypatch.delenv("PAIGO_SIMULATOR_ADMIN_TOKEN", raising=False)
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8787)
    assert (args.client_id, args.client_secret) == ("paigo-simulator", "paigo-simulator-secret")
    assert args.seed is None
    assert args.array_batches is False
    assert args.deduplication is True
    assert args.token_lifetime == 86400.0
    assert args.admin_enabled is True
    assert args.admin_token is None
    assert args.faults == []


def test_every_flag_is_parsed():
    args = parse(
        "--host", "::1", "--port", "0", "--seed", "7", "--array-batches", "--no-dedup",
        "--token-lifetime", "60", "--admin-token", "t0k", "--no-admin",
        "--fault", "kind=status,status=503,times=2",
        "--fault", '{"kind": "latency", "latency": 0.1}',
    )  # fmt: skip
    assert (args.host, args.port, args.seed) == ("::1", 0, 7)
    assert args.array_batches is True
    assert args.deduplication is False
    assert args.token_lifetime == 60.0
    assert (args.admin_token, args.admin_enabled) == ("t0k", False)
    assert args.faults == [
        FaultRule(kind="status", status=503, times=2),
        FaultRule(kind="latency", latency=0.1),
    ]


def test_manual_clock_flags():
    assert parse().manual_clock is False
    assert parse().start is None
    assert parse("--manual-clock").manual_clock is True
    assert parse("--start", "2026-01-01T01:00:00+01:00").start == datetime(2026, 1, 1, tzinfo=UTC)


def test_admin_token_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PAIGO_SIMULATOR_ADMIN_TOKEN", "from-env")
    assert build_parser().parse_args(["serve"]).admin_token == "from-env"


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "http"],
        ["--token-lifetime", "0"],
        ["--token-lifetime", "soon"],
        ["--fault", "kind=status"],
        ["--fault", "kind=teleport"],
        ["--seed", "x"],
        ["--start", "2026-01-01T00:00:00"],
        ["--start", "soon"],
    ],
)
def test_bad_arguments_exit_with_status_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_the_bare_command_prints_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: paigo-simulator")
    assert "serve" in out


def test_version_names_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"paigo-simulator {__version__}"


def test_start_accepts_a_date_as_its_midnight_utc():
    assert parse("--start", "2026-03-01").start == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(SystemExit):
        parse("--start", "2026-02-30")


def test_access_log_is_off_unless_asked():
    assert parse().access_log is False
    assert parse("--access-log").access_log is True


def test_python_dash_m_runs_the_same_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "--paigo" not in result.stdout
    assert "--array-batches" in result.stdout
    assert "127.0.0.1" in result.stdout


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_no_warning_on_loopback(host):
    assert exposure_warning(host, admin_enabled=True, admin_token=None) is None


def test_loud_warning_beyond_loopback():
    warning = exposure_warning("0.0.0.0", admin_enabled=True, admin_token=None)
    assert warning is not None
    assert warning.count("WARNING") == 3
    assert "0.0.0.0" in warning
    assert "admin routes" in warning
    protected = exposure_warning("10.0.0.5", admin_enabled=True, admin_token="t")
    assert protected is not None
    assert "admin routes" not in protected


def test_banner_lists_urls_and_credentials_but_never_the_admin_token():
    text = banner(
        "http://127.0.0.1:8787",
        client_id="id",
        client_secret="secret",
        admin_enabled=True,
        admin_token="adm1n",
        faults=2,
    )
    lines = text.splitlines()
    assert "PAIGO_API_URL=http://127.0.0.1:8787" in lines
    assert "PAIGO_AUTH_URL=http://127.0.0.1:8787/oauth/token" in lines
    assert "PAIGO_CLIENT_ID=id" in lines
    assert "PAIGO_CLIENT_SECRET=secret" in lines
    assert "adm1n" not in text
    assert "token required" in text
    disabled = banner(
        "http://127.0.0.1:1",
        client_id="i",
        client_secret="s",
        admin_enabled=False,
        admin_token=None,
        faults=0,
    )
    assert "Admin routes: disabled" in disabled
    assert "Clock: system" in disabled


def test_banner_names_a_manual_clocks_time():
    text = banner(
        "http://127.0.0.1:1",
        client_id="i",
        client_secret="s",
        admin_enabled=True,
        admin_token=None,
        faults=0,
        clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )
    assert "Clock: manual, at 2026-01-01T00:00:00Z" in text
