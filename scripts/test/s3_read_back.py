#!/usr/bin/env python3
"""Reads every object of a bucket back with boto3 (an independent S3 client), authenticated.

Usage: s3_read_back.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET
Prints one JSON object: {"objects": [{"key", "sha256", "size", "metadata", "contentType", "checksumSHA256"}]}.
"""
import hashlib
import json
import sys

import boto3

endpoint, access_key, secret_key, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=access_key, aws_secret_access_key=secret_key)
objects = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for item in page.get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=item["Key"], ChecksumMode="ENABLED")
        body = got["Body"].read()
        objects.append({
            "key": item["Key"], "sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
            "metadata": got.get("Metadata", {}), "contentType": got.get("ContentType"),
            "checksumSHA256": got.get("ChecksumSHA256"),
        })
print(json.dumps({"objects": objects}))
