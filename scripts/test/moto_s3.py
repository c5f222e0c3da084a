#!/usr/bin/env python3
"""moto's S3 server for the tests, with request-signature checking on.

Starts moto's server on a free loopback port, then spends the INITIAL_NO_AUTH_ACTION_COUNT
unauthenticated requests creating an IAM user with an access key and an s3:* policy, and the
bucket. Prints one JSON line {"endpoint", "accessKeyId", "secretAccessKey", "bucket", "region"}
and serves until stdin closes. From then on every request must carry a valid SigV4 signature.
"""
import json
import os
import sys

# The setup below makes exactly these many requests; every later one is authenticated.
SETUP_REQUESTS = 4
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_REQUESTS)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

bucket = sys.argv[1] if len(sys.argv) > 1 else "kontextd-test"
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
endpoint = f"http://127.0.0.1:{port}"

anonymous = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
iam = boto3.client("iam", **anonymous)
iam.create_user(UserName="kontextd")
key = iam.create_access_key(UserName="kontextd")["AccessKey"]
iam.put_user_policy(
    UserName="kontextd", PolicyName="s3",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
boto3.client("s3", **anonymous).create_bucket(Bucket=bucket)

print(json.dumps({
    "endpoint": endpoint, "accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"],
    "bucket": bucket, "region": "us-east-1",
}), flush=True)
sys.stdin.read()
server.stop()
