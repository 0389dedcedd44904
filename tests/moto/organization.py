#!/usr/bin/env python3
"""Creates an organization in moto: OUs /prod and /prod/payments and /dev, an account in each
(tagged), one of them closed; prints {name: id} as JSON.

  organization.py ENDPOINT
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
kw = dict(region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
org = boto3.client("organizations", **kw)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
payments_ou = org.create_organizational_unit(ParentId=prod, Name="payments")["OrganizationalUnit"]["Id"]
dev = org.create_organizational_unit(ParentId=root, Name="dev")["OrganizationalUnit"]["Id"]
ids = {}
for name, parent, tags in [("payments", payments_ou, {"env": "prod", "charge_code": "CC-1"}), ("web", prod, {"env": "prod"}),
                           ("old-web", prod, {"env": "prod"}), ("research", dev, {"env": "dev"})]:
    status = org.create_account(Email=f"{name}@example.com", AccountName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    account = org.describe_create_account_status(CreateAccountRequestId=status["CreateAccountStatus"]["Id"])["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
    ids[name] = account
org.close_account(AccountId=ids["old-web"])
print(json.dumps(ids))
