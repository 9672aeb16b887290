"""The demo district's builders (演示数据), kept apart from the product apps like Zulip's zilencer.

A development app: ``luoshi demo`` (``make demo``), the tests and ``LUOSHI_DEBUG`` install it
(``settings.DEMO_APP``); a production deployment does not. It has no models. It imports the
product apps' services and models; no product app imports it.

- ``demo.build.build_all`` runs every builder in order (``luoshi demo``, the date-spread test);
- ``demo.orgs`` (the district, people and accounts; names in ``demo.names``), ``demo.cases`` (texts
  in ``demo.case_texts``), ``demo.workplan``, ``demo.villages``, ``demo.party`` (organization life,
  member development, membership, talks, terms);
- ``demo/management/commands/build_demo*.py``: one command per builder;
- ``demo/data/``: the administrative divisions of the demo district and the seed speech.
"""
