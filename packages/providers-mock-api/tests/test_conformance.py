"""Core's provider conformance suite, over the embedded transport and over a real uvicorn server.

``gpt-mock`` is a chat model: the suite then checks that embeddings with it are refused with ``BadRequestError``
(as OpenAI refuses them); embeddings with ``text-embedding-mock`` are tested in ``test_provider.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from litellm_plugin.core.testing import ProviderConformanceTests
from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api import MockAPIProvider


class TestEmbeddedConformance(ProviderConformanceTests):
    provider_class = MockAPIProvider
    entry_point = "mock_api"
    model = "gpt-mock"
    supports_embeddings = False


class TestLiveServerConformance(ProviderConformanceTests):
    model = "gpt-mock"
    supports_embeddings = False

    @pytest.fixture
    def provider(self, live_server: ServerProcess) -> Iterator[MockAPIProvider]:
        instance = MockAPIProvider(api_base=f"{live_server.base_url}/v1", api_key="test-key")
        yield instance
        instance.close()
