"""Scheduled jobs: the record of each job's last run, shown to admins."""
