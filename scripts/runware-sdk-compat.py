#!/usr/bin/env python3
"""Drives the official runware-sdk (1.8.0, REST transport) against a Runware endpoint — the
simulator, in `make test` — for one scenario, and prints what the SDK made of the answers as one
JSON object on stdout. The Swift test (Tests/RunwareSimulatorTests/SDKCompatibilityTests.swift)
starts the simulator with the fault plan each scenario needs and checks the output.

Usage: runware-sdk-compat.py --base-url http://127.0.0.1:PORT/v1 --api-key KEY --scenario NAME [--task-uuid UUID]
Scenarios: async, sync, invalid, failed, late, notFound.
"""
import argparse
import asyncio
import json
import sys
import uuid

import runware
from runware import Runware, RunwareError
from runware.types.sdk import RunOptions


TASK_UUID = None


def task(prompt="Repaint the greenhouse at dusk", **extra):
    params = {
        "taskType": "imageInference",
        "taskUUID": TASK_UUID or str(uuid.uuid4()),
        "model": "runware:106@1",
        "positivePrompt": prompt,
        "referenceImages": ["https://assets.runware.ai/assets/inputs/x.jpg"],
        "width": 1024,
        "height": 1024,
        "steps": 4,
        "seed": 42,
        "outputFormat": "JPG",
        "outputType": "URL",
    }
    params.update(extra)
    return params


def result_view(item):
    return {key: item.get(key) for key in ("taskUUID", "imageUUID", "imageURL", "resultIndex", "seed", "status")}


def error_view(error):
    return {
        "error": type(error).__name__,
        "code": getattr(error, "code", None),
        "parameter": getattr(error, "parameter", None),
        "statusCode": getattr(error, "status_code", None),
        "taskUUID": getattr(error, "task_uuid", None),
        "message": str(error),
    }


async def expect_error(params, client, options):
    """Runs a task that must fail and reports what the SDK raised."""
    try:
        await client.run(params, options)
        return {"taskUUID": params["taskUUID"], "unexpected": "no error"}
    except RunwareError as error:
        return {"taskUUID": params["taskUUID"], **error_view(error)}


async def scenario(name, client):
    progress = []
    options = RunOptions(on_progress=lambda item: progress.append(item))
    if name == "async":
        params = task(numberResults=3)
        results = await client.run(params, options)
        return {"taskUUID": params["taskUUID"], "results": [result_view(r) for r in results], "progress": len(progress)}
    if name == "sync":
        params = task(numberResults=2, deliveryMethod="sync")
        results = await client.run(params, options)
        return {"taskUUID": params["taskUUID"], "results": [result_view(r) for r in results]}
    if name == "invalid":
        return await expect_error(task(steps=500), client, options)
    if name == "failed":
        return await expect_error(task(prompt="Repaint the greenhouse at dusk [sim:fail]"), client, options)
    if name == "late":
        params = task(prompt="Repaint the greenhouse at dusk [sim:late]")
        results = await client.run(params, options)
        return {
            "taskUUID": params["taskUUID"],
            "results": [result_view(r) for r in results],
            "progress": [result_view(p) | {"progress": p.get("progress")} for p in progress],
        }
    if name == "notFound":
        unknown = str(uuid.uuid4())
        try:
            items = await client.get_response({"taskUUID": unknown})
            return {"taskUUID": unknown, "unexpected": f"items {items}"}
        except RunwareError as error:
            return {"taskUUID": unknown, **error_view(error)}
    raise SystemExit(f"unknown scenario {name!r}")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--task-uuid")
    args = parser.parse_args()
    global TASK_UUID
    TASK_UUID = args.task_uuid
    # REST transport with the base URL pointed at the endpoint; 1.8.0 calls it http_base_url.
    client = Runware(api_key=args.api_key, transport="rest", http_base_url=args.base_url, max_retries=1, retry_delay=200)
    try:
        output = await scenario(args.scenario, client)
    finally:
        await client.close()
    output["sdkVersion"] = getattr(runware, "__version__", None) or "1.8.0"
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
