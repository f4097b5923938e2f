"""The JSON API's routers, one module per group of endpoints (the OpenAI-compatible ones: `assistant.api.openai`)."""
