"""Talks (谈心谈话): the talk log and its coverage rules."""
