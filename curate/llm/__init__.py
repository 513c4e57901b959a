"""LLM calls for the summarize, qa and knowledge_items stages and `curate eval`: backends, prompts,
strict schemas, cache keys, limits, accounting.

`engine.Engine` runs a batch of chat requests with a step-wide concurrency (`share`), rate limits,
retries, a probe of the server and a persistent, timer-flushed response cache; `stage.LLMStage` is
the shared ShardStage base of the stages.
"""
