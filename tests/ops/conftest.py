"""A production-shaped stack for the operations tests: a throwaway PostgreSQL and an S3 server.

`ops_stack` starts PostgreSQL (tests/postgres_server.py: a RuntimeError naming the missing binaries
when PostgreSQL is not installed) and a moto S3 server behind the presign gate
(tests/storage/s3_server.py), and yields the environment a production host would have: DATABASE_URL
in the libpq form (psql and pg_dump read it as well), STORAGE_URL=s3://BUCKET, S3_ENDPOINT_URL, the AWS
keys, EVIDENCE_SECRET and APP_ENV=production. With `migrate`, it also runs `kis db upgrade` and
`kis storage init`, as the runbook's first start does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.live import run_kis
from tests.postgres_server import TemporaryPostgres
from tests.storage.s3_server import GatedMotoServer

S3_ACCESS_KEY = "AKIAKISOPSTEST000001"
S3_SECRET_KEY = "kis-ops-test-s3-secret-key"
EVIDENCE_SECRET = "kis-ops-test-evidence-secret-0123456789"


@dataclass
class Stack:
    env: dict[str, str]
    postgres: TemporaryPostgres
    s3: GatedMotoServer
    secrets: list[str] = field(default_factory=lambda: [S3_SECRET_KEY, EVIDENCE_SECRET])
    database_stopped: bool = False

    def stop_database(self) -> None:
        """Stop PostgreSQL at once (pg_ctl -m immediate), as a crash of the database would."""
        if not self.database_stopped:
            self.database_stopped = True
            self.postgres.stop()


@contextlib.contextmanager
def ops_stack(bucket: str, *, migrate: bool) -> Iterator[Stack]:
    postgres = TemporaryPostgres()
    s3 = GatedMotoServer({S3_ACCESS_KEY: S3_SECRET_KEY}, ip_address="127.0.0.1", port=0)
    stack = Stack({}, postgres, s3)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(stack.stop_database)
        postgres.start()
        postgres.create_database("kis_ops")
        s3.start()
        cleanup.callback(s3.stop)
        host, port = s3.get_host_and_port()
        stack.env.update(
            {
                "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{postgres.port}/kis_ops",
                "STORAGE_URL": f"s3://{bucket}",
                "S3_ENDPOINT_URL": f"http://{host}:{port}",
                "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "AWS_REGION": "us-east-1",
                "APP_ENV": "production",
                "EVIDENCE_SECRET": EVIDENCE_SECRET,
                "KIS_DOC_RECALC": "0",
                "LOG_LEVEL": "INFO",
            }
        )
        if migrate:
            run_kis(stack.env, "db", "upgrade")
            run_kis(stack.env, "storage", "init")
        yield stack
