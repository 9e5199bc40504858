"""Trainers' broadcasts: choosing a segment, and sending through every chat's queue."""
