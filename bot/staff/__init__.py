"""Trainers and operators: who they are, and the commands only they have."""
