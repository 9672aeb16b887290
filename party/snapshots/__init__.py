"""Findings snapshots (体检快照): stored results of the compliance engine per organization and
period, refreshed in the background.
"""
