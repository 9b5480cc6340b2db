"""What every SDK script shares: the gateway's address, and one scenario per run printed as JSON.

A script is run as `python SCRIPT SCENARIO` by the JUnit runner dev.iccache.server.PythonSdk, with
ICCACHE_BASE_URL (the gateway, e.g. http://127.0.0.1:8080) and optionally ICCACHE_API_KEY in its
environment. It prints one JSON object with what the SDK returned or raised, and the Java test
asserts on it. Exit status 0 means the scenario ran; an SDK exception a scenario does not expect
fails it with its traceback.
"""
import json
import os
import sys

BASE_URL = os.environ["ICCACHE_BASE_URL"]
API_KEY = os.environ.get("ICCACHE_API_KEY", "not-needed")


def status_error(e):
    """What a client sees of an HTTP error the SDK raised: its class, status and parsed body."""
    return {"error": type(e).__name__, "status": getattr(e, "status_code", None), "body": getattr(e, "body", None),
            "message": str(e)}


def main(scenarios):
    if len(sys.argv) != 2 or sys.argv[1] not in scenarios:
        print("usage: " + sys.argv[0] + " SCENARIO, one of " + ", ".join(scenarios), file=sys.stderr)
        sys.exit(2)
    print(json.dumps(scenarios[sys.argv[1]]()))
