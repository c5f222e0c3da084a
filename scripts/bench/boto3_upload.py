#!/usr/bin/env python3
"""The bench's baseline: boto3 uploading the same files kontextd synced, to the same moto server.

Usage: boto3_upload.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET PREFIX CONCURRENCY DIR [--sidecar]
Uploads every file in DIR with put_object (SHA-256 checksum and the same user metadata kontextd
sends), CONCURRENCY at once from a thread pool (boto3 clients are thread-safe; one client, a
connection pool as large as the concurrency), and prints {"seconds": <elapsed>, "files": n, "bytes": n}.
With --sidecar each file is followed by a JSON sidecar object `<key>.json` of the size kontextd
writes: the same requests kontextd makes per image (the same-work comparison; the target is the
plain one, a single put_object per file).
"""
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, access_key, secret_key, bucket, prefix, concurrency, directory = sys.argv[1:8]
sidecar = "--sidecar" in sys.argv[8:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=access_key,
                  aws_secret_access_key=secret_key, config=Config(max_pool_connections=int(concurrency)))
paths = sorted(os.path.join(directory, name) for name in os.listdir(directory))


def upload(path):
    with open(path, "rb") as handle:
        body = handle.read()
    digest = hashlib.sha256(body).hexdigest()
    s3.put_object(Bucket=bucket, Key=prefix + os.path.basename(path), Body=body, ChecksumAlgorithm="SHA256",
                  ContentType="image/jpeg", Metadata={"sha256": digest, "image-uuid": os.path.basename(path)})
    if sidecar:
        facts = {"imageUUID": os.path.basename(path), "sha256": digest, "byteSize": len(body), "format": "JPG",
                 "prompt": "a bench image " * 8, "seed": 42, "width": 1024, "height": 1024, "cost": 0.0025}
        s3.put_object(Bucket=bucket, Key=prefix + os.path.basename(path) + ".json", Body=json.dumps(facts).encode(),
                      ChecksumAlgorithm="SHA256", ContentType="application/json",
                      Metadata={"image-uuid": os.path.basename(path)})
    return len(body)


started = time.monotonic()
with ThreadPoolExecutor(int(concurrency)) as pool:
    total = sum(pool.map(upload, paths))
print(json.dumps({"seconds": time.monotonic() - started, "files": len(paths), "bytes": total}))
