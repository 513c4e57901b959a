"""LLM calls for the summarize and qa stages: backends, prompts, cache keys, limits, accounting.

`engine.Engine` runs a batch of chat requests with bounded concurrency, rate limits, retries and a
persistent response cache; `stage.LLMStage` is the shared ShardStage base of the two stages.
"""
