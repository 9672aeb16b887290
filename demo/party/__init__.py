"""Party demo builders: ``life`` (a year of organization life, talks; calls ``membership`` and
``terms``), ``development`` (发展党员), ``membership`` (transfers, dues, care visits), ``talks``
(谈心谈话) and ``terms`` (elections, approvals, structure, cadres)."""
