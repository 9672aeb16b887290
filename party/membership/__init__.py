"""Membership (党员管理): members, transfers (组织关系转接), floating members (流动党员), dues (党费) and
reductions, care visits (关怀帮扶), commendations (表彰).
"""
