#!/usr/bin/env python3
"""Evaluates the built-in rules with Go OPA (opa-golib-python-bindings) over a normalised input.

usage: opa_eval.py BUNDLE.json INPUT.json   (both written by compare_validators.py)
Prints the number of failing (resource, message) pairs, for a sanity check against ours.
"""
import json
import sys

from opa_bindings import OpaEngine


def main():
    bundle = json.load(open(sys.argv[1]))
    resources = json.load(open(sys.argv[2]))
    with OpaEngine() as opa:
        for path, source in bundle.items():
            opa.add_policy(path, source)
        n = opa.eval_document("bench.driver.findings", {"resources": resources})
    print(n)


if __name__ == "__main__":
    main()
