#!/usr/bin/env python3
"""A FinSpace Data script, written as a FinSpace user writes one, run against a Habanero endpoint.

    HABANERO_ENDPOINT=http://127.0.0.1:9090 \\
    HABANERO_ACCESS_KEY_ID=... HABANERO_SECRET_ACCESS_KEY=... \\
        python3 finspace_flow.py DATA_DIR

DATA_DIR holds the CSV files the script ingests (day1.csv, day2.csv, day1-corrected.csv,
conflict.csv, day3.csv); the ones that are missing are written there with sample trades first.

The flow: temporary credentials from the operator's keys, a client built from them, the working
location, two daily APPENDs staged there, ListChangesets through the paginator, a correction of
the first day (UpdateChangeset), a changeset that fails validation, a clientToken retry, and every
error type a boto3 user can meet. The script stops at the first result that is not what FinSpace
would answer, with a message on stderr and exit status 1; otherwise it prints one JSON document
with the ids and results on stdout. No secret is printed.

Environment: HABANERO_ENDPOINT, HABANERO_ACCESS_KEY_ID, HABANERO_SECRET_ACCESS_KEY (required);
HABANERO_DATASET_ID (default "trades"), HABANERO_ENVIRONMENT_ID (default "local"),
HABANERO_POLL_SECONDS (default 0.5), HABANERO_CHANGESET_TIMEOUT (seconds, default 300).
"""

import json
import os
import shutil
import sys
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
CSV = {"formatType": "CSV", "withHeader": "true", "separator": ","}

# Sample trades: trade_id, symbol, price, quantity. The correction changes the first day: trade 2
# gets a new price, trade 3 is withdrawn and trade 7 is added.
SAMPLES = {
    "day1.csv": "trade_id,symbol,price,quantity\n1,AAPL,190.5,100\n2,MSFT,410.25,50\n3,AMZN,178.0,75\n",
    "day2.csv": "trade_id,symbol,price,quantity\n4,AAPL,191.0,20\n5,GOOG,140.75,30\n6,MSFT,412.0,10\n",
    "day1-corrected.csv": "trade_id,symbol,price,quantity\n1,AAPL,190.5,100\n2,MSFT,409.75,50\n7,NVDA,880.0,5\n",
    # A column the dataset does not have: the schema conflicts, so the changeset must FAIL.
    "conflict.csv": "trade_id,symbol,price,quantity,venue\n8,AAPL,192.0,1,XNAS\n",
    "day3.csv": "trade_id,symbol,price,quantity\n10,IBM,170.0,40\n11,ORCL,120.5,60\n",
}


class Mismatch(Exception):
    """A result that is not what FinSpace would answer."""


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise Mismatch(f"environment variable {name} is not set")
    return value


def finspace_client(endpoint, key, secret, token=None, retries=True):
    """A finspace-data client, as against FinSpace, with only the endpoint URL changed."""
    return boto3.client(
        "finspace-data",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 3 if retries else 1}),
    )


def stage(location, credentials, local_file, folder):
    """Puts local_file under the working location, in its own folder; returns the source path.

    On FinSpace (and a Habanero warehouse on S3) the working location is an s3:// prefix and the
    file is uploaded with the temporary credentials. On a local warehouse s3Uri is a file:// URI
    and s3Path the directory itself, so staging is a copy.
    """
    uri = location["s3Uri"]
    if uri.startswith("s3://"):
        s3 = boto3.client(
            "s3",
            region_name=REGION,
            endpoint_url=os.environ.get("HABANERO_S3_ENDPOINT") or None,
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=credentials["secretAccessKey"],
            aws_session_token=credentials["sessionToken"],
        )
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        s3.upload_file(local_file, bucket, f"{prefix}{folder}/{os.path.basename(local_file)}")
    else:
        target = os.path.join(location["s3Path"], folder)
        os.makedirs(target, exist_ok=True)
        shutil.copy(local_file, target)
    return f"{uri}{folder}/"


def wait_for(client, dataset_id, changeset_id, poll, timeout):
    """Polls GetChangeset until the changeset is no longer PENDING or RUNNING."""
    deadline = time.monotonic() + timeout
    while True:
        c = client.get_changeset(datasetId=dataset_id, changesetId=changeset_id)
        if c["status"] not in ("PENDING", "RUNNING"):
            return c
        check(time.monotonic() < deadline,
              f"changeset {changeset_id} is still {c['status']} after {timeout} s")
        time.sleep(poll)


def expect_error(label, code, status, call):
    """Calls call(), which must fail with error code and HTTP status; returns what was seen."""
    try:
        call()
    except ClientError as e:
        seen = e.response["Error"].get("Code")
        http = e.response["ResponseMetadata"].get("HTTPStatusCode")
        request_id = e.response["ResponseMetadata"].get("RequestId")
        message = e.response["Error"].get("Message", "")
        check(seen == code, f"{label}: expected {code}, got {seen} ({message})")
        check(http == status, f"{label}: expected HTTP {status} for {code}, got {http}")
        check(bool(request_id), f"{label}: {code} has no ResponseMetadata.RequestId")
        check(bool(message), f"{label}: {code} has no message")
        return {"code": seen, "httpStatus": http, "requestId": request_id}
    raise Mismatch(f"{label}: expected {code} (HTTP {status}), but the call succeeded")


