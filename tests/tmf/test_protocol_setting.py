"""The per-backend ``protocol`` setting: file, environment, flags, and where it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor_tui.clients import Backends
from advisor_tui.clients.tmf import TmfFaultsClient
from advisor_tui.config import ConfigError, Protocol, load_settings, render_settings


def test_protocol_defaults_to_native_and_is_read_from_file_env_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[backends.faults]\nprotocol = "tmf"\n')
    settings, _ = load_settings(file)
    assert settings.backends.faults.protocol is Protocol.TMF
    assert settings.backends.customers.protocol is Protocol.NATIVE
    assert 'protocol = "tmf"' in render_settings(settings)

    monkeypatch.setenv("ADVISOR_TUI_BACKENDS__CUSTOMERS__PROTOCOL", "tmf")
    settings, _ = load_settings(file)
    assert settings.backends.customers.protocol is Protocol.TMF

    settings, _ = load_settings(file, backends={"faults": {"protocol": "native"}})
    assert settings.backends.faults.protocol is Protocol.NATIVE
    assert settings.backends.customers.protocol is Protocol.TMF


def test_backends_without_a_tmf_adapter_refuse_tmf_naming_the_key(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[backends.actions]\nprotocol = "tmf"\n')
    with pytest.raises(ConfigError, match=r"actions\.protocol"):
        load_settings(file)
    file.write_text('[backends.faults]\nprotocol = "soap"\n')
    with pytest.raises(ConfigError, match=r"backends\.faults\.protocol"):
        load_settings(file)


async def test_the_setting_picks_the_adapter(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[backends.faults]\nprotocol = "tmf"\n')
    settings, _ = load_settings(file)
    async with Backends.from_settings(settings, base_url="http://127.0.0.1:9") as bundle:
        assert isinstance(bundle.faults, TmfFaultsClient)
        assert not isinstance(bundle.identity, TmfFaultsClient)
