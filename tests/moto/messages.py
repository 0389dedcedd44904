#!/usr/bin/env python3
"""Notification plumbing in moto.

  messages.py ENDPOINT REGION setup NAME   creates queue NAME, topic NAME and a second queue
                                           NAME-sns subscribed to the topic; prints their ids
  messages.py ENDPOINT REGION read URL     prints the messages waiting on a queue (body and
                                           string attributes), and deletes them
  messages.py ENDPOINT REGION param NAME VALUE   stores VALUE as the SecureString NAME
"""
import json
import sys

import boto3

endpoint, region, command, arg = sys.argv[1:5]
if command == "param":
    boto3.client("ssm", region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing").put_parameter(
        Name=arg, Value=sys.argv[5], Type="SecureString")
    print("{}")
    sys.exit(0)
kw = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
sqs = boto3.client("sqs", **kw)
sns = boto3.client("sns", **kw)
if command == "setup":
    queue = sqs.create_queue(QueueName=arg)["QueueUrl"]
    sns_queue = sqs.create_queue(QueueName=arg + "-sns")["QueueUrl"]
    sns_queue_arn = sqs.get_queue_attributes(QueueUrl=sns_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name=arg)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sns_queue_arn)
    print(json.dumps({"queue": queue, "sns_queue": sns_queue, "topic": topic}))
else:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=arg, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        for m in got:
            attrs = {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()}
            out.append({"body": m["Body"], "attributes": attrs})
            sqs.delete_message(QueueUrl=arg, ReceiptHandle=m["ReceiptHandle"])
    print(json.dumps(out))
