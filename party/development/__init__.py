"""Member development (发展党员): applicants and their steps under the statutory time rules,
approval authorities, the development plan.
"""
