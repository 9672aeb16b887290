"""Terms and elections (换届选举): committee terms, secretary appointments reported for approval
(书记副书记报批), leading cadres (班子成员).
"""
