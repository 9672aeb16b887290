from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo builders (开发用演示数据): the management commands ``build_demo*`` that ``luoshi demo``
    runs. A development app with no models: installed only when ``settings.DEMO_APP`` is true."""

    name = "demo"
    verbose_name = "演示数据"
