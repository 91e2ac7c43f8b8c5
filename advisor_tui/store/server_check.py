"""The local decision log checked against the decisions service's chain.

The local ``verify`` proves the log is consistent with itself, which a forger
who edits a record and recomputes every later hash, receipt and head can
arrange. The server holds the true chain, so this compares each advisor's
local records with the server's links sequence by sequence and names the
first that differs: a record the server has and the log lacks (deleted), a
record whose local content no longer hashes to what the server recorded
(edited), a receipt that is not the server's (rewritten), or a record claimed
delivered that the server never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from advisor_tui.clients.errors import BackendError
from advisor_tui.contract import ChainLink, ChainLinkPage, chain_hash, routes
from advisor_tui.store.decisions import DeliveryStatus, StoredDecision


class ChainReader(Protocol):
    async def chain_links(
        self, advisor_id: str, *, after: int = 0, limit: int = 1000
    ) -> ChainLinkPage: ...


@dataclass(frozen=True, slots=True)
class AdvisorCheck:
    advisor_id: str
    local: int
    server: int
    first_difference: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.problem is None:
            return (
                f"{self.advisor_id}: matches the server ({self.server} on the server, "
                f"{self.local} in the local log)"
            )
        where = f" at sequence {self.first_difference}" if self.first_difference else ""
        return f"{self.advisor_id}: DIFFERS from the server{where}: {self.problem}"


async def server_links(client: ChainReader, advisor_id: str) -> list[ChainLink]:
    links: list[ChainLink] = []
    after = 0
    while True:
        page = await client.chain_links(advisor_id, after=after, limit=routes.CHAIN_LINKS_PAGE_MAX)
        links.extend(page.items)
        if page.next_after is None:
            return links
        after = page.next_after


def compare(advisor_id: str, local: list[StoredDecision], links: list[ChainLink]) -> AdvisorCheck:
    """The first difference between ``advisor_id``'s local records and the server's chain."""
    by_id = {record.id: record for record in local}
    on_server = {link.id for link in links}

    def differs(sequence: int | None, problem: str) -> AdvisorCheck:
        return AdvisorCheck(advisor_id, len(local), len(links), sequence, problem)

    for link in links:
        record = by_id.get(link.id)
        if record is None:
            return differs(
                link.sequence,
                f"the server's record #{link.sequence} ({link.id}) is missing from the local "
                "log (deleted?)",
            )
        if chain_hash(link.prev_hash, record.decision) != link.hash:
            return differs(
                link.sequence,
                f"the local content of {link.id} does not hash to what the server recorded "
                "(edited?)",
            )
        if record.status is DeliveryStatus.DELIVERED and (
            record.server_hash != link.hash or record.server_sequence != link.sequence
        ):
            return differs(
                link.sequence,
                f"the local receipt of {link.id} is not the server's (rewritten?)",
            )
    for record in local:
        if record.status is DeliveryStatus.DELIVERED and record.id not in on_server:
            return differs(
                record.server_sequence,
                f"local record {record.id} is marked delivered but the server never stored it",
            )
    return AdvisorCheck(advisor_id, len(local), len(links))


async def check_against_server(
    records: Iterable[StoredDecision], client: ChainReader
) -> list[AdvisorCheck]:
    """Compare every advisor's records in the local log with the server's chain."""
    by_advisor: dict[str, list[StoredDecision]] = {}
    for record in records:
        by_advisor.setdefault(record.advisor_id, []).append(record)
    out: list[AdvisorCheck] = []
    for advisor_id, local in sorted(by_advisor.items()):
        try:
            links = await server_links(client, advisor_id)
        except BackendError as exc:
            out.append(
                AdvisorCheck(advisor_id, len(local), 0, None, f"could not read the chain: {exc}")
            )
            continue
        out.append(compare(advisor_id, local, links))
    return out
