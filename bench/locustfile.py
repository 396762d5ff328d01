"""Spillway's locust test: the load of LiteLLM's "1K RPS" tutorial, as an outside check of `spillway bench`.

Each user posts a chat completion whose one user message is a fresh uuid followed by a fixed sentence, the pair
repeated 150 times (about 16 KB, no shared prefix), then waits 0.5 to 1 s. Run by bench/seed-locust.ts; by hand:

    locust -f bench/locustfile.py --headless -u 1000 -r 1000 -t 60s --host http://127.0.0.1:4000/v1/

Environment: API_KEY (sent as a bearer token, default sk-1234), LOCUST_MODEL (default fake-openai-endpoint),
LOCUST_ERROR_LOG (file that failed responses are appended to, default error.txt).
"""
import os
import uuid

from locust import HttpUser, between, task

SENTENCE = " This is a test there will be no cache hits and we'll fill up the context"
MODEL = os.getenv("LOCUST_MODEL", "fake-openai-endpoint")
ERROR_LOG = os.getenv("LOCUST_ERROR_LOG", "error.txt")


class ChatCompletionUser(HttpUser):
    wait_time = between(0.5, 1)

    def on_start(self):
        self.client.headers["Authorization"] = "Bearer " + os.getenv("API_KEY", "sk-1234")

    @task
    def chat_completion(self):
        prompt = (str(uuid.uuid4()) + SENTENCE) * 150
        body = {
            "model": MODEL,
            "messages": [{"role": "user", "content": prompt}],
            "user": "my-new-end-user-1",
        }
        # A relative path, joined to --host, as the tutorial does.
        with self.client.post("chat/completions", json=body, catch_response=True) as response:
            if response.status_code != 200:
                # "status N" keeps failures countable by status in locust's failures CSV.
                response.failure("status %d" % response.status_code)
                with open(ERROR_LOG, "a") as log:
                    log.write(response.text + "\n")
