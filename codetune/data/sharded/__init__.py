"""The pretraining build as datatrove pipelines (``executor: local | slurm | ray``)."""
