"""Drives the Habanero kernel over the Jupyter protocol, as a notebook front end does.

Runs cells, interrupts a sleeping cell and a running Spark job, and checks that the kernel lives
on. Prints one JSON object with what happened; NotebooksIT asserts on it.
Usage: python3 kernel_session.py <kernel-name>
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def run(kc, code, timeout=300):
    """Executes code; returns (status, outputs) from the shell reply and iopub messages."""
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        if t in ("stream", "execute_result", "display_data", "error"):
            outputs.append({"type": t, "content": msg["content"]})
        if t == "status" and msg["content"]["execution_state"] == "idle":
            break
    return shell_reply(kc, msg_id, timeout)["status"], outputs


def shell_reply(kc, msg_id, timeout):
    """The shell reply to msg_id (other replies, e.g. to start-up kernel_info requests, skipped)."""
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def interrupt_after(km, kc, code, delay):
    """Starts code, interrupts it after delay seconds; returns (status, error name, seconds)."""
    msg_id = kc.execute(code)
    # Interrupt only once the kernel is running the cell: an interrupt while idle does nothing.
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(delay)
    start = time.time()
    km.interrupt_kernel()
    content = shell_reply(kc, msg_id, 120)
    return content["status"], content.get("ename", ""), content.get("evalue", ""), time.time() - start


result = {}
km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=180)
try:
    status, outputs = run(kc, 'int answer = 6 * 7;\nString name = "habanero";\nanswer')
    result["value"] = [status, outputs[-1]["content"]["data"]["text/plain"] if outputs else None]

    status, ename, evalue, secs = interrupt_after(km, kc, "Thread.sleep(600_000);", 3)
    result["sleep"] = {"status": status, "ename": ename, "evalue": evalue, "seconds": secs}

    run(kc, 'SparkSession spark = SparkSession.builder().master("local[2]")'
            '.config("spark.ui.enabled", "false").getOrCreate();')
    status, ename, evalue, secs = interrupt_after(
        km, kc,
        "spark.range(0, 1_000_000_000L, 1, 2).map("
        "(org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> { Thread.sleep(1); return x; },"
        " Encoders.LONG()).count()", 5)
    result["spark"] = {"status": status, "ename": ename, "evalue": evalue[:300], "seconds": secs}

    status, outputs = run(kc, "spark.range(3).count() + answer")
    result["after"] = [status, outputs[-1]["content"]["data"]["text/plain"] if outputs else None]

    status, outputs = run(kc, "String s = 1;")
    err = [o["content"] for o in outputs if o["type"] == "error"]
    result["compile_error"] = {"status": status, "traceback": err[0]["traceback"] if err else []}

    complete_id = kc.complete("name.toUpp", 10)
    result["complete"] = shell_reply(kc, complete_id, 60).get("matches")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    del kc, km  # close them now, not during interpreter teardown
print(json.dumps(result))
