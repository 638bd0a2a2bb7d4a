"""Models of the job queue (heavy work run by job workers, issue 17) and of the running processes (issue 21)."""
