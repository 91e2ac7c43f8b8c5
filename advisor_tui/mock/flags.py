"""Parse the fault-injection flags shared by ``advisor-tui demo`` and ``mock serve``.

``--latency BACKEND=MS[+JITTER]`` and ``--fault BACKEND=KIND[:RATE]`` where
BACKEND is a backend name or ``all`` and KIND is ``errors`` (answer 500/503;
RATE defaults to 1.0), ``hang``, ``malformed_json`` or ``wrong_schema``.
"""

from __future__ import annotations

from collections.abc import Iterable

from advisor_tui.contract import Backend, FaultSpec

FAULT_KINDS = ("errors", "hang", "malformed_json", "wrong_schema")


class FlagError(ValueError):
    pass


def _targets(name: str, flag: str) -> list[Backend]:
    if name == "all":
        return list(Backend)
    try:
        return [Backend(name)]
    except ValueError:
        names = ", ".join([b.value for b in Backend] + ["all"])
        raise FlagError(f"{flag}: unknown backend {name!r} (one of {names})") from None


def _split(flag: str, raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not value:
        raise FlagError(f"{flag} {raw!r}: expected BACKEND=VALUE")
    return name.strip(), value.strip()


def parse_fault_flags(
    latencies: Iterable[str] = (), faults: Iterable[str] = ()
) -> dict[Backend, FaultSpec]:
    """Turn the flags into one FaultSpec per backend (untouched backends stay healthy)."""
    specs: dict[Backend, dict[str, object]] = {b: {} for b in Backend}
    for raw in latencies:
        name, value = _split("--latency", raw)
        ms, _, jitter = value.partition("+")
        try:
            latency_ms, jitter_ms = int(ms), int(jitter or 0)
        except ValueError:
            raise FlagError(
                f"--latency {raw!r}: MS and JITTER must be whole milliseconds"
            ) from None
        if latency_ms < 0 or jitter_ms < 0:
            raise FlagError(f"--latency {raw!r}: must not be negative")
        for backend in _targets(name, "--latency"):
            specs[backend].update(latency_ms=latency_ms, jitter_ms=jitter_ms)
    for raw in faults:
        name, value = _split("--fault", raw)
        kind, _, rate = value.partition(":")
        if kind not in FAULT_KINDS:
            raise FlagError(
                f"--fault {raw!r}: unknown kind {kind!r} (one of {', '.join(FAULT_KINDS)})"
            )
        for backend in _targets(name, "--fault"):
            if kind == "errors":
                try:
                    error_rate = float(rate) if rate else 1.0
                except ValueError:
                    raise FlagError(f"--fault {raw!r}: RATE must be a number") from None
                if not 0 <= error_rate <= 1:
                    raise FlagError(f"--fault {raw!r}: RATE must be between 0 and 1")
                specs[backend]["error_rate"] = error_rate
            else:
                specs[backend][kind] = True
    return {backend: FaultSpec.model_validate(values) for backend, values in specs.items()}
