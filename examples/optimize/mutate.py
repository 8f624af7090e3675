#!/usr/bin/env python3
"""A deterministic proposer for `rtgsim optimize` (no network, no randomness).

Reads the prompt (format rtgsim-optimize/1) on stdin and prints a candidate: the
current decision tree with its `target_buffer` parameter scaled by a factor that
depends only on the iteration number and on whether the last candidate was
accepted. Written as an example of the protocol; tested by the project.
"""
import json
import sys

FACTORS = [0.5, 0.75, 1.25, 0.9]


def main() -> int:
    prompt = json.load(sys.stdin)
    if prompt.get("format") != "rtgsim-optimize/1":
        print(f"unknown prompt format {prompt.get('format')!r}", file=sys.stderr)
        return 1
    current = prompt["current"]
    if current["language"] != "tree":
        print("this example proposer changes decision trees only", file=sys.stderr)
        return 1
    tree = json.loads(current["text"])
    history = prompt["history"]
    # Keep going the same way after an acceptance; otherwise the next factor.
    if history and history[-1]["outcome"] == "accepted":
        factor = FACTORS[0]
    else:
        factor = FACTORS[prompt["iteration"] % len(FACTORS)]
    low, high = prompt["constraints"]["parameter_ranges"].get("target_buffer", [0, 10**12])
    buffer = tree["parameters"]["target_buffer"]
    tree["parameters"]["target_buffer"] = int(min(max(buffer * factor, low), high))
    print(json.dumps(tree, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
