"""Organization life (组织生活): 三会一课 and other meetings, attendance, minutes and their similarity,
resolutions, study hours (学习时长), meeting appraisal.
"""
