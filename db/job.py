"""Models of the job queue (heavy work run by job workers, issue 17) and of the running processes (issue 21).

A Job is one heavy piece of work asked by a user (a batch of PDFs, a list export): queued in the database, claimed
by exactly one worker process, its progress and its result file (under the data dir's `jobs/`) read by any web
process. A Process row is one running web or worker process, kept alive by its heartbeat: a row whose heartbeat is
older than the timeout belongs to a process that died.
"""
from tortoise import fields
from tortoise.models import Model

QUEUED, RUNNING, DONE, FAILED, CANCELLED = 'queued', 'running', 'done', 'failed', 'cancelled'
STATES = {QUEUED: 'En attente', RUNNING: 'En cours', DONE: 'Terminé', FAILED: 'Échec', CANCELLED: 'Annulé'}
ACTIVE = (QUEUED, RUNNING)


class Job(Model):
    """A heavy piece of work of one user, run by a job worker, its result kept as a file for download."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=40)
    user_id = fields.IntField(null=True, db_index=True)
    title = fields.CharField(max_length=200, default='')
    params = fields.JSONField(default=dict)
    state = fields.CharField(max_length=10, default=QUEUED, db_index=True)
    done = fields.IntField(default=0)
    total = fields.IntField(default=0)
    message = fields.CharField(max_length=500, default='')
    result_name = fields.CharField(max_length=200, default='')
    result_file = fields.CharField(max_length=200, default='')
    result_size = fields.BigIntField(default=0)
    attempts = fields.SmallIntField(default=0)
    cancel_requested = fields.BooleanField(default=False)
    worker = fields.CharField(max_length=120, default='')
    created_at = fields.DatetimeField(db_index=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    heartbeat_at = fields.DatetimeField(null=True)

    class Meta:
        table = 'job'
        ordering = ['-created_at', '-id']
        table_description = 'Heavy work (batch PDFs, exports) queued for the job workers, with its progress and result.'

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


class Process(Model):
    """A running web or worker process, kept alive by its heartbeat."""

    id = fields.CharField(max_length=120, primary_key=True)
    kind = fields.CharField(max_length=10)
    pid = fields.IntField()
    host = fields.CharField(max_length=100)
    data_dir = fields.CharField(max_length=500, default='')
    started_at = fields.DatetimeField()
    heartbeat_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = 'process'
        table_description = 'The running web and worker processes, one row each, kept alive by a heartbeat.'
