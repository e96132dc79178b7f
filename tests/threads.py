"""Requests that race: work run in threads released at the same moment, each on its own connection."""

import threading

from django.db import close_old_connections, connection


def run_together(count: int, work) -> list:
    """Run `work` in `count` threads released at the same moment; collect results and exceptions."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return results
