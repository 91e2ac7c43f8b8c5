"""The contract: pydantic models shared by the HTTP clients and the mock backends.

One source of truth. The mock services publish it as OpenAPI; the clients
validate every response against it. Nothing here imports Textual or httpx.
"""

from advisor_tui.contract._base import ContractModel as ContractModel
from advisor_tui.contract._base import Pence as Pence
from advisor_tui.contract._base import Ulid as Ulid
from advisor_tui.contract._base import UtcDatetime as UtcDatetime
from advisor_tui.contract._base import utcnow as utcnow
from advisor_tui.contract.actions import *  # noqa: F403
from advisor_tui.contract.common import *  # noqa: F403
from advisor_tui.contract.customers import *  # noqa: F403
from advisor_tui.contract.decisions import *  # noqa: F403
from advisor_tui.contract.faults import *  # noqa: F403
from advisor_tui.contract.identity import *  # noqa: F403
