"""A downstream fine-tuning stage can consume the SFT shards as they are: a tiny Llama with random
weights and a tokenizer trained here on the fixture text (nothing downloaded) trains a few steps on
CPU through `transformers`' standard tokenization and collator (plain torch loop: no accelerate)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from support.release_store import build_store

from curate.release.export import build_release

pytestmark = pytest.mark.slow


def test_tiny_llama_trains_on_the_sft_split(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    datasets = pytest.importorskip("datasets")
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    folder = build_release(build_store(tmp_path / "root"))
    train = datasets.load_dataset(str(folder), "sft", split="train")

    def to_text(row: dict) -> dict:
        prompt = f"{row['instruction']}\n{row['input']}" if row["input"] else row["instruction"]
        return {"text": f"Human: {prompt} </s> Assistant: {row['output']} </s>"}

    texts = train.map(to_text, remove_columns=train.column_names)
    raw = Tokenizer(models.WordLevel(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["<unk>", "<pad>", "<s>", "</s>"]
    raw.train_from_iterator(texts["text"], trainers.WordLevelTrainer(vocab_size=400, special_tokens=specials))
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>", pad_token="<pad>",
                                                     bos_token="<s>", eos_token="</s>")  # fmt: skip
    tokenized = texts.map(lambda b: tokenizer(b["text"], truncation=True, max_length=128), batched=True,
                          remove_columns=["text"])  # fmt: skip
    assert len(tokenizer) <= 400

    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                                      max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    model = transformers.LlamaForCausalLM(config)
    collator = transformers.DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False)
    loader = torch.utils.data.DataLoader(tokenized, batch_size=4, shuffle=True, collate_fn=collator,
                                         generator=torch.Generator().manual_seed(0))  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for step, batch in enumerate(loader):
        if step == 8:
            break
        assert (batch["labels"][batch["attention_mask"] == 0] == -100).all()  # padding is not trained on
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert len(losses) == 8 and all(math.isfinite(x) for x in losses)
    assert min(losses[-3:]) < losses[0]  # it learns something from the rows
