"""LiteLLM must not fetch its price map during tests: set the flag before anything imports it."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
