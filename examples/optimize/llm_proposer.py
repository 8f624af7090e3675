#!/usr/bin/env python3
"""A proposer for `rtgsim optimize` that asks a language model (not tested here).

Sends the prompt (format rtgsim-optimize/1) to an OpenAI-compatible chat
completions endpoint and prints the model's reply, which should be the policy
text. Needs RTGSIM_LLM_API_KEY; RTGSIM_LLM_BASE_URL (default
https://api.openai.com/v1) and RTGSIM_LLM_MODEL (default gpt-4o-mini) are
optional. Without a key it exits with an error, and the loop records the
iteration as `proposer_failed`.

    rtgsim optimize examples/optimize/scenario.yaml --agent METRO_CENTRAL \
      --proposer "python3 examples/optimize/llm_proposer.py" --iterations 10
"""
import json
import os
import sys
import urllib.request


def main() -> int:
    key = os.environ.get("RTGSIM_LLM_API_KEY")
    if not key:
        print("set RTGSIM_LLM_API_KEY to use a language model", file=sys.stderr)
        return 1
    base = os.environ.get("RTGSIM_LLM_BASE_URL", "https://api.openai.com/v1").rstrip("/")
    model = os.environ.get("RTGSIM_LLM_MODEL", "gpt-4o-mini")
    prompt = json.load(sys.stdin)
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": prompt["task"]},
            {"role": "user", "content": json.dumps(prompt, indent=2)},
        ],
        "temperature": 0.2,
    }
    request = urllib.request.Request(
        f"{base}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=240) as response:
        reply = json.load(response)
    print(reply["choices"][0]["message"]["content"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