def flow(data_dir):
    endpoint = env("HABANERO_ENDPOINT")
    operator_key = env("HABANERO_ACCESS_KEY_ID")
    operator_secret = env("HABANERO_SECRET_ACCESS_KEY")
    dataset = env("HABANERO_DATASET_ID", "trades")
    environment_id = env("HABANERO_ENVIRONMENT_ID", "local")
    poll = float(env("HABANERO_POLL_SECONDS", "0.5"))
    timeout = float(env("HABANERO_CHANGESET_TIMEOUT", "300"))

    os.makedirs(data_dir, exist_ok=True)
    for name, text in SAMPLES.items():
        path = os.path.join(data_dir, name)
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    files = {name: os.path.join(data_dir, name) for name in SAMPLES}
    out = {"boto3": boto3.__version__, "botocore": botocore.__version__, "datasetId": dataset}

    # 1. Temporary credentials, with the operator's keys; then a client built from them.
    operator = finspace_client(endpoint, operator_key, operator_secret)
    issued = operator.get_programmatic_access_credentials(
        environmentId=environment_id, durationInMinutes=60)
    creds = issued["credentials"]
    for member in ("accessKeyId", "secretAccessKey", "sessionToken"):
        check(creds.get(member), f"GetProgrammaticAccessCredentials returned no {member}")
    check(issued.get("durationInMinutes") == 60,
          f"durationInMinutes is {issued.get('durationInMinutes')}, not 60")
    check(creds["accessKeyId"] != operator_key, "the issued key is the operator's key")
    out["credentials"] = {"durationInMinutes": issued["durationInMinutes"],
                          "accessKeyIdPrefix": creds["accessKeyId"][:4]}
    client = finspace_client(
        endpoint, creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])

    # 2. The working location, where files are staged before they are ingested.
    location = client.get_working_location(locationType="INGESTION")
    check(location["s3Uri"].endswith("/"), f"s3Uri {location['s3Uri']} does not end with /")
    out["workingLocation"] = location["s3Uri"]

    # Each file is staged once, in its own folder: a file that changes while a changeset reads
    # it fails that changeset, so a retry must not upload it again.
    staged = {}

    def source(name):
        if name not in staged:
            staged[name] = stage(location, creds, files[name], name[:-len(".csv")])
        return {"sourceType": "S3", "s3SourcePath": staged[name]}

    def create(name, change_type="APPEND", token=None, fmt=None):
        args = dict(datasetId=dataset, changeType=change_type, sourceParams=source(name),
                    formatParams=fmt or CSV)
        if token:
            args["clientToken"] = token
        return client.create_changeset(**args)

    # 3. Two daily APPENDs; CreateChangeset returns at once, GetChangeset says when it is done.
    ids = {}
    for day in ("day1", "day2"):
        r = create(day + ".csv")
        check(r["datasetId"] == dataset, f"CreateChangeset answered datasetId {r['datasetId']}")
        done = wait_for(client, dataset, r["changesetId"], poll, timeout)
        check(done["status"] == "SUCCESS",
              f"{day} ended {done['status']}: {done.get('errorInfo')}")
        check(done["changeType"] == "APPEND", f"{day} is a {done['changeType']}")
        check(done.get("activeFromTimestamp"), f"{day} has no activeFromTimestamp")
        ids[day] = r["changesetId"]

    # 4. ListChangesets through the paginator, one changeset per page: both, oldest first.
    pages = client.get_paginator("list_changesets").paginate(
        datasetId=dataset, PaginationConfig={"PageSize": 1})
    page_sizes, listed = [], []
    for page in pages:
        page_sizes.append(len(page["changesets"]))
        listed += [c["changesetId"] for c in page["changesets"]]
    check(listed == [ids["day1"], ids["day2"]],
          f"ListChangesets listed {listed}, expected {[ids['day1'], ids['day2']]}")
    check(all(n <= 1 for n in page_sizes), f"pages of sizes {page_sizes} with PageSize=1")
    out["paginated"] = {"pages": len(page_sizes), "changesetIds": listed}

    # 5. A correction of the first day: UpdateChangeset replaces its rows (a MODIFY).
    r = client.update_changeset(
        datasetId=dataset, changesetId=ids["day1"],
        sourceParams=source("day1-corrected.csv"), formatParams=CSV)
    ids["correction"] = r["changesetId"]
    check(ids["correction"] != ids["day1"], "UpdateChangeset answered the changeset it updates")
    done = wait_for(client, dataset, ids["correction"], poll, timeout)
    check(done["status"] == "SUCCESS", f"the correction ended {done['status']}: {done.get('errorInfo')}")
    check(done["changeType"] == "MODIFY", f"the correction is a {done['changeType']}, not MODIFY")
    check(done.get("updatesChangesetId") == ids["day1"],
          f"the correction updates {done.get('updatesChangesetId')}, not {ids['day1']}")
    old = client.get_changeset(datasetId=dataset, changesetId=ids["day1"])
    check(old.get("updatedByChangesetId") == ids["correction"],
          f"day1 is updated by {old.get('updatedByChangesetId')}, not {ids['correction']}")
    check(old.get("activeUntilTimestamp"), "day1 has no activeUntilTimestamp after its correction")
    check(old["activeUntilTimestamp"] >= old["activeFromTimestamp"],
          "day1 is active until before it was active from")
    out["correction"] = {"changesetId": ids["correction"], "changeType": done["changeType"],
                         "updatesChangesetId": done["updatesChangesetId"],
                         "oldUpdatedByChangesetId": old["updatedByChangesetId"],
                         "oldActiveUntilTimestamp": old["activeUntilTimestamp"]}

    # 6. A changeset that fails: a column the dataset does not have.
    r = create("conflict.csv")
    ids["failed"] = r["changesetId"]
    failed = wait_for(client, dataset, ids["failed"], poll, timeout)
    check(failed["status"] == "FAILED", f"the conflicting changeset ended {failed['status']}")
    info = failed.get("errorInfo") or {}
    check(info.get("errorCategory") == "VALIDATION",
          f"the conflicting changeset failed with category {info.get('errorCategory')}")
    check(info.get("errorMessage"), "the FAILED changeset has no errorMessage")
    out["failed"] = {"changesetId": ids["failed"], "status": failed["status"],
                     "errorCategory": info["errorCategory"], "errorMessage": info["errorMessage"]}

    # 7. A clientToken retry: the same request twice is the same changeset, ingested once.
    token = str(uuid.uuid4())
    first = create("day3.csv", token=token)
    again = create("day3.csv", token=token)
    check(first["changesetId"] == again["changesetId"],
          f"the retry with clientToken made a second changeset ({first['changesetId']},"
          f" {again['changesetId']})")
    ids["retry"] = first["changesetId"]
    done = wait_for(client, dataset, ids["retry"], poll, timeout)
    check(done["status"] == "SUCCESS", f"the clientToken changeset ended {done['status']}")
    out["retry"] = {"changesetId": ids["retry"], "retriedChangesetId": again["changesetId"]}

    # 8. Every error type a boto3 user can see.
    errors = {}
    errors["unknownFormatType"] = expect_error(
        "formatType AVRO", "ValidationException", 400,
        lambda: create("day3.csv", fmt={"formatType": "AVRO"}))
    errors["unknownFormatParam"] = expect_error(
        "formatParams key withHeaders", "ValidationException", 400,
        lambda: create("day3.csv", fmt={"formatType": "CSV", "withHeaders": "true"}))
    errors["unknownChangeset"] = expect_error(
        "GetChangeset of an unknown id", "ResourceNotFoundException", 404,
        lambda: client.get_changeset(datasetId=dataset, changesetId="nosuchchangeset"))
    errors["clientTokenReused"] = expect_error(
        "same clientToken, another request", "ConflictException", 409,
        lambda: create("day2.csv", token=token))
    errors["wrongSecret"] = expect_error(
        "a wrong secret", "InvalidSignatureException", 403,
        lambda: finspace_client(endpoint, operator_key, operator_secret + "x", retries=False)
        .get_working_location(locationType="INGESTION"))
    errors["unknownAccessKey"] = expect_error(
        "an unknown access key", "UnrecognizedClientException", 403,
        lambda: finspace_client(endpoint, "AKIDUNKNOWN0000000000", operator_secret,
                                retries=False).get_working_location(locationType="INGESTION"))
    errors["wrongSessionToken"] = expect_error(
        "issued key with another session token", "UnrecognizedClientException", 403,
        lambda: finspace_client(endpoint, creds["accessKeyId"], creds["secretAccessKey"],
                                "not-the-token", retries=False)
        .get_working_location(locationType="INGESTION"))
    out["errors"] = errors

    # 9. All changesets, oldest first, as the dataset records them now.
    final = []
    for page in client.get_paginator("list_changesets").paginate(datasetId=dataset):
        final += [{"changesetId": c["changesetId"], "changeType": c["changeType"],
                   "status": c["status"], "updatedByChangesetId": c.get("updatedByChangesetId")}
                  for c in page["changesets"]]
    check([c["changesetId"] for c in final]
          == [ids["day1"], ids["day2"], ids["correction"], ids["failed"], ids["retry"]],
          f"ListChangesets lists {[c['changesetId'] for c in final]} at the end")
    out["changesetIds"] = ids
    out["changesets"] = final
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: finspace_flow.py DATA_DIR", file=sys.stderr)
        return 2
    try:
        result = flow(argv[1])
    except Mismatch as e:
        print(f"finspace_flow: FAILED: {e}", file=sys.stderr)
        return 1
    except ClientError as e:
        err = e.response.get("Error", {})
        print(f"finspace_flow: FAILED: unexpected {err.get('Code')} from"
              f" {e.operation_name}: {err.get('Message')}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
