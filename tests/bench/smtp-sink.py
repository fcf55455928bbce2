#!/usr/bin/env python3
"""A light SMTP server for tests/bench/outbox.sh: aiosmtpd on 127.0.0.1:PORT that accepts every
message and appends one line per message to FILE: its arrival time (Unix seconds) and its
Message-ID. It neither parses nor stores the message, so that the server costs the benchmark
little CPU (aiosmtpd's Maildir handler, which the tests use, costs about 4 ms per message).

Usage: smtp-sink.py PORT FILE"""
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Record:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        message_id = b"-"
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                message_id = line[11:].strip()
        self.out.write(f"{time.time():.6f} {message_id.decode('ascii', 'replace')}\n")
        return "250 OK"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "a", buffering=1) as out:
        controller = Controller(Record(out), hostname="127.0.0.1", port=port)
        controller.start()
        threading.Event().wait()


if __name__ == "__main__":
    main()
